"""Review speed (issue #12): warm reviews against scans of the same SBOMs, a generated
10,000-component package, and the first review on a fresh home.

    python benchmarks/bench_review.py [--quick] [--repeat N] [--size N] [--rounds N] [--profile]

Everything goes through the public library API (`chainreview.open_snapshot`, `Reviewer`,
`Scanner`, `load_package`) on a private temporary `CHAINREVIEW_HOME` with the bundled snapshot
installed (`open_snapshot(home, install_bundled=True)`). In one run:

* every example package (each folder of `examples/` with a `declaration.yaml`): one `Reviewer`
  reviews each package once to warm, then N times; the baseline, timed alternately with it, is
  `Scanner(snapshot).scan` of the same products' SBOMs with their VEX (the paths
  `load_package(dir).products[i].sbom_files` / `vex_files`, relative to the package). A review
  reads the package itself each time (`Reviewer.review(path)`), as a scan reads its files.
  Targets: review ≤ 1.5× the scans, and ≤ 0.5 s warm. Like with like: both warm, both read
  and parse their files each call; the review also checks each SBOM against its format's
  schema (its warnings are in the result), which `Scanner.scan` does not;
* a generated declaration package (a temporary folder; seeded), checked with `load_package`:
  one product whose CycloneDX 1.5 JSON SBOM holds 10,000 distinct components under a seeded
  dependency tree, half of them real components of the real SBOMs of the shared data
  (`REAL_SBOMS`: syft image SBOMs, Airflow, Keycloak, Juice Shop…; npm, Maven, deb and apk
  among them, which the bundled snapshot does not cover), half real (package, version) pairs of
  the PyPA and Go advisories (the advisories' `versions` plus fixed versions, as `bench_match.py`
  draws them, so part is affected and part is not), and an OpenVEX 0.2.0 document of 5,000
  statements about vulnerabilities those components actually have (picked from a scan without
  VEX; statuses mixed). Warm review against the scan of the same SBOM and VEX; target ≤ 1.5×;
* the first review on a fresh home: `python -m chainreview review examples/grid-storage -o …`
  in a subprocess with a new empty `CHAINREVIEW_HOME` (the bundled install included), wall time
  and peak RSS; the baseline is a second review in another fresh subprocess on the now
  installed home. chainreview's bytecode is written first, as a wheel install does. Target: the
  first ≤ 10 s;
* with `--profile`: cProfile of one warm review of the generated package and of
  `examples/grid-storage`: the time of each stage beside the scan's (what the review spends
  beyond the scan), and the 15 functions with the most cumulative time, then with the most
  time of their own.

Figures are the median and min of the N runs (the machines are shared and noisy), each review
and scan line followed by the CPU time per call of both and its ratio (steadier on a busy
machine; the targets are judged on the wall-clock medians); the garbage collector is left on,
as a library caller has it, and collected before each timed call. Targets are printed MET /
MISSED; the script always exits 0. Data: `$CHAINREVIEW_SHARED_DATA` (default
`../shared/data`). `--quick` (a smoke run): 3 runs per example, 2 of the generated package, a
2,000-component SBOM with 1,000 statements, one fresh home.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import functools
import gc
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from packageurl import PackageURL

from _common import SHARED_DATA, Run, Stats, compile_package, load_advisories, mib, run_measured
from _common import verdict as met_or_missed
from bench_match import version_pairs

if TYPE_CHECKING:
    from chainreview.intel.snapshot import Snapshot
    from chainreview.reviewer import Reviewer
    from chainreview.scanner import Scanner

ROOT: Final = Path(__file__).resolve().parents[1]
EXAMPLES: Final = tuple(
    sorted(p for p in (ROOT / "examples").iterdir() if (p / "declaration.yaml").is_file())
)
FIRST_EXAMPLE: Final = ROOT / "examples" / "grid-storage"
SEED: Final = 20261201
TARGET_RATIO: Final = 1.5
TARGET_EXAMPLE: Final = 0.5
TARGET_FIRST: Final = 10.0
REAL_SBOMS: Final = (
    "guac-data-sboms/docs/cyclonedx/*.json",
    "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json",
    "cyclonedx-bom-examples/SBOM/*/bom.json",
    "cyclonedx-bom-examples/SBOM/juice-shop/v11.1.2/bom.json",
)
"""Real CycloneDX JSON SBOMs of the shared data whose components go into the generated one."""
SHARES: Final = {"PyPI": 0.7, "Go": 0.3}
"""The generated SBOM's components drawn from the advisories, by ecosystem."""
STATUSES: Final = (
    ("not_affected", 0.6),
    ("affected", 0.2),
    ("fixed", 0.1),
    ("under_investigation", 0.1),
)
"""The generated VEX statements' statuses and their shares."""
JUSTIFICATIONS: Final = (
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Mode:
    """How much to run."""

    repeat: int
    generated_repeat: int
    size: int
    statements: int
    first_rounds: int


FULL: Final = Mode(repeat=15, generated_repeat=7, size=10_000, statements=5_000, first_rounds=3)
QUICK: Final = Mode(repeat=3, generated_repeat=2, size=2_000, statements=1_000, first_rounds=1)


# --- the result table -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One target: the figure, its baseline from the same run, the verdict."""

    target: str
    figure: Stats
    baseline: Stats | None
    baseline_name: str
    ratio: float | None
    met: bool


def _seconds(stats: Stats) -> str:
    return f"{stats.median:.3f} s ({stats.minimum:.3f})"


def print_table(rows: Sequence[Row]) -> None:
    """The summary: every target with its figure, baseline, ratio and verdict."""
    header = ("target", "figure: median (min)", "baseline: median (min)", "ratio", "verdict")
    lines = [
        (
            row.target,
            _seconds(row.figure),
            "—" if row.baseline is None else f"{row.baseline_name} {_seconds(row.baseline)}",
            "—" if row.ratio is None else f"{row.ratio:.2f}×",
            met_or_missed(row.met),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in (header, *lines)) for i in range(len(header))]
    print("\n== summary (ratio: median / baseline median)")
    for line in (header, tuple("-" * w for w in widths), *lines):
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        print(("  " + "  ".join(cells)).rstrip())


# --- timing ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Timed:
    """Wall-clock figures of two alternated actions, and the CPU time of each per call."""

    first: Stats
    second: Stats
    cpu: tuple[float, float]
    """Seconds of this process's CPU per call (mean over the runs)."""

    def cpu_line(self, first: str, second: str) -> str:
        """The CPU times and their ratio: on a busy machine the steadier figure."""
        ratio = f"{self.cpu[0] / self.cpu[1]:.2f}×" if self.cpu[1] > 0 else "—"
        return (
            f"    CPU per call: {first} {self.cpu[0] * 1000:.1f} ms, {second} "
            f"{self.cpu[1] * 1000:.1f} ms ({ratio})"
        )


def alternate(repeat: int, first: Callable[[], object], second: Callable[[], object]) -> Timed:
    """Median and min of `repeat` calls of each, alternated so that both see the same machine,
    and the CPU time of each; the collector collects before each call (not timed)."""
    times: tuple[list[float], list[float]] = ([], [])
    cpu = [0.0, 0.0]
    for _ in range(repeat):
        for which, (action, into) in enumerate(((first, times[0]), (second, times[1]))):
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            action()
            into.append(time.perf_counter() - start)
            cpu[which] += time.process_time() - start_cpu
    return Timed(Stats.of(times[0]), Stats.of(times[1]), (cpu[0] / repeat, cpu[1] / repeat))


@contextmanager
def bundled_home() -> Iterator[Snapshot]:
    """A private temporary `CHAINREVIEW_HOME` with the bundled snapshot installed, opened."""
    import chainreview

    with tempfile.TemporaryDirectory(prefix="chainreview-bench-review-") as folder:
        previous = os.environ.get("CHAINREVIEW_HOME")
        os.environ["CHAINREVIEW_HOME"] = folder
        try:
            start = time.perf_counter()
            with chainreview.open_snapshot(Path(folder), install_bundled=True) as snapshot:
                print(
                    f"bundled snapshot installed into a temporary CHAINREVIEW_HOME and opened in "
                    f"{time.perf_counter() - start:.1f} s (snapshot {snapshot.hash[:12]})"
                )
                yield snapshot
        finally:
            if previous is None:
                os.environ.pop("CHAINREVIEW_HOME", None)
            else:
                os.environ["CHAINREVIEW_HOME"] = previous


def scan_package(scanner: Scanner, package: Path) -> Callable[[], int]:
    """A call scanning every product of `package` that has SBOMs, with its VEX, as the review
    does; returns the number of findings."""
    import chainreview

    products = [
        (
            [package / name for name in product.sbom_files],
            [package / name for name in product.vex_files],
        )
        for product in chainreview.load_package(package).products
        if product.sbom_files
    ]

    def scan() -> int:
        return sum(len(scanner.scan(sboms, vex=vex).report.findings) for sboms, vex in products)

    return scan


# --- 1. the examples ------------------------------------------------------------------------


def examples(reviewer: Reviewer, scanner: Scanner, repeat: int) -> list[Row]:
    """Warm review of each example against the scans of its products."""
    print(
        f"\n== examples: warm review vs scan of the same SBOMs with their VEX, {repeat} runs each"
    )
    rows: list[Row] = []
    for package in EXAMPLES:
        name = package.name
        scan = scan_package(scanner, package)
        result = reviewer.review(package)  # warm: what the first review of a package loads
        findings = scan()
        timed = alternate(repeat, functools.partial(reviewer.review, package), scan)
        review_time, scan_time = timed.first, timed.second
        products = len(result.products)
        scanned = sum(1 for p in result.products if p.sboms)
        print(
            f"  {name}: {products} product(s), {scanned} with SBOMs, {findings} findings, "
            f"outcome {result.determination.outcome}; review {_seconds(review_time)}, scan "
            + (_seconds(scan_time) if scanned else "— (no SBOM: nothing to scan)")
        )
        print(timed.cpu_line("review", "scan"))
        if scanned:
            ratio = review_time.median / scan_time.median
            rows.append(
                Row(
                    f"{name}: review ≤ {TARGET_RATIO}× scan",
                    review_time,
                    scan_time,
                    "scan",
                    ratio,
                    ratio <= TARGET_RATIO,
                )
            )
        rows.append(
            Row(
                f"{name}: warm review ≤ {TARGET_EXAMPLE} s",
                review_time,
                None,
                "",
                None,
                review_time.median <= TARGET_EXAMPLE,
            )
        )
    return rows


# --- 2. the generated package ---------------------------------------------------------------


def _purl(ecosystem: str, name: str, version: str) -> str:
    if ecosystem == "PyPI":
        return PackageURL(type="pypi", name=name, version=version).to_string()
    namespace, _, last = name.rpartition("/")
    return PackageURL(
        type="golang", namespace=namespace or None, name=last, version=version
    ).to_string()


def real_components(data: Path) -> list[tuple[str, str, str]]:
    """(name, version, purl) of every distinct purl in the real SBOMs `REAL_SBOMS`, sorted."""
    found: dict[str, tuple[str, str, str]] = {}
    for pattern in REAL_SBOMS:
        for path in sorted(data.glob(pattern)):
            pending = list(json.loads(path.read_bytes()).get("components") or ())
            while pending:
                component = pending.pop()
                pending.extend(component.get("components") or ())
                purl = component.get("purl")
                if purl and component.get("name"):
                    version = str(component.get("version") or "")
                    found.setdefault(purl, (str(component["name"]), version, purl))
    return [found[purl] for purl in sorted(found)]


def write_sbom(path: Path, size: int, rng: random.Random) -> tuple[int, int]:
    """A CycloneDX 1.5 JSON SBOM of `size` distinct components under one product, with a
    seeded dependency tree: up to half real components of real SBOMs (`real_components`), the
    rest real (package, version) pairs of the PyPI and Go advisories (`SHARES`), as
    `bench_match.py` draws them. Returns how many of each."""
    real = real_components(SHARED_DATA)
    chosen = rng.sample(real, min(len(real), size // 2))
    real_count = len(chosen)
    taken = {purl for _, _, purl in chosen}
    pairs = version_pairs(load_advisories(SHARED_DATA))
    for ecosystem, share in SHARES.items():
        left = size - len(chosen)
        count = left if ecosystem == "Go" else round((size - real_count) * share)
        candidates = [
            (name, version, purl)
            for name, version in pairs[ecosystem]
            if (purl := _purl(ecosystem, name, version)) not in taken
        ]
        chosen.extend(rng.sample(candidates, min(count, len(candidates))))
    rng.shuffle(chosen)
    components = [
        {
            "type": "library",
            "bom-ref": f"component-{index}",
            "name": name,
            **({"version": version} if version else {}),
            "purl": purl,
        }
        for index, (name, version, purl) in enumerate(chosen)
    ]
    children: list[list[str]] = [[] for _ in components]
    roots: list[str] = []
    for index in range(len(components)):
        if index < 40:  # the product's direct dependencies
            roots.append(f"component-{index}")
        else:
            children[rng.randrange(index)].append(f"component-{index}")
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}",
        "version": 1,
        "metadata": {
            "timestamp": "2026-11-20T08:00:00Z",
            "component": {
                "type": "application",
                "bom-ref": "product",
                "name": "bench-gateway",
                "version": "5.2.0",
                "purl": "pkg:generic/bench/bench-gateway@5.2.0",
            },
        },
        "components": components,
        "dependencies": [
            {"ref": "product", "dependsOn": roots},
            *(
                {"ref": f"component-{index}", "dependsOn": refs}
                for index, refs in enumerate(children)
            ),
        ],
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return real_count, len(components) - real_count


def write_vex(path: Path, scanner: Scanner, sbom: Path, count: int, rng: random.Random) -> int:
    """An OpenVEX 0.2.0 document of up to `count` statements, each about one (component,
    vulnerability) pair a scan without VEX finds (seeded choice, statuses `STATUSES`). Returns
    the number of distinct pairs found."""
    findings = scanner.scan([sbom]).report.findings
    pairs = sorted({(f.purl, f.id) for f in findings if f.purl})
    picked = rng.sample(pairs, min(count, len(pairs)))
    statuses = [status for status, _ in STATUSES]
    weights = [share for _, share in STATUSES]
    statements = []
    for purl, vulnerability in picked:
        status = rng.choices(statuses, weights)[0]
        statement: dict[str, Any] = {
            "vulnerability": {"name": vulnerability},
            "products": [{"@id": purl}],
            "status": status,
        }
        if status == "not_affected":
            statement["justification"] = rng.choice(JUSTIFICATIONS)
        elif status == "affected":
            statement["action_statement"] = "Upgrade to a fixed release in the next maintenance."
        statements.append(statement)
    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://bench.example/vex/bench-gateway-5.2.0",
        "author": "Bench Networks PSIRT <psirt@bench.example>",
        "timestamp": "2026-11-25T09:00:00Z",
        "version": 1,
        "statements": statements,
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return len(pairs)


DECLARATION: Final = """\
# Generated by benchmarks/bench_review.py (fictional operator and vendor).
schema_version: "1.0"
declaration:
  id: DECL-BENCH-0001
  title: Service gateway for the dispatch system (benchmark package)
  date: 2026-11-28
  regime: cn-crm-2022
  prepared_by: Dispatch Centre IT Security Office
operator:
  name: Eastern Province Grid Dispatch Co.
  identifier: 91330000MA0000000X
  sector: energy
  ciio: true
cii_systems:
  - id: SYS-DISPATCH
    name: Provincial grid dispatch (SCADA/EMS)
    criticality: critical
    internet_facing: false
    cii: true
purchase:
  reference: EPGD-2026-BENCH-001
  description: Service gateway between the dispatch system and its field networks.
  date: 2026-12-15
  national_security_anticipation:
    effect: possible
    reason: The gateway carries the dispatch system's control traffic.
  value:
    amount: 2400000
    currency: CNY
  alternatives:
    - vendor: Nordlys Nett AS
      country: "NO"
      qualified: false
      replaces: P-GATEWAY
      reason: No in-country service entity; not submitted for qualification.
products:
  - id: P-GATEWAY
    name: BG-5 service gateway
    version: "5.2.0"
    vendor: benchnet
    category: core-network-equipment
    quantity: 4
    support_end: 2031-12-31
    deployments:
      - system: SYS-DISPATCH
        function: field network gateway
        share_percent: 100
    capabilities:
      remote_update:
        supported: true
        operated_by: operator
        automatic: false
        signed: true
      remote_maintenance:
        supported: false
      telemetry:
        supported: false
        destinations: []
      data:
        - category: operational
          description: Gateway logs and traffic counters.
      interfaces:
        - name: HTTPS management
          protocol: tcp
          port: 443
          purpose: Web and REST management
          enabled_by_default: true
          can_disable: false
          remote_debug: false
    sboms:
      - sbom/gateway.cdx.json
    vex:
      - vex/gateway.openvex.json
vendors:
  - file: vendor/benchnet.yaml
questionnaire: questionnaire.yaml
"""

VENDOR: Final = """\
# Fictional vendor profile (benchmark package).
id: benchnet
legal_name: Bench Networks Co., Ltd.
jurisdiction: CN
headquarters: CN
ownership:
  - entity: Bench Holdings Ltd.
    country: CN
    owns: Bench Networks Co., Ltd.
    share_percent: 80
    control: true
    state_link: false
sites:
  - kind: r-and-d
    country: CN
    in_country: true
    entity: Bench Networks Co., Ltd.
    location: Hangzhou
  - kind: manufacturing
    country: CN
    in_country: true
    entity: Bench Networks Co., Ltd.
    location: Hangzhou
    products: [P-GATEWAY]
certifications:
  - scheme: GB 40050-2021 critical network equipment security certification
    body: China Cybersecurity Review Technology and Certification Center
    body_listed: true
    kind: certificate
    certificate_id: CCRC-2026-BENCH-0001
    valid_until: 2029-06-30
    covers: [P-GATEWAY]
commitments:
  - commitment: no-illegal-data-acquisition
    signed: true
    date: 2026-11-01
  - commitment: no-illegal-device-control
    signed: true
    date: 2026-11-01
vulnerability_handling:
  security_contact: psirt@bench.example
"""

QUESTIONNAIRE: Final = """\
answers:
  - question: F05.Q1
    answer: true
    answered_by: Procurement lead
    date: 2026-11-27
  - question: F06.Q2
    answer: 1
    answered_by: Dispatch network architect
"""


@dataclasses.dataclass(frozen=True, slots=True)
class Generated:
    """The generated package and what went into it."""

    folder: Path
    sbom: Path
    vex: Path
    real: int
    """Components taken from the real SBOMs."""
    drawn: int
    """Components drawn from the advisories' (package, version) pairs."""
    findings: int
    """Distinct (purl, vulnerability) pairs a scan without VEX finds."""
    statements: int

    @property
    def components(self) -> int:
        """Components of the SBOM (the product itself not counted)."""
        return self.real + self.drawn


def generate(folder: Path, scanner: Scanner, mode: Mode) -> Generated:
    """Write the generated package into `folder` and check it reads as a package."""
    import chainreview
    from chainreview.errors import InvalidPackage

    rng = random.Random(f"{SEED}-{mode.size}-{mode.statements}")
    for sub in ("sbom", "vex", "vendor"):
        (folder / sub).mkdir()
    sbom = folder / "sbom" / "gateway.cdx.json"
    vex = folder / "vex" / "gateway.openvex.json"
    real, drawn = write_sbom(sbom, mode.size, rng)
    findings = write_vex(vex, scanner, sbom, mode.statements, rng)
    (folder / "declaration.yaml").write_text(DECLARATION, encoding="utf-8")
    (folder / "vendor" / "benchnet.yaml").write_text(VENDOR, encoding="utf-8")
    (folder / "questionnaire.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    try:
        product = chainreview.load_package(folder).products[0]
    except InvalidPackage as error:  # every problem, not the first alone
        lines = "\n".join(f"  {p.file}: {p.pointer}: {p.message}" for p in error.problems)
        raise RuntimeError(f"the generated package does not read:\n{lines}") from error
    merged = 0 if product.inventory is None else len(product.inventory.components)
    if merged != real + drawn + 1:  # the product's own component is one of them
        raise RuntimeError(f"the generated SBOM reads as {merged} components, not {real + drawn}")
    return Generated(
        folder=folder,
        sbom=sbom,
        vex=vex,
        real=real,
        drawn=drawn,
        findings=findings,
        statements=sum(len(d.statements) for d in product.vex),
    )


def generated(reviewer: Reviewer, scanner: Scanner, package: Generated, repeat: int) -> Row:
    """Warm review of the generated package against the scan of its SBOM and VEX."""
    print(
        f"\n== generated package: {package.components:,} components ({package.real:,} of real "
        f"SBOMs, {package.drawn:,} (package, version) pairs of the PyPI and Go advisories), "
        f"{package.findings:,} (component, vulnerability) pairs found without VEX, "
        f"{package.statements:,} OpenVEX statements about them; {repeat} runs each"
    )
    scan = scan_package(scanner, package.folder)
    result = reviewer.review(package.folder)
    findings = scan()
    timed = alternate(repeat, lambda: reviewer.review(package.folder), scan)
    review_time, scan_time = timed.first, timed.second
    active = sum(1 for s in result.products for f in s.findings if f.active)
    print(
        f"  review {_seconds(review_time)}, scan {_seconds(scan_time)}; {findings:,} findings "
        f"({active:,} active after VEX), outcome {result.determination.outcome}"
    )
    print(timed.cpu_line("review", "scan"))
    ratio = review_time.median / scan_time.median
    return Row(
        f"generated {package.components:,} components: review ≤ {TARGET_RATIO}× scan",
        review_time,
        scan_time,
        "scan",
        ratio,
        ratio <= TARGET_RATIO,
    )


# --- 3. the first review on a fresh home ----------------------------------------------------


def review_command(package: Path, out: Path) -> list[str]:
    """Whole-process `chainreview review`, the result into `out`."""
    return [sys.executable, "-m", "chainreview", "review", str(package), "-o", str(out)]


def first_review(rounds: int) -> Row:
    """`chainreview review` on a fresh home (the bundled install included), then again on the
    home it installed, each in its own process; `rounds` fresh homes."""
    compile_package()  # as a wheel install does: neither run compiles chainreview's modules
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINREVIEW_REVIEW_")}
    firsts: list[Run] = []
    seconds: list[Run] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="chainreview-bench-fresh-") as folder:
            env["CHAINREVIEW_HOME"] = folder
            for runs, out in ((firsts, "first"), (seconds, "second")):
                output = Path(folder) / out
                runs.append(run_measured(review_command(FIRST_EXAMPLE, output), env))
                if not (output / "result.json").is_file():
                    raise RuntimeError(f"no result.json in {output}")
    first = Stats.of(r.wall for r in firsts)
    second = Stats.of(r.wall for r in seconds)
    rss = (
        statistics.median(r.peak_rss for r in firsts),
        statistics.median(r.peak_rss for r in seconds),
    )
    print(
        f"\n== first review on a fresh CHAINREVIEW_HOME: `chainreview review "
        f"examples/{FIRST_EXAMPLE.name}` in a new process, {rounds} fresh home(s)"
    )
    print(
        f"  first (bundled snapshot installed, packages compiled into the store): "
        f"{_seconds(first)}, peak RSS median {mib(rss[0])}"
    )
    print(f"  second (home installed):  {_seconds(second)}, peak RSS median {mib(rss[1])}")
    return Row(
        f"first review on a fresh home ≤ {TARGET_FIRST:.0f} s",
        first,
        second,
        "second review",
        first.median / second.median,
        first.median <= TARGET_FIRST,
    )


# --- 4. the profile -------------------------------------------------------------------------

STAGES: Final = (
    ("read the package (load_package)", "chainreview/reviewer.py", "load_package"),
    ("  read SBOMs (read_sbom)", "chainreview/evidence/sbom.py", "read_sbom"),
    ("  read VEX (read_vex)", "chainreview/evidence/vex.py", "read_vex"),
    ("scan the products (Reviewer.scan)", "chainreview/reviewer.py", "scan"),
    ("  match, findings, VEX (findings.scan)", "chainreview/findings/scan.py", "scan"),
    ("screen the vendors (parties.screen)", "chainreview/factors/parties.py", "screen"),
    ("context (registry.build_context)", "chainreview/factors/registry.py", "build_context"),
    ("assess the factors (registry.assess_all)", "chainreview/factors/registry.py", "assess_all"),
    ("decide (rules.decide)", "chainreview/determination/rules.py", "decide"),
)
"""The stages of a review (and of a scan), by the functions that run them."""


def _cumulative(stats: pstats.Stats, file: str, function: str) -> float | None:
    """Cumulative seconds of the functions `function` defined in a file ending with `file`."""
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    found = [
        entry[3]
        for (filename, _, name), entry in table.items()
        if name == function and filename.replace(os.sep, "/").endswith(file)
    ]
    return sum(found) if found else None


def profile(reviewer: Reviewer, scanner: Scanner, package: Path, title: str) -> None:
    """Where a warm review of `package` spends its time, beside the scan of its products."""

    def profiled(action: Callable[[], object]) -> tuple[pstats.Stats, float]:
        profiler = cProfile.Profile()
        gc.collect()
        start = time.perf_counter()
        profiler.runcall(action)
        elapsed = time.perf_counter() - start
        return pstats.Stats(profiler), elapsed

    review_stats, review_time = profiled(lambda: reviewer.review(package))
    scan_stats, scan_time = profiled(scan_package(scanner, package))
    print(
        f"\n== profile of one warm review of {title} (cProfile: every figure inflated by the "
        f"profiler): review {review_time:.3f} s, scan {scan_time:.3f} s, beyond the scan "
        f"{review_time - scan_time:.3f} s"
    )
    width = max(len(label) for label, _, _ in STAGES)
    print(f"  {'stage (cumulative s)'.ljust(width)}  {'review':>8}  {'scan':>8}")
    for label, file, function in STAGES:
        ours = _cumulative(review_stats, file, function)
        theirs = _cumulative(scan_stats, file, function)
        if function == "scan" and file == "chainreview/reviewer.py":
            theirs = None  # the scanner has no Reviewer.scan
        cells = ["—" if v is None else f"{v:.3f}" for v in (ours, theirs)]
        print(f"  {label.ljust(width)}  {cells[0]:>8}  {cells[1]:>8}")
    review_stats.stream = sys.stdout  # type: ignore[attr-defined]
    for key, title in ((pstats.SortKey.CUMULATIVE, "cumulative"), (pstats.SortKey.TIME, "own")):
        print(f"\n  review: top 15 functions by {title} time")
        review_stats.sort_stats(key).print_stats(15)


# --- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"a smoke run: {QUICK.repeat} and {QUICK.generated_repeat} runs, a "
            f"{QUICK.size:,}-component SBOM with {QUICK.statements:,} VEX statements, "
            f"{QUICK.first_rounds} fresh home"
        ),
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help=(
            f"timed runs of each review and scan after one warm-up (default {FULL.repeat} per "
            f"example, {FULL.generated_repeat} for the generated package)"
        ),
    )
    parser.add_argument(
        "--size",
        type=int,
        help=f"components of the generated SBOM (default {FULL.size:,}); VEX statements: half",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help=f"fresh homes for the first review (default {FULL.first_rounds})",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile a warm review of the generated package and of grid-storage",
    )
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.repeat is not None:
        mode = dataclasses.replace(
            mode, repeat=max(1, args.repeat), generated_repeat=max(1, args.repeat)
        )
    if args.size is not None:
        mode = dataclasses.replace(mode, size=max(2, args.size), statements=max(1, args.size // 2))
    if args.rounds is not None:
        mode = dataclasses.replace(mode, first_rounds=max(1, args.rounds))

    import chainreview

    print(
        f"chainreview {chainreview.__version__}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPU(s), {date.today().isoformat()}"
        + (" (--quick)" if args.quick else "")
    )
    rows: list[Row] = []
    with (
        bundled_home() as snapshot,
        tempfile.TemporaryDirectory(prefix="chainreview-bench-package-") as folder,
    ):
        reviewer = chainreview.Reviewer(snapshot)
        scanner = chainreview.Scanner(snapshot)
        rows.extend(examples(reviewer, scanner, mode.repeat))
        package = generate(Path(folder), scanner, mode)
        rows.append(generated(reviewer, scanner, package, mode.generated_repeat))
        if args.profile:
            profile(reviewer, scanner, package.folder, "the generated package")
            profile(reviewer, scanner, FIRST_EXAMPLE, f"examples/{FIRST_EXAMPLE.name}")
    rows.append(first_review(mode.first_rounds))
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
