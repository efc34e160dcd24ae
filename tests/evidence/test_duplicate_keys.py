"""A key given twice in one JSON object or YAML mapping is refused, never read last-wins.

Parsers keep the last value of a repeated key, so a second `"components": []` would hide every
component (and its vulnerabilities) and a second `documents:` the first list. YAML forbids
repeated keys; for JSON, RFC 8259 says names SHOULD be unique and the CycloneDX, SPDX, OpenVEX and
CSAF schemas all describe objects with unique members, so no specification we read allows them.

Documents are written here as text, the repeat appended by hand; the generated JSON of the
property test knows itself whether it repeats a key (no parser is the oracle).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chainreview import raw
from chainreview.errors import InputError
from chainreview.evidence.declaration import load_declaration
from chainreview.evidence.overrides import read_overrides
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.vex import read_vex
from chainreview.findings.suppressions import load_ignore_file

MINIMAL = Path(__file__).parents[1] / "fixtures" / "declarations" / "minimal"

CYCLONEDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "components": [
        {"type": "library", "name": "log4j-core", "version": "2.14.1"},
        {
            "type": "library",
            "name": "requests",
            "version": "2.31.0",
            "purl": "pkg:pypi/requests@2.31.0",
        },
    ],
}
SPDX = {
    "spdxVersion": "SPDX-2.3",
    "SPDXID": "SPDXRef-DOCUMENT",
    "dataLicense": "CC0-1.0",
    "name": "dup",
    "documentNamespace": "https://example.com/dup",
    "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
    "packages": [{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NOASSERTION"}],
}
OPENVEX = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/1",
    "author": "Vendor PSIRT",
    "timestamp": "2024-01-01T00:00:00Z",
    "version": 1,
    "statements": [
        {
            "vulnerability": {"name": "CVE-2021-44228"},
            "products": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_present",
        }
    ],
}
CYCLONEDX_VEX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "vulnerabilities": [
        {
            "id": "CVE-2021-44228",
            "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
            "affects": [{"ref": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}],
        }
    ],
}
CSAF = {
    "document": {
        "category": "csaf_vex",
        "csaf_version": "2.0",
        "title": "dup",
        "publisher": {"category": "vendor", "name": "V", "namespace": "https://example.com"},
        "tracking": {
            "id": "V-1",
            "status": "final",
            "version": "1",
            "initial_release_date": "2024-01-01T00:00:00Z",
            "current_release_date": "2024-01-01T00:00:00Z",
            "revision_history": [{"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "x"}],
        },
    },
    "product_tree": {
        "full_product_names": [
            {
                "name": "log4j-core 2.14.1",
                "product_id": "P1",
                "product_identification_helper": {
                    "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
                },
            }
        ]
    },
    "vulnerabilities": [
        {"cve": "CVE-2021-44228", "product_status": {"known_not_affected": ["P1"]}}
    ],
}


def repeated(document: dict[str, Any], key: str, value: Any) -> bytes:
    """`document` as JSON text with `key` written once more, last, with `value`."""
    text = json.dumps(document, indent=1)
    return (text[: text.rindex("}")] + f", {json.dumps(key)}: {json.dumps(value)}\n}}").encode()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(read: Any, path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read(path, path.name)
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{path.name}: "), text
    return caught.value


# --- JSON: every reader that parses JSON -------------------------------------------------------


def test_a_second_components_list_no_longer_hides_the_first(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.json", repeated(CYCLONEDX, "components", []))
    error = refusal(read_sbom, path)
    assert error.location == "/components"
    assert error.message.startswith("duplicate key 'components'")
    plain = write(tmp_path, "plain.json", json.dumps(CYCLONEDX).encode())
    assert len(read_sbom(plain).components) == 2  # the same document without the repeat reads


def test_a_repeat_deep_inside_is_named_by_its_pointer(tmp_path: Path) -> None:
    text = json.dumps(CYCLONEDX).replace(
        '"version": "2.31.0"', '"version": "2.31.0", "version": "0"'
    )
    error = refusal(read_sbom, write(tmp_path, "bom.json", text.encode()))
    assert error.location == "/components/1/version"


def test_spdx_json_packages_given_twice(tmp_path: Path) -> None:
    error = refusal(read_sbom, write(tmp_path, "sbom.spdx.json", repeated(SPDX, "packages", [])))
    assert error.location == "/packages"


@pytest.mark.parametrize(
    ("document", "key"),
    [(OPENVEX, "statements"), (CYCLONEDX_VEX, "vulnerabilities"), (CSAF, "vulnerabilities")],
    ids=["openvex", "cyclonedx", "csaf"],
)
def test_vex_statements_given_twice(tmp_path: Path, document: dict[str, Any], key: str) -> None:
    plain = read_vex(write(tmp_path, "plain.json", json.dumps(document).encode()), "plain.json")
    assert len(plain.statements) == 1
    error = refusal(read_vex, write(tmp_path, "vex.json", repeated(document, key, [])))
    assert error.location == f"/{key}"


def test_escaped_names_are_compared_as_read(tmp_path: Path) -> None:
    """`"comp\\u006fnents"` is `"components"` once read: a repeat, however it is written."""
    text = json.dumps(CYCLONEDX)[:-1] + ', "comp\\u006fnents": []}'
    assert refusal(read_sbom, write(tmp_path, "bom.json", text.encode())).location == "/components"


@pytest.mark.parametrize(
    "text",
    [
        b'{"a:b": "c:d", "e": {"f\\u003a": "\\u003A"}}',  # colons in names and values, escaped
        b'{"a": "\\\\u003a", "b": 1}',  # a backslash, then the text u003a: no colon at all
        b'{"a": [{"x": 1}, {"x": 2}], "b": {"x": {"x": 3}}}',  # one name in different objects
    ],
)
def test_unique_names_are_read_unchanged(text: bytes) -> None:
    assert raw.load_json(text, "f.json") == json.loads(text)


# --- JSON: any document, generated --------------------------------------------------------------


class Pairs(list[tuple[str, Any]]):
    """A JSON object as the text writes it: its members in order, repeats kept."""


NAMES = st.one_of(
    st.text(alphabet='\\":a/~é', max_size=3),
    st.sampled_from(["\\u003a", "\\u003A:", "a\\"]),  # a backslash, then u003a: no colon
)
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), NAMES),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(st.tuples(NAMES, inner), max_size=4).map(Pairs)
    ),
    max_leaves=12,
)


def to_text(value: Any, rng: random.Random) -> str:
    """JSON text of `value`, each colon inside a string written as `:`, `\\u003a` or `\\u003A`."""
    if isinstance(value, Pairs):
        members = (f"{to_text(k, rng)}: {to_text(v, rng)}" for k, v in value)
        return "{" + ", ".join(members) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_text(item, rng) for item in value) + "]"
    if isinstance(value, str):
        quoted = json.dumps(value, ensure_ascii=False)
        return "".join(rng.choice([":", "\\u003a", "\\u003A"]) if c == ":" else c for c in quoted)
    return json.dumps(value)


def plain(value: Any) -> Any:
    """The value a reader keeping the last of repeated names builds."""
    if isinstance(value, Pairs):
        return {k: plain(v) for k, v in value}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def repeats(value: Any) -> bool:
    """Whether some object of `value` that survives last-wins reading names a member twice."""
    if isinstance(value, Pairs):
        names = [k for k, _ in value]
        kept = dict(value)
        return len(set(names)) < len(names) or any(repeats(v) for v in kept.values())
    if isinstance(value, list):
        return any(repeats(item) for item in value)
    return False


def resolve(value: Any, pointer: str) -> tuple[Any, str]:
    """The object `pointer` ends in, and the name it ends with."""
    *steps, last = pointer.split("/")[1:]
    for step in steps:
        step = step.replace("~1", "/").replace("~0", "~")
        value = dict(value)[step] if isinstance(value, Pairs) else value[int(step)]
    return value, last.replace("~1", "/").replace("~0", "~")


@settings(max_examples=400, deadline=None)
@given(document=st.lists(st.tuples(NAMES, VALUES), max_size=4).map(Pairs), seed=st.integers())
def test_any_repeated_name_is_found_and_no_other(document: Pairs, seed: int) -> None:
    text = to_text(document, random.Random(seed)).encode()
    if not repeats(document):
        assert raw.load_json(text, "f.json") == plain(document)
        return
    with pytest.raises(InputError) as caught:
        raw.load_json(text, "f.json")
    owner, name = resolve(document, caught.value.location)
    assert isinstance(owner, Pairs)
    assert [k for k, _ in owner].count(name) > 1


# --- YAML --------------------------------------------------------------------------------------


def test_spdx_yaml_packages_given_twice_names_both_lines(tmp_path: Path) -> None:
    text = (
        b"spdxVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nname: dup\n"
        b"packages:\n  - {SPDXID: SPDXRef-a, name: a, downloadLocation: NOASSERTION}\n"
        b"packages: []\n"
    )
    error = refusal(read_sbom, write(tmp_path, "sbom.spdx.yaml", text))
    assert error.location == "line 6, column 1"
    assert error.message == "duplicate key 'packages' (first at line 4)"


def test_openvex_yaml_statements_given_twice(tmp_path: Path) -> None:
    block = yaml.safe_dump(OPENVEX, sort_keys=False).encode() + b"statements: []\n"
    error = refusal(read_vex, write(tmp_path, "vex.yaml", block))
    assert error.message.startswith("duplicate key 'statements'")


def test_a_second_documents_list_in_the_declaration_is_refused(tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(MINIMAL, package)
    manifest = package / "declaration.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    first = lines.index("documents:") + 1
    manifest.write_text("\n".join([*lines, "documents: []", ""]), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_declaration(package)
    assert f"duplicate key 'documents' (first at line {first})" in str(caught.value)
    assert f"line {len(lines) + 1}, column 1" in str(caught.value)


def test_overrides_given_twice(tmp_path: Path) -> None:
    text = b'schema_version: "1.0"\noverrides: []\noverrides: []\n'
    error = refusal(read_overrides, write(tmp_path, "overrides.yaml", text))
    assert error.location == "line 3, column 1"


def test_an_ignore_entry_with_two_reasons(tmp_path: Path) -> None:
    text = b"ignore:\n  - id: CVE-1\n    reason: accepted\n    reason: not accepted\n"
    error = refusal(load_ignore_file, write(tmp_path, "ignore.yaml", text))
    assert error.location == "line 4, column 5"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"{1: a, 0x1: b}", None),  # one integer written two ways
        (b"{1: a, true: b}", None),  # Python's True == 1: one dict key
        (b"{<<: {a: 1}, <<: {b: 2}}", None),  # two merge keys
        (b"{'1': a, 1: b}", {"1": "a", 1: "b"}),  # a string and an integer
        (b"base: &b {x: 1}\nuse: {<<: *b, x: 2}\n", {"base": {"x": 1}, "use": {"x": 2}}),
        (b"a: {x: 1}\nb: {x: 2}\n", {"a": {"x": 1}, "b": {"x": 2}}),
    ],
)
def test_yaml_keys_are_compared_as_the_values_they_become(text: bytes, value: Any) -> None:
    if value is not None:
        assert raw.load_yaml(text, "f.yaml") == value
        return
    with pytest.raises(InputError, match="duplicate key"):
        raw.load_yaml(text, "f.yaml")


def test_a_key_repeated_through_an_alias() -> None:
    with pytest.raises(InputError, match="duplicate key 'a'"):
        raw.load_yaml(b"&k a: 1\n*k : 2\n", "f.yaml")
