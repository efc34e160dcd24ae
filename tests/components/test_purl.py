"""Tests for chainreview.components.purl: purl-spec conformance, OSV ecosystems, real SBOM purls.

The conformance tests run every case of purl-spec `tests/spec/*.json`, `tests/types/*-test.json`
and the legacy `test-suite-data.json`.  Cases we knowingly fail are listed in DIVERGENCES (test id
→ reason) and marked xfail(strict=True); docs/purl-divergences.md explains each one.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainreview.components import purl as purl_module
from chainreview.components.purl import (
    InvalidPurl,
    Purl,
    build_purl,
    osv_ecosystem,
    osv_package_name,
    parse_purl,
    source_package,
    source_version,
)
from chainreview.limits import MAX_STRING_CHARS

_LOWERCASE_KEYS = (
    "suite contradicts itself: a recommended validate case in the same file expects the key "
    "lower-cased, as how-to-parse says; we lower-case qualifier keys (lenient reader)"
)
_QUALIFIER_SLASH = (
    "legacy leaves '/' unencoded in qualifier values; the current spec encodes every character "
    "outside A-Za-z0-9.-_~: (tests/types/mlflow-test.json expects %2F)"
)
_LEGACY_DOT_SEGMENTS = (
    "legacy keeps decoded '.'/'..' subpath segments in the parsed components; current how-to-parse "
    "discards them after percent-decoding"
)
_HF_NAMESPACE = "current huggingface-definition.json requires a namespace; legacy allowed none"
_CPAN_MODULE = "current cpan-definition.json: a distribution name shall not contain '::'"

DIVERGENCES: dict[str, str] = {
    "types/gem-test#1": _LOWERCASE_KEYS,
    "types/rpm-test#1": _LOWERCASE_KEYS,
    "types/git-test#0": (
        "recommended case lower-cases a git namespace and name, but types/git-definition.json "
        "says both are case sensitive; we follow the type definition"
    ),
    "legacy#4/parse": _LEGACY_DOT_SEGMENTS,
    "legacy#5/parse": _LEGACY_DOT_SEGMENTS,
    **{
        f"legacy#{n}/{kind}": _QUALIFIER_SLASH
        for n in (11, 12, 42, 45, 46)
        for kind in ("parse", "build")
    },
    "legacy#44/parse": _QUALIFIER_SLASH,
    "legacy#44/build": _QUALIFIER_SLASH,
    "legacy#29/parse": "legacy: a conan namespace needs a channel; current conan type has no rule",
    "legacy#30/parse": "legacy: a conan channel needs a namespace; current conan type has no rule",
    "legacy#34/parse": "legacy: cran needs a version; current cran-definition.json: optional",
    "legacy#38/parse": "legacy: swift needs a version; current swift-definition.json: optional",
    "legacy#41/parse": _HF_NAMESPACE,
    "legacy#41/build": _HF_NAMESPACE,
    "legacy#49/parse": _CPAN_MODULE,
    "legacy#49/build": _CPAN_MODULE,
    "legacy#50/parse": "legacy: cpan needs a namespace; current cpan-definition.json: optional",
}

MUST_PASS_TYPES = frozenset(
    {"pypi", "npm", "golang", "cargo", "maven", "nuget", "gem", "composer", "pub", "hex", "cran"}
    | {"hackage", "swift", "deb", "apk", "rpm", "generic", "github", "docker", "oci"}
)
"""Types that map to an OSV ecosystem, plus the distro and container types: no divergence allowed
except where the current suite contradicts itself (the two upper-case qualifier key cases)."""

_SELF_CONTRADICTIONS = frozenset({"types/gem-test#1", "types/rpm-test#1"})

_ROOT = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
_MISSING = "shared-data-missing"


@cache
def _cases(root: Path) -> dict[str, dict[str, Any]]:
    """Every conformance case by test id, normalised to the current suite's shape."""
    spec = root / "purl-spec"
    cases: dict[str, dict[str, Any]] = {}
    for path in sorted([*spec.glob("tests/spec/*.json"), *spec.glob("tests/types/*-test.json")]):
        group = path.parent.name
        for index, case in enumerate(json.loads(path.read_text())["tests"]):
            cases[f"{group}/{path.stem}#{index}"] = case
    legacy = json.loads((spec / "legacy/test-suite-data.json").read_text())
    for index, entry in enumerate(legacy):
        cases.update(_legacy_cases(index, entry))
    return cases


def _legacy_cases(index: int, entry: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    components = {
        k: entry[k] for k in ("type", "namespace", "name", "version", "qualifiers", "subpath")
    }
    invalid = bool(entry["is_invalid"])
    yield (
        f"legacy#{index}/parse",
        {
            "test_type": "legacy-parse",
            "input": entry["purl"],
            "expected_output": None if invalid else (components, entry["canonical_purl"]),
            "expected_failure": invalid,
        },
    )
    if not invalid:
        yield (
            f"legacy#{index}/build",
            {
                "test_type": "build",
                "input": components,
                "expected_output": entry["canonical_purl"],
                "expected_failure": False,
            },
        )


def _case_ids() -> list[Any]:
    if not (_ROOT / "purl-spec").is_dir():
        return [_MISSING]
    return [
        pytest.param(case_id, marks=pytest.mark.xfail(strict=True, reason=DIVERGENCES[case_id]))
        if case_id in DIVERGENCES
        else case_id
        for case_id in _cases(_ROOT)
    ]


def _components(purl: Purl) -> dict[str, Any]:
    return {
        "type": purl.type,
        "namespace": purl.namespace,
        "name": purl.name,
        "version": purl.version,
        "qualifiers": dict(purl.qualifiers) or None,
        "subpath": purl.subpath,
    }


def _run(case: dict[str, Any]) -> object:
    """Run one case and return what the implementation produced to compare with the expectation."""
    given = case["input"]
    kind = case["test_type"]
    if kind == "build":
        return str(build_purl(**given))
    purl = parse_purl(given)
    if kind == "parse":
        return _components(purl)
    if kind == "legacy-parse":
        return (_components(purl), str(purl))
    return str(purl)  # validate: the canonical string


@pytest.mark.parametrize("case_id", _case_ids())
def test_purl_spec_case(shared_data: Path, case_id: str) -> None:
    case = _cases(shared_data)[case_id]
    if case["expected_failure"]:
        with pytest.raises(InvalidPurl):
            _run(case)
    else:
        assert _run(case) == case["expected_output"]


def test_suites_are_all_collected(shared_data: Path) -> None:
    counts: dict[str, int] = {}
    for case_id in _cases(shared_data):
        suite = case_id.split("/")[0].split("#")[0]
        counts[suite] = counts.get(suite, 0) + 1
    assert counts["spec"] >= 18
    assert counts["types"] >= 560
    assert counts["legacy"] >= 100


def test_divergences_name_real_cases_and_spare_must_pass_types(shared_data: Path) -> None:
    cases = _cases(shared_data)
    for case_id in DIVERGENCES:
        assert case_id in cases, case_id
        if case_id.startswith("types/") and case_id not in _SELF_CONTRADICTIONS:
            ptype = case_id.removeprefix("types/").rsplit("-test#", 1)[0]
            assert ptype not in MUST_PASS_TYPES, case_id


# --- behaviour beyond the suites ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("PKG:PyPI/Django_Allauth@1.0", "pkg:pypi/django-allauth@1.0"),
        ("pkg://npm/@babel/core@7.0.0", "pkg:npm/%40babel/core@7.0.0"),
        ("pkg:npm/%40Babel/Core@7", "pkg:npm/%40Babel/Core@7"),
        ("pkg:GitHub/Package-URL/Purl-Spec@v1", "pkg:github/package-url/purl-spec@v1"),
        (
            "pkg:deb/Debian/zlib1g@1:1.2+b1?distro=debian-11&arch=amd64",
            "pkg:deb/debian/zlib1g@1:1.2%2Bb1?arch=amd64&distro=debian-11",
        ),
        ("pkg:generic/x@1?a=&b=2", "pkg:generic/x@1?b=2"),
        ("pkg:generic/x#/a/./b/../c/", "pkg:generic/x#a/b/c"),
        (
            "pkg:generic/x@1?checksum=sha1:ab,sha256:cd",
            "pkg:generic/x@1?checksum=sha1:ab%2Csha256:cd",
        ),
        ("pkg:golang/go.opencensus.io@v0.23.0", "pkg:golang/go.opencensus.io@v0.23.0"),
        ("pkg:pub/Flutter-Widgets@1", "pkg:pub/flutter_widgets@1"),
        ("pkg:oci/Debian@sha256%3AABC?tag=latest", "pkg:oci/debian@sha256:abc?tag=latest"),
    ],
)
def test_normalisation(text: str, canonical: str) -> None:
    assert str(parse_purl(text)) == canonical
    assert parse_purl(canonical) == parse_purl(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("npm/foo@1", "no 'pkg:' scheme"),
        ("pkg%3Anpm/foo", "no 'pkg:' scheme"),
        ("pkg:/foo", "type"),
        ("pkg:my_type/foo", "type"),
        ("pkg:maven/io@1", "requires a namespace"),
        ("pkg:pypi/ns/foo", "has no namespace"),
        ("pkg:npm/foo?1key=v", "qualifier key"),
        ("pkg:npm/foo?a=1&A=2", "appears twice"),
        ("pkg:julia/Dates@1", "'uuid' qualifier"),
        ("pkg:maven/org.a/%40@1", None),
        ("pkg:generic/a%2Fb/c", "encoded '/'"),
    ],
)
def test_rejects_with_one_line_message(text: str, fragment: str | None) -> None:
    if fragment is None:  # valid: '@' encoded in a name is fine
        assert parse_purl(text).name == "@"
        return
    with pytest.raises(InvalidPurl) as raised:
        parse_purl(text)
    message = str(raised.value)
    assert fragment in message
    assert "\n" not in message


def test_length_limit() -> None:
    with pytest.raises(InvalidPurl, match="longer than"):
        parse_purl("pkg:generic/" + "a" * MAX_STRING_CHARS)


def test_message_is_clipped() -> None:
    with pytest.raises(InvalidPurl) as raised:
        parse_purl("pkg:maven/" + "x" * 10_000)
    assert len(str(raised.value)) < 400


def test_purl_value_semantics() -> None:
    purl = parse_purl("pkg:deb/debian/curl@7.74.0-1.3?arch=amd64&distro=debian-11")
    assert purl.qualifiers == (("arch", "amd64"), ("distro", "debian-11"))
    assert purl.qualifier("distro") == "debian-11"
    assert purl.qualifier("missing") is None
    assert purl in {parse_purl(str(purl))}


# --- OSV ecosystems -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ecosystem"),
    [
        ("pkg:pypi/django@1", "PyPI"),
        ("pkg:npm/%40babel/core@7", "npm"),
        ("pkg:golang/github.com/a/b@v1", "Go"),
        ("pkg:cargo/serde@1", "crates.io"),
        ("pkg:maven/org.a/b@1", "Maven"),
        ("pkg:nuget/Newtonsoft.Json@13", "NuGet"),
        ("pkg:gem/rails@7", "RubyGems"),
        ("pkg:composer/laravel/framework@10", "Packagist"),
        ("pkg:pub/http@1", "Pub"),
        ("pkg:hex/phoenix@1", "Hex"),
        ("pkg:cran/dplyr@1", "CRAN"),
        ("pkg:hackage/aeson@2", "Hackage"),
        ("pkg:swift/github.com/Alamofire/Alamofire@5", "SwiftURL"),
        ("pkg:conan/openssl@3", "ConanCenter"),
        ("pkg:bitnami/nginx@1", "Bitnami"),
        ("pkg:deb/debian/zlib1g@1:1.2.11.dfsg-2+deb11u2?arch=amd64&distro=debian-11", "Debian:11"),
        ("pkg:deb/debian/x@1?distro=bullseye", "Debian:11"),
        ("pkg:deb/debian/x@1?distro=debian-9", "Debian:9"),
        ("pkg:deb/debian/x@1?distro=sid", "Debian:sid"),
        ("pkg:deb/debian/x@1", "Debian"),
        ("pkg:deb/ubuntu/x@1?distro=ubuntu-22.04", "Ubuntu:22.04:LTS"),
        ("pkg:deb/ubuntu/x@1?distro=jammy", "Ubuntu:22.04:LTS"),
        ("pkg:deb/ubuntu/x@1?distro=ubuntu-22.10", "Ubuntu:22.10"),
        ("pkg:deb/ubuntu/x@1?distro=esm-infra/xenial", "Ubuntu:Pro:16.04:LTS"),
        ("pkg:deb/ubuntu/x@1?distro=trusty/esm", "Ubuntu:Pro:14.04:LTS"),
        (
            "pkg:apk/alpine/zlib@1.2.12-r3?arch=x86_64&upstream=zlib&distro=alpine-3.16.2",
            "Alpine:v3.16",
        ),
        ("pkg:apk/alpine/zlib@1?distro=3.22.0&origin=zlib", "Alpine:v3.22"),
        ("pkg:apk/alpine/openssl?arch=source", "Alpine"),
        ("pkg:alpine/zlib@1?distro=alpine-3.15.6", "Alpine:v3.15"),
        ("pkg:apk/wolfi/glibc@2", "Wolfi"),
        ("pkg:rpm/redhat/curl@7?arch=x86_64", "Red Hat"),
        ("pkg:rpm/opensuse/curl@7", "openSUSE"),
        ("pkg:rpm/rocky/curl@7?distro=rocky-8.6", "Rocky Linux:8"),
        ("pkg:rpm/fedora/curl@7?distro=fedora-25", None),
        ("pkg:deb/kali/x@1", None),
        ("pkg:generic/openssl@1.1.1", None),
        ("pkg:github/package-url/purl-spec@1", None),
        ("pkg:docker/library/nginx@1", None),
        ("pkg:oci/nginx@sha256%3Aabc", None),
    ],
)
def test_osv_ecosystem(text: str, ecosystem: str | None) -> None:
    assert osv_ecosystem(parse_purl(text)) == ecosystem


def _osv_records(root: Path) -> Iterator[dict[str, Any]]:
    for path in root.rglob("*.json"):
        try:
            doc = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("affected"), list):
            yield doc


def test_osv_ecosystem_matches_real_osv_records(shared_data: Path) -> None:
    """Each OSV `affected[].package` with a purl: our ecosystem equals, or prefixes, theirs.

    A prefix is the best a purl allows for Red Hat (the CPE stream is not in the purl) and for
    Alpine records whose purl carries no distro qualifier.
    """
    checked = exact = 0
    for doc in _osv_records(shared_data):
        for affected in doc["affected"]:
            package = affected.get("package") or {}
            if not package.get("purl"):
                continue
            ours = osv_ecosystem(parse_purl(package["purl"]))
            theirs = package["ecosystem"]
            assert ours is not None and theirs.startswith(ours), (package["purl"], theirs)
            checked += 1
            exact += ours == theirs
    assert checked > 1400
    assert exact > 1250


# --- names as advisories key them ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("pkg:apk/alpine/libcrypto3@3.0.8-r0?upstream=openssl&distro=alpine-3.17.2", "openssl"),
        ("pkg:deb/debian/libgcc1@1:6.3.0-18?upstream=gcc-6%406.3.0-18&distro=debian-9", "gcc-6"),
        ("pkg:deb/ubuntu/libpcre3@2?distro=focal&source=pcre3", "pcre3"),
        ("pkg:apk/alpine/zlib@1?distro=3.22.0&origin=zlib", "zlib"),
        ("pkg:rpm/redhat/libcurl@7.76.1?upstream=curl-7.76.1-14.el9.src.rpm", "curl"),
        ("pkg:deb/debian/zlib1g@1:1.2.11", "zlib1g"),
        ("pkg:pypi/foo@1?upstream=bar", "foo"),
    ],
)
def test_source_package(text: str, source: str) -> None:
    assert source_package(parse_purl(text)) == source


@pytest.mark.parametrize(
    ("text", "version"),
    [
        # syft, guac-data nginx image: the binary's epoch 1 is not the source's
        (
            "pkg:deb/debian/bsdutils@1:2.36.1-8+deb11u1?arch=amd64"
            "&upstream=util-linux%402.36.1-8+deb11u1&distro=debian-11",
            "2.36.1-8+deb11u1",
        ),
        # syft, osv-scanner's postgres-stretch fixture: a source with an epoch of its own
        (
            "pkg:deb/debian/libattr1@1:2.4.47-2+b2?arch=amd64&upstream=attr%401:2.4.47-2"
            "&distro=debian-9",
            "1:2.4.47-2",
        ),
        ("pkg:deb/debian/libuuid1@2.36.1-8?upstream=util-linux&distro=debian-11", None),
        ("pkg:deb/debian/util-linux@2.36.1-8?distro=debian-11", None),
        ("pkg:rpm/redhat/libcurl@7.76.1?upstream=curl-7.76.1-14.el9.src.rpm", None),
        ("pkg:pypi/foo@1?upstream=bar%402", None),
    ],
)
def test_source_version(text: str, version: str | None) -> None:
    assert source_version(parse_purl(text)) == version


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("pkg:maven/org.apache.commons/commons-text@1.9", "org.apache.commons:commons-text"),
        ("pkg:npm/%40babel/core@7", "@babel/core"),
        ("pkg:golang/github.com/gin-gonic/gin@v1", "github.com/gin-gonic/gin"),
        ("pkg:composer/laravel/framework@10", "laravel/framework"),
        ("pkg:pypi/Django@4", "django"),
        ("pkg:deb/debian/libssl1.1@1.1.1n?upstream=openssl", "openssl"),
    ],
)
def test_osv_package_name(text: str, name: str) -> None:
    assert osv_package_name(parse_purl(text)) == name


# --- real SBOMs ---------------------------------------------------------------------------------

_SBOM_SETS = (
    "guac-data-sboms",
    "cyclonedx-bom-examples",
    "sbomqs-samples",
    "spdx-examples",
    "osv-scanner-fixtures",
)
_XML_PURL = re.compile(r"<purl>([^<]*)</purl>")
_BAD_PURLS_FIXTURE = "bad-purls.cdx.xml"


def _json_purls(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                if key == "purl" or (key == "referenceLocator" and value.startswith("pkg:")):
                    yield value
            else:
                yield from _json_purls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _json_purls(item)


def _sbom_purls(path: Path) -> list[str]:
    text = path.read_text(errors="replace")
    if path.suffix == ".xml":
        return [html.unescape(p) for p in _XML_PURL.findall(text)]
    try:
        return list(_json_purls(json.loads(text)))
    except json.JSONDecodeError:
        return []


def test_every_purl_in_real_sboms_parses(shared_data: Path) -> None:
    seen = 0
    for folder in _SBOM_SETS:
        for path in sorted((shared_data / folder).rglob("*")):
            if path.suffix not in (".json", ".xml") or path.name == _BAD_PURLS_FIXTURE:
                continue
            for text in _sbom_purls(path):
                purl = parse_purl(text)
                assert parse_purl(str(purl)) == purl, text
                seen += 1
    assert seen > 18_000


def test_bad_purls_fixture(shared_data: Path) -> None:
    fixture = next(shared_data.joinpath("osv-scanner-fixtures").rglob(_BAD_PURLS_FIXTURE))
    rejected = set()
    for text in _sbom_purls(fixture):
        try:
            parse_purl(text)
        except InvalidPurl:
            rejected.add(text.split("?")[0])
    assert rejected == {"pkg:pypi/", "pkg:///", "/", "pkg:apk/alpine/@1.36.1-r27"}


# --- the plain-purl shortcut against packageurl-python --------------------------------------------


def _reference_parse(text: str) -> Purl:
    """`parse_purl` as it is without the shortcut: packageurl-python splits every purl."""
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() != "pkg":
        raise InvalidPurl(f"not a purl (no 'pkg:' scheme): {purl_module._clip(text)}")
    if purl_module._has_empty_name(rest):
        raise InvalidPurl(f"invalid purl {purl_module._clip(text)}: the name before '@' is empty")
    return purl_module._parse_packageurl(text, rest)


def _outcome(text: str, *, reference: bool) -> object:
    """The parsed purl and its canonical string, or the refusal message, uncached."""
    parse = _reference_parse if reference else purl_module._parse_cached.__wrapped__
    try:
        purl = parse(text)
    except InvalidPurl as exc:
        return ("refused", str(exc))
    return (purl, str(purl))


def _takes_shortcut(text: str) -> bool:
    scheme, _, rest = text.partition(":")
    return scheme.lower() == "pkg" and purl_module._split_plain(rest) is not None


def _every_known_purl(root: Path) -> set[str]:
    """Each purl string of the purl-spec suites (inputs and canonical outputs) and real SBOMs."""
    found: set[str] = set()
    for case in _cases(root).values():
        for value in (case["input"], case.get("expected_output")):
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, tuple):  # legacy parse: (components, canonical purl)
                found.add(value[1])
    for folder in _SBOM_SETS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".json", ".xml"):
                found.update(_sbom_purls(path))
    return found


def test_plain_split_agrees_with_packageurl_on_every_known_purl(shared_data: Path) -> None:
    """The shortcut gives the same purl, canonical string or refusal message as packageurl."""
    texts = _every_known_purl(shared_data)
    for text in sorted(texts):
        assert _outcome(text, reference=False) == _outcome(text, reference=True), text
    shortcut = sum(_takes_shortcut(text) for text in texts)
    assert len(texts) > 7000
    assert shortcut > 0.95 * len(texts)  # the shortcut is the usual path, not a rare one


_PURL_PIECES = (
    *("a", "Z", "9", "-", ".", "_", "~", "+", ",", "!", "'", " ", "\t", "é", "\u00a0"),
    *("/", "//", "@", "?", "#", "=", "&", ":", "%", "%40", "%2F", "%2f", "%20", "%3A", "%E9"),
    *("npm/", "@scope/", "maven/", "golang/", "git/", "pypi/", "deb/debian/", "generic/"),
    *("mlflow/", "cpan/", "chrome-extension/", "julia/", "swift/", "N_T/", "3x/", "a+b:"),
    *("name", "@1.0", "?arch=x86_64", "&distro=debian-11", "?Key=V", "?a=&b=", "#sub/./../p"),
)


@settings(max_examples=4000, deadline=None)
@given(
    st.sampled_from(("pkg:", "PKG:", "pkg:/", "pkg:npm/", "pkg:generic/", "pkg:deb/")),
    st.lists(st.sampled_from(_PURL_PIECES), max_size=14).map("".join),
)
def test_plain_split_agrees_with_packageurl_on_generated_purls(prefix: str, body: str) -> None:
    text = prefix + body
    assert _outcome(text, reference=False) == _outcome(text, reference=True)


@pytest.mark.parametrize(
    "text",
    [
        "pkg:pypi/django@1.0",
        "pkg:npm/@babel/core@7.0.0",
        "pkg:npm/%40babel/core@7.0.0?x=1#lib/a",
        "pkg:deb/debian/curl@7.74.0-1.3+deb11u1?arch=amd64&distro=debian-11",
        "pkg:golang/github.com/a/b/v2@v2.0.0",
        "pkg:generic/x@1:2",  # a colon after '/' or '@' is no URL scheme
    ],
)
def test_plain_purls_take_the_shortcut(text: str) -> None:
    assert _takes_shortcut(text)


@pytest.mark.parametrize(
    "text",
    [
        "pkg:generic/go:x",  # urlsplit reads "go:" as a URL scheme
        "pkg:npm//foo@1",  # '//' starts a URL authority
        "pkg:/npm/foo",  # packageurl strips leading slashes
        "pkg:generic/a b",  # whitespace is stripped in places
        "pkg:generic/caf\u00e9",
        "pkg:my_type/foo",  # packageurl accepts '_' in a type, the spec does not
        "pkg:swift/github.com/Alamofire/@5.4.3",  # empty name before '@'
        "pkg:generic/x?a",  # a qualifier without '='
        "pkg:generic/x?1a=b",
        "pkg:npm/@scope/a/b@1",
    ],
)
def test_other_purls_take_the_general_path(text: str) -> None:
    assert not _takes_shortcut(text)
    assert _outcome(text, reference=False) == _outcome(text, reference=True)
