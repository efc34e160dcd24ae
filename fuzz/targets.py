"""The fuzz targets: every reader of hostile input, its real seeds, and what one input goes through.

Each `Target` reads an input the way chainreview does (from a file, or for the declaration
package from a folder the input is unpacked into) and takes it a step further where that is
cheap: an SBOM is merged and summarised, VEX statements are applied to findings made from the
components they name, feed records are all decoded, ignore rules are matched. Only `InputError`
(and its subclasses: the one-line error the CLI prints) may come out; anything else is a crash.

Seeds are real files of `$CHAINREVIEW_SHARED_DATA` (default `../shared/data`), read at run time,
up to `MAX_SEED_BYTES` each. Where the data holds no file that small (the KEV catalogue, the
Debian lists) the seeds are slices of the real file, whole entries kept; EPSS, which the data
lacks, gets CSV files (plain and gzipped) of the real KEV catalogue's CVE ids. The declaration
package's seeds are the packages of `examples/` with their SBOMs, and with a real SBOM of the
data in place of theirs.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from chainreview.case.arrangement import import_arrangement
from chainreview.case.workdays import load_calendar
from chainreview.components.model import Component
from chainreview.components.purl import InvalidPurl, parse_purl
from chainreview.evidence.declaration import load_declaration
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.summary import summarise
from chainreview.evidence.vex import VexStatement, read_vex
from chainreview.findings.model import Finding, Level, Severity
from chainreview.findings.suppressions import load_ignore_file
from chainreview.findings.vex_status import apply_vex
from chainreview.intel import alpine, debian, epss, importer, kev, nvd, osv
from chainreview.portfolio import blast
from chainreview.portfolio.build import build_graph
from chainreview.portfolio.concentration import measure_concentration
from chainreview.portfolio.inventory_file import read_inventory
from chainreview.portfolio.what_if import vendor_fails

__all__ = ["LAZY_MODULES", "MAX_SEED_BYTES", "SHARED_DATA", "TARGETS", "Target", "unpack"]

REPOSITORY: Final = Path(__file__).resolve().parents[1]
SHARED_DATA: Final = Path(
    os.environ.get("CHAINREVIEW_SHARED_DATA", REPOSITORY.parent / "shared" / "data")
)
MAX_SEED_BYTES: Final = 64 * 1024
"""Largest seed; also the fuzzer's largest input (`run.py --max-len`)."""
MAX_SEEDS: Final = 300
"""Seeds per target, taken evenly from the sorted candidates when there are more."""
TODAY: Final = date(2026, 1, 1)
LAZY_MODULES: Final = (
    "chainreview.evidence.cyclonedx_json",
    "chainreview.evidence.cyclonedx_xml",
    "chainreview.evidence.spdx_json",
    "chainreview.evidence.spdx_tagvalue",
    "chainreview.evidence.spdx3_json",
    "chainreview.evidence.spdx3_shapes",
    "chainreview.evidence.vex_csaf",
    "chainreview.evidence.vex_cyclonedx",
    "chainreview.evidence.vex_openvex",
)
"""Modules the readers import when first used: the harness imports them with the others, so
that they are instrumented too."""

Seed = tuple[str, bytes]
"""(a name for the seed file, its bytes)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One reader under fuzzing."""

    name: str
    reads: str
    """What is read, in a few words."""
    run: Callable[[Path, int], object]
    """Read the input at the path; the int (0–3, from the input's hash) picks among variants."""
    globs: tuple[str, ...] = ()
    """Real files in this format (glob patterns relative to `root`)."""
    root: Path = SHARED_DATA
    accept: Callable[[bytes], bool] | None = None
    """Whether a candidate file is in this format, from its first 4 KiB (None: every file)."""
    derive: Callable[[list[Path]], Iterator[Seed]] | None = None
    """Seeds made from the real files when they are too big to be seeds themselves."""
    suffix: str = ""
    """File name suffix of the input (readers go by content; this only names it)."""
    folder: bool = False
    """The input is unpacked into a folder (`unpack`) rather than written to one file."""
    structured: bool = False
    """JSON documents: the harness also mutates them node by node, not only byte by byte."""
    tokens: tuple[bytes, ...] = ()
    """Words of the format that byte mutations splice in (a libFuzzer dictionary)."""
    measured: Callable[[Path], Path] | None = None
    """For `bench_hardening.py`, where the largest single file is not the input to measure: the
    input to measure, found (or written) given a scratch folder."""

    def files(self) -> list[Path]:
        """The real files of this format, sorted."""
        found = {p for pattern in self.globs for p in self.root.glob(pattern) if p.is_file()}
        accept = self.accept
        return sorted(p for p in found if accept is None or accept(_head(p)))

    def seeds(self) -> list[Seed]:
        """The seeds: real files up to `MAX_SEED_BYTES`, or what `derive` makes of them;
        `FileNotFoundError` when there is no real file to start from (fuzzing only a leftover
        corpus, or nothing, would pass for a run)."""
        files = self.files()
        if not files:
            raise FileNotFoundError(
                f"{self.name}: no file matches {', '.join(self.globs)} under {self.root}: "
                "set CHAINREVIEW_SHARED_DATA to the shared data folder"
            )
        if self.derive is not None:
            made = [s for s in self.derive(files) if len(s[1]) <= MAX_SEED_BYTES]
        else:
            small = [p for p in files if p.stat().st_size <= MAX_SEED_BYTES]
            made = [(_seed_name(p), p.read_bytes()) for p in small]
        step = max(1, -(-len(made) // MAX_SEEDS))
        return made[::step]

    def largest(self, scratch: Path) -> Path:
        """What `bench_hardening.py` measures: the largest real file of this format, unless
        `measured` says otherwise."""
        if self.measured is not None:
            return self.measured(scratch)
        return max(self.files(), key=lambda p: (p.stat().st_size, p))


def _head(path: Path, size: int = 4096) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _seed_name(path: Path) -> str:
    return (
        path.name
        if not path.is_relative_to(SHARED_DATA)
        else (str(path.relative_to(SHARED_DATA)).replace("/", "__"))
    )


# --- what one input goes through ------------------------------------------------------------


def _sbom(path: Path, variant: int) -> None:
    """`sbom inspect` (schema validation) or `scan` (none), then merge and summary."""
    document = read_sbom(path, "input", validate=variant % 2 == 0)
    summarise(merge_documents([document, document] if variant >= 2 else [document]))


def _vex(path: Path, variant: int) -> None:
    """`--vex`: read, then apply to findings on the components the statements name."""
    statements = read_vex(path, "input").statements
    components: dict[str, Component] = {}
    findings: list[Finding] = []
    for statement in statements[:50]:
        for identifier in (*statement.subcomponents, *statement.products)[:4]:
            component = components.setdefault(identifier, _component(identifier, variant))
            findings.append(_finding(component, statement))
    apply_vex(findings, statements, components)


def _component(identifier: str, variant: int) -> Component:
    try:
        purl = parse_purl(identifier)
    except InvalidPurl:
        purl = None
    return Component(
        ref=identifier,
        name="component",
        version=("1.0" if variant else None) if purl is None else purl.version,
        purl=None if purl is None else str(purl),
        cpe=identifier if identifier[:4].lower() == "cpe:" else None,
    )


def _finding(component: Component, statement: VexStatement) -> Finding:
    aliases = tuple(sorted({statement.vulnerability, *statement.aliases}))
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


def _feed(module: Callable[[Path, str], object]) -> Callable[[Path, int], None]:
    def run(path: Path, variant: int) -> None:
        importer.detect(path)  # every import sniffs its inputs first
        feed = module(path, "input")
        for _record in feed.records:  # type: ignore[attr-defined]  # decoded as imported
            pass

    return run


def _ignore(path: Path, variant: int) -> None:
    rules = load_ignore_file(path, "input")
    for entry in rules.entries:
        rules.match((entry.id, "CVE-2021-44228"), TODAY)
    rules.unused()
    rules.expired(TODAY)


def _calendar(path: Path, variant: int) -> None:
    home = path.parent / f"{path.name}.home"
    arrangement = import_arrangement(path, home, replace=bool(variant & 1))
    calendar = load_calendar("cn-working-days", home=home)
    calendar.add(date(arrangement.year, 1, 1), 30)


_INVENTORY_DATA: Final = REPOSITORY / "tests" / "portfolio" / "data"


def _inventory(path: Path, variant: int) -> None:
    """`portfolio`: an inventory read with the hand-built portfolio's SBOMs beside it, its graph
    built, a vendor's blast radius, the concentration and that vendor failing measured."""
    sboms = path.parent / "sbom"
    if not sboms.exists():
        shutil.copytree(_INVENTORY_DATA / "sbom", sboms)
    graph = build_graph(read_inventory(path, "input"))
    vendor = "acme" if variant & 1 else "Borei Systems"
    blast.of_vendor(graph, vendor)
    measure_concentration(graph.portfolio)
    vendor_fails(graph.portfolio, vendor)


def _declaration(folder: Path, variant: int) -> None:
    load_declaration(folder)


# --- the declaration package as one input -----------------------------------------------------

_FILE_HEADER: Final = re.compile(
    rb"^### FILE ([A-Za-z0-9._-]{1,40}(?:/[A-Za-z0-9._-]{1,40}){0,2})\n", re.M
)
"""A line starting a file of a packed package; before the first, the manifest."""
MAX_PACKED_FILES: Final = 12


def unpack(data: bytes, folder: Path) -> None:
    """Write a packed package into `folder` (empty): `declaration.yaml` first, then each part
    after a `### FILE relative/path` line; paths are plain names, up to three levels, never
    `..`, so nothing is written outside `folder`. Later parts with a path already written
    are ignored, and so are parts past `MAX_PACKED_FILES`."""
    starts = list(_FILE_HEADER.finditer(data))[:MAX_PACKED_FILES]
    ends = [m.start() for m in starts[1:]] + [len(data)] if starts else []
    parts = [("declaration.yaml", data[: starts[0].start()] if starts else data)]
    parts += [(m[1].decode(), data[m.end() : end]) for m, end in zip(starts, ends, strict=True)]
    written: set[str] = set()
    for name, body in parts:
        if name in written or any(p in ("", ".", "..") for p in name.split("/")):
            continue
        target = folder / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        except OSError:  # a path whose parent is a file already written
            continue
        written.add(name)


def _pack(files: dict[str, bytes]) -> bytes:
    manifest = files.pop("declaration.yaml")
    return manifest + b"".join(b"### FILE " + n.encode() + b"\n" + b for n, b in files.items())


def _packages(files: list[Path]) -> Iterator[Seed]:
    """Each example package as it is, and with each of its SBOMs replaced by a real SBOM."""
    real = [p for p in _CYCLONEDX_JSON.files() if p.stat().st_size <= 16 * 1024][:8]
    for manifest in files:
        root = manifest.parent
        package = {
            str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
            and p.suffix in (".yaml", ".json", ".md")
            and not p.name.startswith("README")
        }
        yield root.name, _pack(dict(package))
        sboms = [n for n in package if n.endswith(".cdx.json") and ".vex." not in n]
        for number, sbom in enumerate(real):
            if sboms:
                replaced = dict(package)
                replaced[sboms[number % len(sboms)]] = sbom.read_bytes()
                yield f"{root.name}-{_seed_name(sbom)}", _pack(replaced)


# --- seeds made from files too big to be seeds ------------------------------------------------


def _kev_slices(files: list[Path]) -> Iterator[Seed]:
    """The catalogue with 20 of its vulnerabilities at a time; the CSV 20 rows at a time."""
    for path in files:
        if path.suffix == ".json":
            catalogue = json.loads(path.read_bytes())
            entries = catalogue["vulnerabilities"]
            for start in range(0, len(entries), len(entries) // 12):
                part = {**catalogue, "vulnerabilities": entries[start : start + 20]}
                part["count"] = len(part["vulnerabilities"])
                yield f"kev-{start}.json", json.dumps(part, indent=2).encode()
        else:
            header, *rows = path.read_bytes().splitlines(keepends=True)
            for start in range(0, len(rows), len(rows) // 12):
                yield f"kev-{start}.csv", header + b"".join(rows[start : start + 20])


def _debian_slices(files: list[Path]) -> Iterator[Seed]:
    """Runs of 30 whole advisories from across each list."""
    for path in files:
        blocks = re.split(rb"\n(?=\[)", path.read_bytes())
        for start in range(0, len(blocks), len(blocks) // 15):
            yield f"{path.parent.name}-{start}", b"\n".join(blocks[start : start + 30]) + b"\n"


def _epss_files(files: list[Path]) -> Iterator[Seed]:
    """EPSS CSVs (plain and gzipped) of the KEV catalogue's CVE ids, scores from their order."""
    cves = sorted(set(re.findall(rb"CVE-\d{4}-\d{4,}", files[0].read_bytes())))
    header = (
        b"#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n"
    )
    for start in range(0, len(cves), 200):
        rows = b"".join(
            b"%s,%.5f,%.5f\n" % (cve, (n % 997) / 997, (n % 101) / 101)
            for n, cve in enumerate(cves[start : start + 200], start)
        )
        yield f"epss-{start}.csv", header + rows
        if start % 600 == 0:
            yield f"epss-{start}.csv.gz", gzip.compress(header + rows, mtime=0)


def _epss_full_size(scratch: Path) -> Path:
    """No real EPSS file is in the data: one of FIRST's size (about 290,000 scores)."""
    path = scratch / "epss_scores.csv"
    with path.open("wb") as out:
        out.write(b"#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\n")
        out.write(b"cve,epss,percentile\n")
        for n in range(290_000):
            out.write(
                b"CVE-%d-%05d,%.5f,%.5f\n"
                % (1999 + n // 12_000, n % 12_000, (n % 997) / 997, n / 290_000)
            )
    return path


def _ignore_full_size(scratch: Path) -> Path:
    """No real ignore file bigger than a few lines is in the data: one ignoring every CVE of
    the KEV catalogue."""
    catalogue = SHARED_DATA / "cisa-kev/known_exploited_vulnerabilities.csv"
    cves = sorted(set(re.findall(rb"CVE-\d{4}-\d{4,}", catalogue.read_bytes())))
    path = scratch / "osv-scanner.toml"
    path.write_bytes(
        b"".join(
            b'[[IgnoredVulns]]\nid = "%s"\nignoreUntil = 2027-01-01\nreason = "accepted"\n\n' % c
            for c in cves
        )
    )
    return path


def _largest_package(scratch: Path) -> Path:
    """The example package holding the most bytes."""
    roots = [m.parent for m in TARGETS["declaration"].files()]
    return max(roots, key=lambda r: (sum(p.stat().st_size for p in r.rglob("*") if p.is_file()), r))


# --- the targets --------------------------------------------------------------------------


_XML: Final = (
    b'<component type="library">',
    b"<name>",
    b"<purl>pkg:npm/a@1</purl>",
    b'bom-ref="',
    b'<dependency ref="',
    b"<!DOCTYPE",
    b"<!ENTITY",
    b"&amp;",
    b"&#x1b;",
    b"<![CDATA[",
    b'xmlns="http://cyclonedx.org/schema/bom/1.6"',
    b"</",
    b"/>",
)
_YAML: Final = (
    b"&a ",
    b"*a",
    b"<<: ",
    b"!!binary ",
    b"!!python/object ",
    b"- ",
    b": ",
    b"? ",
    b"|\n",
    b"---\n",
    b"...\n",
    b"{",
    b"[",
    b"~",
    b"2026-01-01",
)
_TAG_VALUE: Final = (
    b"SPDXVersion: SPDX-2.3\n",
    b"PackageName: ",
    b"SPDXID: SPDXRef-",
    b"PackageVersion: ",
    b"ExternalRef: PACKAGE-MANAGER purl pkg:pypi/a@1\n",
    b"Relationship: ",
    b" DEPENDS_ON ",
    b"<text>",
    b"</text>",
    b"PackageSupplier: Organization: ",
    b"FileName: ",
    b"NOASSERTION",
)
_CSV: Final = (b",", b'"', b"\r\n", b"CVE-2024-12345", b"#model_version:", b"cve,epss,percentile")
_DEBIAN: Final = (
    b"[01 Jan 2024] DSA-1-1 pkg - security update\n",
    b"\t{CVE-2024-1 CVE-2024-2}\n",
    b"\t[bookworm] - pkg 1.0-1\n",
    b"<not-affected>",
    b"<unfixed>",
    b"NOTE: ",
)
_TOML: Final = (
    b"[[IgnoredVulns]]\n",
    b'id = "CVE-2024-1"\n',
    b'reason = "r"\n',
    b"ignoreUntil = ",
    b"1979-05-27T07:32:00Z",
    b"[[PackageOverrides]]\n",
    b"[GoVersionOverride]\n",
    b"[",
    b"{",
    b'"""',
    b" = ",
    b"inf",
    b"0x",
)


def _has(*markers: bytes) -> Callable[[bytes], bool]:
    return lambda data: all(m in data for m in markers)


_CYCLONEDX_JSON: Final = Target(
    name="cyclonedx-json",
    reads="CycloneDX JSON SBOM (sbom inspect, scan)",
    run=_sbom,
    globs=(
        "cyclonedx-specification/tools/src/test/resources/1.*/valid-*.json",
        "cyclonedx-bom-examples/**/*.json",
        "guac-data-sboms/docs/cyclonedx/*.json",
        "sbomqs-samples/samples/*.json",
        "osv-scanner-fixtures/**/*.cdx.json",
    ),
    accept=_has(b'"bomFormat"'),
    suffix=".json",
    structured=True,
)

TARGETS: Final[dict[str, Target]] = {
    t.name: t
    for t in (
        _CYCLONEDX_JSON,
        Target(
            name="cyclonedx-xml",
            reads="CycloneDX XML SBOM",
            run=_sbom,
            globs=(
                "cyclonedx-specification/tools/src/test/resources/1.*/valid-*.xml",
                "cyclonedx-bom-examples/**/*.xml",
                "osv-scanner-fixtures/**/*.xml",
            ),
            accept=_has(b"http://cyclonedx.org/schema/bom/"),
            suffix=".xml",
            tokens=_XML,
        ),
        Target(
            name="spdx-json",
            reads="SPDX 2.2/2.3 JSON SBOM",
            run=_sbom,
            globs=(
                "spdx-examples/**/*.json",
                "spdx-spec/v2*/examples/*.json",
                "guac-data-sboms/**/*.json",
                "sbomqs-samples/samples/*.json",
                "osv-scanner-fixtures/**/*.json",
            ),
            accept=_has(b'"spdxVersion"'),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="spdx-yaml",
            reads="SPDX 2.2/2.3 YAML SBOM",
            run=_sbom,
            globs=("spdx-spec/**/*.yaml", "spdx-spec/**/*.yml", "spdx-examples/**/*.yaml"),
            accept=_has(b"spdxVersion"),
            suffix=".yaml",
            tokens=_YAML,
        ),
        Target(
            name="spdx-tagvalue",
            reads="SPDX 2.2/2.3 tag-value SBOM",
            run=_sbom,
            globs=("spdx-spec/**/*.spdx", "spdx-examples/**/*.spdx", "spdx-examples/**/*.txt"),
            accept=_has(b"SPDXVersion:"),
            suffix=".spdx",
            tokens=_TAG_VALUE,
        ),
        Target(
            name="spdx3-json",
            reads="SPDX 3.0 JSON-LD SBOM",
            run=_sbom,
            globs=("spdx-examples/**/spdx3.0/*.json", "spdx-spec/v3*/examples/**/*.json"),
            accept=_has(b"spdx.org/rdf/3"),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="osv",
            reads="OSV record, JSON or YAML (intel import)",
            run=_feed(osv.read),
            measured=lambda scratch: SHARED_DATA / "golang-vulndb/data/osv",
            globs=(
                "pypa-advisory-database/vulns/**/*.yaml",
                "golang-vulndb/data/osv/*.json",
                "rustsec-advisory-db-osv/crates/*.json",
                "ubuntu-osv-vex-samples/**/osv/**/*.json",
                "osv-schema/tools/osv-linter/testdata/*.json",
            ),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="nvd",
            reads="NVD CVE JSON, API 2.0 records and 1.1 feeds",
            run=_feed(nvd.read),
            globs=(
                "nvd-cve-firmware-selection/*.json",
                "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-2.0/*.json",
                "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-1.1-test-data.json",
                "osv-dev-testdata/vulnfeeds/conversion/nvd/testdata/*.json",
            ),
            accept=_has(b"CVE"),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="kev",
            reads="CISA KEV catalogue, JSON and CSV",
            run=_feed(kev.read),
            globs=(
                "cisa-kev/known_exploited_vulnerabilities.json",
                "cisa-kev/known_exploited_vulnerabilities.csv",
            ),
            derive=_kev_slices,
            suffix=".json",
            structured=True,
        ),
        Target(
            name="epss",
            reads="FIRST EPSS scores CSV, plain or gzipped",
            run=_feed(epss.read),
            globs=("cisa-kev/known_exploited_vulnerabilities.csv",),
            derive=_epss_files,
            suffix=".csv",
            tokens=_CSV,
            measured=_epss_full_size,
        ),
        Target(
            name="debian",
            reads="Debian security tracker DSA/DLA list",
            run=_feed(debian.read),
            globs=("debian-security-tracker/data/*/list",),
            derive=_debian_slices,
            tokens=_DEBIAN,
        ),
        Target(
            name="alpine",
            reads="Alpine secdb JSON",
            run=_feed(alpine.read),
            globs=("alpine-secdb/alpine/*/*.json",),
            accept=_has(b"distroversion"),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="vex-cyclonedx",
            reads="CycloneDX VEX, JSON and XML (scan --vex)",
            run=_vex,
            globs=(
                "cyclonedx-bom-examples/VEX/**/*.json",
                "cyclonedx-bom-examples/VEX/**/*.xml",
                "cyclonedx-specification/tools/src/test/resources/1.*/valid-vulnerability*",
            ),
            accept=_has(b"vulnerabilit"),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="vex-openvex",
            reads="OpenVEX, JSON and YAML",
            run=_vex,
            globs=(
                "openvex-go-vex-testdata/**/*.json",
                "openvex-go-vex-testdata/**/*.yaml",
                "openvex-vexctl-examples/**/*.json",
                "ubuntu-osv-vex-samples/**/vex/**/*.json",
            ),
            accept=_has(b"statements"),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="vex-csaf",
            reads="CSAF 2.0 VEX",
            run=_vex,
            globs=(
                "oasis-csaf/csaf_2.0/examples/csaf/**/*.json",
                "openvex-go-vex-testdata/**/*.json",
                "osv-schema/tools/redhat/testdata/CSAF/*.json",
            ),
            accept=_has(b'"csaf_vex"'),
            suffix=".json",
            structured=True,
        ),
        Target(
            name="declaration",
            reads="declaration package: manifest, vendor profile, answers, SBOMs, VEX",
            run=_declaration,
            globs=("examples/*/declaration.yaml", "tests/fixtures/declarations/*/declaration.yaml"),
            root=REPOSITORY,
            derive=_packages,
            folder=True,
            tokens=(*_YAML, b"### FILE sbom/a.cdx.json\n", b"### FILE vendor/v.yaml\n"),
            measured=_largest_package,
        ),
        Target(
            name="ignore",
            reads="ignore file: osv-scanner TOML or chainreview YAML (scan --ignore)",
            run=_ignore,
            globs=("**/*.toml",),
            suffix=".toml",
            tokens=_TOML,
            measured=_ignore_full_size,
        ),
        Target(
            name="inventory",
            reads="operator inventory, YAML or CSV (portfolio)",
            run=_inventory,
            globs=("tests/portfolio/data/inventory.*",),
            root=REPOSITORY,
            suffix=".yaml",
            tokens=(*_YAML, *_CSV, b"deployments:", b"quantity: ", b"sboms: ", b"sites:"),
        ),
        Target(
            name="calendar",
            reads="State Council holiday arrangement (calendar import)",
            run=_calendar,
            globs=("examples/calendars/*.yaml", "examples/calendars/*.json"),
            root=REPOSITORY,
            suffix=".yaml",
            tokens=(*_YAML, b"holidays:", b"workdays:", b"2027-", b"from: ", b"to: "),
        ),
    )
}
