"""`raw.load_yaml`: libyaml's speed, with the behaviour of the careful loader kept.

Values are judged against the data the test wrote, or the text itself; the speed against PyYAML's
own C loader is measured by `benchmarks/bench_yaml.py`, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chainreview import limits, raw
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence.sbom import read_sbom


def spdx_packages(count: int) -> dict[str, Any]:
    """An SPDX 2.3 document of `count` packages with purls and checksums, as syft writes."""
    return {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "generated",
        "documentNamespace": "https://example.com/generated",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
        "packages": [
            {
                "SPDXID": f"SPDXRef-p{index}",
                "name": f"package-{index}",
                "versionInfo": f"1.{index % 50}.{index % 7}",
                "downloadLocation": "NOASSERTION",
                "checksums": [{"algorithm": "SHA256", "checksumValue": f"{index:064x}"}],
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": f"pkg:pypi/package-{index}@1.{index % 50}.{index % 7}",
                    }
                ],
            }
            for index in range(count)
        ],
    }


def test_a_megabyte_of_generated_spdx_reads_back_as_written() -> None:
    """What `benchmarks/bench_yaml.py` times (against libyaml) must first be read right."""
    document = spdx_packages(3000)
    data = yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False).encode()
    assert len(data) > 1_000_000
    assert raw.load_yaml(data, "sbom.yaml") == document


def test_timestamps_and_dates_stay_as_written() -> None:
    text = b"created: 2024-01-01T00:00:00Z\nday: 2026-07-01\nspaced: 2001-12-14 21:59:43.10 -5\n"
    assert raw.load_yaml(text, "f.yaml") == {
        "created": "2024-01-01T00:00:00Z",
        "day": "2026-07-01",
        "spaced": "2001-12-14 21:59:43.10 -5",
    }


def test_scalars_resolve_as_yaml_1_1_safe_loading_does() -> None:
    text = b"a: yes\nb: ~\nc: 0x1F\nd: 1_000\ne: .inf\nf: '1'\ng: 1.5\n"
    assert raw.load_yaml(text, "f.yaml") == {
        "a": True,
        "b": None,
        "c": 31,
        "d": 1000,
        "e": float("inf"),
        "f": "1",
        "g": 1.5,
    }


def test_merge_keys_still_merge_with_explicit_keys_winning() -> None:
    text = b"base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nuse: {<<: [*b, *m], x: 9}\n"
    assert raw.load_yaml(text, "f.yaml")["use"] == {"x": 9, "y": 2, "z": 3}


def test_anchors_share_one_value() -> None:
    value = raw.load_yaml(b"a: &a [1, 2]\nb: *a\n", "f.yaml")
    assert value == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        (b"a: 1\nb: [1, 2\n", "line 3, column 1", "not valid YAML"),
        (b"a: 1\n  b: 2\n", "line 2, column 4", "not valid YAML"),
        (b"a: !!python/name:os.system x\n", "line 1, column 4", "not valid YAML"),
    ],
)
def test_syntax_errors_name_the_line(text: bytes, where: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        raw.load_yaml(text, "f.yaml")
    assert caught.value.location == where
    assert caught.value.message.startswith(problem)
    assert "\n" not in str(caught.value)


def test_nesting_past_libyaml_cap_is_refused_as_our_depth_limit() -> None:
    with pytest.raises(LimitExceeded, match=f"deeper than {limits.MAX_JSON_DEPTH} levels"):
        raw.load_yaml(b"x: " + b"[" * 5000 + b"]" * 5000, "f.yaml")


def test_yaml_over_its_size_limit_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = yaml.dump(spdx_packages(20), Dumper=yaml.CSafeDumper).encode()
    path = tmp_path / "sbom.yaml"
    path.write_bytes(data)
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", len(data) - 1)
    with pytest.raises(LimitExceeded) as caught:
        read_sbom(path, "sbom.yaml")
    assert str(caught.value) == (
        f"sbom.yaml: YAML of {len(data):,} bytes, over the {len(data) - 1:,}-byte YAML limit"
    )
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", len(data))
    assert len(read_sbom(path, "sbom.yaml").components) == 20


@pytest.mark.parametrize(
    "scalar",
    [
        "9" * 5000,  # more digits than Python converts: a ValueError escaped as a traceback
        "1" + ":59" * 40_000,  # base 60, digit by digit: quadratic in the length
        "0x" + "f" * 4000,  # readable, but too long for Python to print in a message
    ],
    ids=["decimal", "base-60", "hexadecimal"],
)
def test_overlong_integers_are_refused_where_they_start(scalar: str) -> None:
    with pytest.raises(LimitExceeded) as caught:
        raw.load_yaml(f"a: 1\nb: {scalar}\n".encode(), "f.yaml")
    assert caught.value.location == "line 2, column 4"
    assert caught.value.message == (
        f"integer of {len(scalar):,} characters, over the "
        f"{limits.MAX_YAML_INT_CHARS:,}-character limit"
    )


def test_integers_up_to_the_limit_are_read() -> None:
    digits = "9" * limits.MAX_YAML_INT_CHARS
    assert raw.load_yaml(f"a: {digits}\n".encode(), "f.yaml") == {"a": int(digits)}


@pytest.mark.parametrize("scalar", ["0x_", "0b_", "-0x__", "+0b___"])
def test_integer_prefixes_without_digits_stay_text(scalar: str) -> None:
    # PyYAML's YAML 1.1 resolver tags these as integers, then its constructor raised
    # ValueError on the empty digits (found by fuzzing the ignore-file reader).
    assert raw.load_yaml(f"a: {scalar}\nb: 0x_1f\n".encode(), "f.yaml") == {"a": scalar, "b": 31}


PYYAML_ALIKE = [
    b"a: &x [1, 2]\nb: *x\nc: &s text\nd: *s\n",
    b"base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n",
    b"'<<': quoted, not a merge\nplain: 1\n",
    b"a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!binary aGVsbG8=\n",
    b"s: !!set {a, b}\no: !!omap [{x: 1}, {y: 2}]\np: !!pairs [{x: 1}, {x: 2}]\n",
    b"1: int\n'1': text\nfalse: no\nnull: ~\n1.5: float\n",
    b"%YAML 1.1\n---\n- [nested, {flow: [1, 2, {deep: null}]}]\n- \xe6\x9b\xa6\xe8\xb7\x83\n...\n",
    b"",
    b"---\n",
    b"# only a comment\n",
    b"plain scalar\n",
    b"- a\n- - b\n  - c\n- {}\n- []\n",
    b"!!map {a: 1}\n",
    b"key: |\n  literal\n  block\nother: >\n  folded\n  text\n",
]


@pytest.mark.parametrize("text", PYYAML_ALIKE)
def test_documents_read_as_pyyaml_safe_loading_reads_them(text: bytes) -> None:
    # Plain documents are built from events, the rest from the node graph: either way the value
    # is PyYAML's own (these hold no timestamp, which is kept as text).
    assert raw.load_yaml(text, "f.yaml") == yaml.load(text, Loader=yaml.CSafeLoader)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"a: &x 1\nb: &x 2\n", "line 2, column 4: not valid YAML: second occurrence"),
        (b"a: *nowhere\n", "found undefined alias"),
        (b"a: 1\n---\nb: 2\n", "line 2, column 1: not valid YAML: but found another document"),
        (b"1: int\ntrue: bool\n", "line 2, column 1: duplicate key 'true' \\(first at line 1\\)"),
        (b"a: !local 1\n", "could not determine a constructor"),
        (b"? [a, b]\n: 1\n", "found unhashable key"),
    ],
)
def test_what_events_cannot_build_is_refused_as_before(text: bytes, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        raw.load_yaml(text, "f.yaml")


def test_a_large_plain_document_reads_as_pyyaml_reads_it_with_the_collector_on() -> None:
    # A document of 20,000 packages takes the event path (the collector left on, as a service
    # runs); its value is PyYAML's own.
    document = spdx_packages(20_000)
    data = yaml.dump(document, Dumper=yaml.CSafeDumper).encode()
    assert raw.load_yaml(data, "sbom.yaml") == yaml.load(data, Loader=yaml.CSafeLoader)
