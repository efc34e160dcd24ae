"""`apply_vex` through its index: the same statement decides each finding as when every statement
is weighed (`vex.applicable` over the whole list, the oracle), and no finding weighs statements
that name neither its ids nor its component.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainreview.components.model import Component, Location
from chainreview.components.purl import InvalidPurl, parse_purl
from chainreview.errors import InputError
from chainreview.evidence import vex
from chainreview.evidence.vex import VexStatement, VexStatus, applicable, read_vex
from chainreview.findings.model import Finding, Level, Severity, Status
from chainreview.findings.vex_status import apply_vex

DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])

IDS = ("CVE-2024-0001", "cve-2024-0001", "CVE-2024-0002", "GHSA-abcd-efgh-ijkl", "PYSEC-2024-1")
PURLS = (
    "pkg:npm/lodash@4.17.20",
    "pkg:npm/lodash",
    "pkg:npm/lodash@4.17.21",
    "pkg:npm/lodash@4.17.20#lib",
    "pkg:npm/lodash@4.17.20?arch=x86_64",
    "pkg:pypi/Django_Rest@1.0",
    "pkg:pypi/django-rest",
    "pkg:deb/debian/curl@7.88.1?distro=bookworm",
    "pkg:deb/debian/curl@7.88.1?distro=debian-12",
    "pkg:npm/@1.0",  # invalid: matches nothing
)
REFS = ("c1", "c2", "c%31")
IDENTIFIERS = (
    *PURLS,
    *REFS,
    "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#c1",
    "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#c%31",
    "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:npm/lodash@4.17.20",
    "cpe:2.3:a:haxx:curl:7.88.1:*:*:*:*:*:*:*",
    "cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*",
    "cpe:2.3:a:haxx:libcurl:-:*:*:*:*:*:*:*",
)
TIMESTAMPS = (None, "2024-01-01", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00+02:00", "soon")


def _valid(purl: str) -> bool:
    try:
        parse_purl(purl)
    except InvalidPurl:
        return False
    return True


@st.composite
def components(draw: st.DrawFn) -> list[Component]:
    found = []
    for number in range(draw(st.integers(1, 4))):
        purl = draw(st.none() | st.sampled_from([p for p in PURLS if _valid(p)]))
        found.append(
            Component(
                ref=draw(st.sampled_from([*REFS, f"r{number}"])) + f"-{number}"
                if draw(st.booleans())
                else draw(st.sampled_from(REFS)),
                name="x",
                version=draw(st.sampled_from([None, "4.17.20", "7.88.1"])),
                purl=str(parse_purl(purl)) if purl else None,
                cpe=draw(st.none() | st.sampled_from(IDENTIFIERS[-3:])),
            )
        )
    return list({c.ref: c for c in found}.values())


statements = st.lists(
    st.builds(
        VexStatement,
        vulnerability=st.sampled_from(IDS),
        aliases=st.lists(st.sampled_from(IDS), max_size=2).map(tuple),
        products=st.lists(st.sampled_from(IDENTIFIERS), max_size=3).map(tuple),
        subcomponents=st.lists(st.sampled_from(IDENTIFIERS), max_size=2).map(tuple),
        status=st.sampled_from(list(VexStatus)),
        justification=st.sampled_from([None, "component_not_present"]),
        timestamp=st.sampled_from(TIMESTAMPS),
        location=st.integers(0, 99).map(lambda n: Location(file="v.json", pointer=f"/s/{n}")),
    ),
    max_size=12,
)


def _finding(component: Component, aliases: tuple[str, ...]) -> Finding:
    return Finding(
        aliases=aliases,
        component=component.ref,
        id=aliases[0],
        name=component.name,
        purl=component.purl,
        severity=Severity(level=Level.UNKNOWN),
        summary="",
        version=component.version or "",
    )


def _walk_every_statement(
    findings: list[Finding], chosen: list[VexStatement], by_ref: dict[str, Component]
) -> list[tuple[Status, str | None, str | None]]:
    out = []
    for finding in findings:
        found = applicable(chosen, finding.aliases, by_ref[finding.component])
        if found is None:
            out.append((finding.status, finding.justification, finding.status_source))
        else:
            reason = found.justification or found.impact
            out.append((Status(found.status.value), reason, str(found.location)))
    return out


@settings(max_examples=400, deadline=None)
@given(components(), st.data(), statements)
def test_the_index_decides_as_walking_every_statement(
    inventory: list[Component], data: st.DataObject, chosen: list[VexStatement]
) -> None:
    groups = data.draw(
        st.lists(st.lists(st.sampled_from(IDS), min_size=1, max_size=3), min_size=1, max_size=3)
    )
    findings = [_finding(c, tuple(sorted(set(group)))) for c in inventory for group in groups]
    by_ref = {c.ref: c for c in inventory}

    out = apply_vex(findings, chosen, by_ref)

    assert [(f.status, f.justification, f.status_source) for f in out] == _walk_every_statement(
        findings, chosen, by_ref
    )


VEX_FOLDERS = (
    "openvex-go-vex-testdata",
    "openvex-vexctl-examples",
    "cyclonedx-bom-examples/VEX",
    "oasis-csaf/csaf_2.0/examples/csaf/csaf_vex",
    "ubuntu-osv-vex-samples",
)


def _real_statements() -> list[VexStatement]:
    found: list[VexStatement] = []
    for folder in VEX_FOLDERS:
        for path in sorted((DATA / folder).rglob("*")):
            if path.suffix in (".json", ".yaml", ".xml") and "sarif" not in path.name:
                try:
                    found.extend(read_vex(path, path.name).statements)
                except InputError:
                    continue
    return found


def test_real_vex_documents_decide_as_walking_every_statement() -> None:
    """Every VEX document of the shared data at once, on components made from a share of the
    purls, CPEs and refs they name (with and without a version), each with findings of the
    vulnerabilities of the statements naming it and of two others."""
    chosen = _real_statements()
    assert len(chosen) > 1000
    mentions: dict[str, set[tuple[str, ...]]] = {}
    for s in chosen:
        for identifier in (*s.products, *s.subcomponents):
            mentions.setdefault(identifier, set()).add((s.vulnerability, *s.aliases))
    others = [("CVE-2021-44228",), (chosen[0].vulnerability,)]
    inventory: dict[str, Component] = {}
    findings: list[Finding] = []
    for number, identifier in enumerate(sorted(mentions)[::10]):
        purl = str(parse_purl(identifier)) if _valid(identifier) else None
        cpe = identifier if identifier.startswith("cpe:") else None
        for ref, named_purl in (
            (identifier, purl),
            (f"bare-{number}", purl and purl.split("@")[0]),
        ):
            component = inventory[ref] = Component(ref=ref, name="x", purl=named_purl, cpe=cpe)
            groups = {tuple(sorted(set(g))) for g in (*mentions[identifier], *others)}
            findings += [_finding(component, group) for group in sorted(groups)]

    out = apply_vex(findings, chosen, inventory)

    expected = _walk_every_statement(findings, chosen, inventory)
    assert [(f.status, f.justification, f.status_source) for f in out] == expected
    assert sum(1 for f in out if f.status_source) > 100


def test_each_finding_weighs_only_the_statements_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 findings and 2,000 statements, one statement per finding: `applicable` is handed
    2,000 statements in all (each finding walked every statement before: 4 million)."""
    inventory = {
        f"c{i}": Component(ref=f"c{i}", name=f"p{i}", version="1.0", purl=f"pkg:pypi/p{i}@1.0")
        for i in range(2000)
    }
    findings = [_finding(c, (f"CVE-2024-{n}",)) for n, c in enumerate(inventory.values())]
    chosen = [
        VexStatement(
            vulnerability=f"cve-2024-{n}",
            products=(f"pkg:pypi/p{n}",),
            status=VexStatus.FIXED,
            location=Location(file="v.json", pointer=f"/statements/{n}"),
        )
        for n in range(2000)
    ]
    weighed: list[int] = []

    def counting(
        given: list[VexStatement], ids: tuple[str, ...], component: Component
    ) -> VexStatement | None:
        weighed.append(len(given))
        return applicable(given, ids, component)

    monkeypatch.setattr(vex, "applicable", counting)
    out = apply_vex(findings, chosen, inventory)
    assert sum(weighed) == 2000
    assert all(f.status is Status.FIXED for f in out)
    assert out[7].status_source == "v.json: /statements/7"


def test_a_statement_naming_every_product_is_not_weighed_whole_per_finding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One statement with 2,000 products and 2,000 aliases, applying to 2,000 findings: each
    finding weighs it with its own product and id (8 million identifiers weighed before)."""
    inventory = {
        f"c{i}": Component(ref=f"c{i}", name=f"p{i}", version="1.0", purl=f"pkg:npm/p{i}@1.0")
        for i in range(2000)
    }
    findings = [_finding(c, ("CVE-2024-1", f"GHSA-{n}")) for n, c in enumerate(inventory.values())]
    statement = VexStatement(
        vulnerability="CVE-2099-1",
        aliases=tuple(f"ghsa-{n}" for n in range(2000)),
        products=tuple(f"pkg:npm/p{n}" for n in range(2000)),
        status=VexStatus.NOT_AFFECTED,
        justification="component_not_present",
        location=Location(file="v.json", pointer="/statements/0"),
    )
    weighed: list[int] = []

    def counting(
        given: list[VexStatement], ids: tuple[str, ...], component: Component
    ) -> VexStatement | None:
        weighed.extend(len(s.products) + len(s.aliases) for s in given)
        return applicable(given, ids, component)

    monkeypatch.setattr(vex, "applicable", counting)
    out = apply_vex(findings, [statement], inventory)
    assert sum(weighed) == 2 * 2000
    assert [f.justification for f in out] == ["component_not_present"] * 2000
