"""Shared helpers of `bench_match.py` and `bench_accuracy.py` (benchmark code, not the product).

* locating the shared data and the peer scanner (trivy, set up by
  `shared/tools/peer-trivy/setup.sh`), importing the advisories into a throwaway
  `CHAINREVIEW_HOME`, and running a command while measuring its wall time and peak RSS
  (spawned from a small helper interpreter, see `_MEASURE`);
* the raw OSV advisories (PyPA YAML, Go vulndb JSON) loaded straight from the files, with alias
  groups built here from the records' own `aliases` (a small union-find);
* an independent OSV range walk (PEP 440 via `packaging`, a small SemVer comparator for Go) that
  imports nothing from `chainreview.matches` or `chainreview.findings`;
* finding sets as (component key, alias group) pairs read from `chainreview scan --format json`,
  from trivy's JSON and from the walk, their comparison, and an automatic explanation of each
  difference.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from packageurl import PackageURL
from packaging.version import InvalidVersion, Version

SHARED_DATA: Final = Path(
    os.environ.get(
        "CHAINREVIEW_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
PEERS: Final = Path(
    os.environ.get(
        "CHAINREVIEW_PEERS",
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "chainreview-peers",
    )
)
CORPORA: Final = {"PyPI": "pypa-advisory-database", "Go": "golang-vulndb/data/osv"}
"""The advisories trivy's offline databases were built from, by OSV ecosystem."""
TRIVY_DB: Final = {"PyPI": "trivy-pypi", "Go": "trivy-go"}
PURL_TYPES: Final = {"pypi": "PyPI", "golang": "Go"}

ComponentKey = tuple[str, str, str]
"""(OSV ecosystem, normalised package name, version) — how findings of all tools are compared."""
Pair = tuple[ComponentKey, str]
"""(component, alias group) — one finding."""


# --- timing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One measured child process."""

    wall: float
    """Seconds."""
    peak_rss: int
    """Bytes (the child's own maximum resident set size, from `wait4`)."""
    returncode: int
    stdout: bytes


_MEASURE: Final = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    out.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""
"""Spawns the measured command from a small fresh interpreter: a child's peak RSS starts at its
parent's RSS high-water mark (the kernel carries it over fork and exec), so spawning straight from
this benchmark, which may hold a large parsed report, would inflate every later figure."""


def run_measured(command: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run `command`, returning its wall time, peak RSS (from `wait4`, exactly this child) and
    output. The figures include nothing of the spawning helper but its own small RSS as a floor.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".measure") as figures,
    ):
        helper = [sys.executable, "-I", "-S", "-c", _MEASURE, figures.name, *command]
        subprocess.run(helper, stdout=out, stderr=err, env=env, check=True)
        wall, maxrss, code = figures.read().split()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if int(code) not in (0, 1):
        sys.stderr.write(stderr.decode(errors="replace")[-2000:])
        raise RuntimeError(f"{command[0]} exited {code}")
    return Run(float(wall), int(maxrss) * 1024, int(code), stdout)


@dataclass(frozen=True, slots=True)
class Stats:
    """Median and minimum of repeated measurements."""

    median: float
    minimum: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Stats:
        """Summarise `values` (at least one)."""
        items = list(values)
        return cls(statistics.median(items), min(items))


def time_calls(repeat: int, action: Callable[[], object]) -> Stats:
    """Median and minimum wall time of `repeat` calls of `action`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return Stats.of(times)


def verdict(met: bool) -> str:
    """MET or MISSED."""
    return "MET" if met else "MISSED"


def mib(size: float) -> str:
    """Bytes as MiB, one decimal."""
    return f"{size / 2**20:.1f} MiB"


# --- chainreview and trivy as processes -----------------------------------------------------


@contextlib.contextmanager
def chainreview_home(data: Path) -> Iterator[Path]:
    """A temporary `CHAINREVIEW_HOME` holding one snapshot of the PyPA and Go advisories."""
    from chainreview.intel import importer

    with tempfile.TemporaryDirectory(prefix="chainreview-bench-") as folder:
        home = Path(folder)
        previous = os.environ.get("CHAINREVIEW_HOME")
        os.environ["CHAINREVIEW_HOME"] = folder
        try:
            start = time.perf_counter()
            result = importer.import_paths([data / c for c in CORPORA.values()], home=home)
            records = sum(s.records for s in result.sources)
            print(
                f"imported {records:,} advisories into a temporary CHAINREVIEW_HOME "
                f"in {time.perf_counter() - start:.1f} s (snapshot {result.hash[:12]})"
            )
            yield home
        finally:
            if previous is None:
                os.environ.pop("CHAINREVIEW_HOME", None)
            else:
                os.environ["CHAINREVIEW_HOME"] = previous


def compile_package() -> None:
    """Write chainreview's bytecode once, as installing a wheel does, so that a timed
    `chainreview` process does not compile its modules from source on every run (this machine
    sets PYTHONDONTWRITEBYTECODE, which stops Python writing bytecode but not reading it)."""
    import compileall

    import chainreview

    compileall.compile_dir(Path(chainreview.__file__).parent, quiet=1)


def chainreview_command(sbom: Path) -> list[str]:
    """Whole-process `chainreview scan`, JSON out."""
    return [sys.executable, "-m", "chainreview", "scan", str(sbom), "--format", "json"]


def trivy_command(ecosystem: str, sbom: Path, peers: Path = PEERS) -> list[str]:
    """trivy 0.59.1, fully offline, with the database of `ecosystem` (see setup.sh)."""
    return [
        str(peers / "bin" / "trivy"),
        "sbom",
        "--cache-dir",
        str(peers / TRIVY_DB[ecosystem]),
        "--skip-db-update",
        "--skip-java-db-update",
        "--offline-scan",
        "--skip-vex-repo-update",
        "-q",
        "-f",
        "json",
        str(sbom),
    ]


def trivy_available(peers: Path = PEERS) -> bool:
    """Whether the peer scanner and both of its databases are there."""
    return (peers / "bin" / "trivy").is_file() and all(
        (peers / db / "db" / "trivy.db").is_file() for db in TRIVY_DB.values()
    )


def trivy_version(peers: Path = PEERS) -> str:
    """trivy's own version line."""
    output = subprocess.run(
        [str(peers / "bin" / "trivy"), "--version"], capture_output=True, text=True, check=False
    )
    return output.stdout.splitlines()[0] if output.stdout else "trivy (version unknown)"


# --- raw advisories and alias groups --------------------------------------------------------


def normalise_name(ecosystem: str, name: str) -> str:
    """PEP 503 for PyPI; Go module paths lower-cased (trivy lower-cases golang purls; module
    paths differing only in case do not occur in the Go vulndb)."""
    return re.sub(r"[-_.]+", "-", name).lower() if ecosystem == "PyPI" else name.lower()


class AliasGroups:
    """Union-find over every record id and its `aliases`; a group is named by its smallest id."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        self._parent: dict[str, str] = {}
        self._upstream: dict[str, set[str]] = defaultdict(set)
        for record in records:
            for alias in record.get("aliases") or ():
                self._union(record["id"], alias)
            self._find(record["id"])
            for upstream in record.get("upstream") or ():
                self._upstream[upstream].add(record["id"])
        self._names: dict[str, str] = {}
        for member in list(self._parent):
            root = self._find(member)
            self._names[root] = min(self._names.get(root, member), member)

    def _find(self, item: str) -> str:
        parent = self._parent.setdefault(item, item)
        while parent != item:
            grand = self._parent[parent]
            self._parent[item] = grand
            item, parent = parent, grand
        return item

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def known(self, identifier: str) -> bool:
        """Whether `identifier` is a record id or an alias of one."""
        return identifier in self._parent

    def group(self, identifier: str) -> str:
        """The group name of `identifier`; an id only some record's `upstream` names maps to
        that record's group; an unknown id is its own group."""
        if identifier not in self._parent:
            holders = sorted(self._upstream.get(identifier, ()))
            if not holders:
                return identifier
            identifier = holders[0]
        return self._names[self._find(identifier)]


@dataclass(frozen=True, slots=True)
class Entry:
    """One `affected` entry of one record."""

    record: Mapping[str, Any]
    affected: Mapping[str, Any]

    @property
    def id(self) -> str:
        """The record id."""
        value: str = self.record["id"]
        return value

    @property
    def withdrawn(self) -> bool:
        """Whether the record is withdrawn."""
        return bool(self.record.get("withdrawn"))


@dataclass
class Advisories:
    """The raw OSV records of the corpora, indexed by (ecosystem, normalised package name)."""

    records: list[dict[str, Any]]
    by_package: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    aliases: AliasGroups = field(init=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        for record in self.records:
            for affected in record.get("affected") or ():
                package = affected.get("package") or {}
                ecosystem = str(package.get("ecosystem", "")).split(":")[0]
                if ecosystem in CORPORA and package.get("name"):
                    key = (ecosystem, normalise_name(ecosystem, package["name"]))
                    index[key].append(Entry(record, affected))
        self.by_package = dict(index)
        self.aliases = AliasGroups(self.records)

    def entries(self, ecosystem: str, name: str) -> list[Entry]:
        """Entries of one package (name already normalised)."""
        return self.by_package.get((ecosystem, name), [])


def load_advisories(data: Path) -> Advisories:
    """Read every PyPA YAML and Go vulndb JSON record from the shared data (not via chainreview)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    records: list[dict[str, Any]] = []
    for path in sorted((data / CORPORA["PyPI"] / "vulns").rglob("*.yaml")):
        document = yaml.load(path.read_bytes(), Loader=loader)
        if isinstance(document, dict) and "id" in document:
            records.append(document)
    for path in sorted((data / CORPORA["Go"]).glob("*.json")):
        document = json.loads(path.read_bytes())
        if isinstance(document, dict) and "id" in document:
            records.append(document)
    return Advisories(records)


# --- purls and SBOM components --------------------------------------------------------------


def purl_name(purl: str | None) -> tuple[ComponentKey, str] | None:
    """The comparison key of a PyPI or Go purl with a version, and the name as the purl has it."""
    if not purl:
        return None
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    ecosystem = PURL_TYPES.get(parsed.type)
    if ecosystem is None or not parsed.version:
        return None
    name = f"{parsed.namespace}/{parsed.name}" if parsed.namespace else parsed.name
    # PEP 440 is case-insensitive, and chainreview lower-cases pypi purl versions in its output
    version = parsed.version.lower() if ecosystem == "PyPI" else parsed.version
    return (ecosystem, normalise_name(ecosystem, name), version), name


def purl_key(purl: str | None) -> ComponentKey | None:
    """The comparison key of a PyPI or Go purl with a version, else None."""
    found = purl_name(purl)
    return None if found is None else found[0]


def sbom_components(path: Path) -> dict[ComponentKey, str]:
    """The distinct PyPI/Go components of a CycloneDX JSON or SPDX JSON file, by purl, with the
    package name as each purl spells it."""
    document = json.loads(path.read_bytes())
    purls: list[str] = []
    if "packages" in document:  # SPDX
        purls.extend(
            ref.get("referenceLocator", "")
            for package in document["packages"]
            for ref in package.get("externalRefs") or ()
            if ref.get("referenceType") == "purl"
        )
    else:
        pending = list(document.get("components") or ())
        while pending:
            component = pending.pop()
            pending.extend(component.get("components") or ())
            purls.append(component.get("purl", ""))
    found = (purl_name(purl) for purl in purls)
    return dict(sorted(item for item in found if item is not None))


# --- the independent OSV range walk ----------------------------------------------------------

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]
_SEMVER: Final = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")


def semver_key(text: str) -> SemverKey | None:
    """SemVer 2.0 precedence key (leading `v` allowed, build metadata ignored), or None."""
    found = _SEMVER.fullmatch(text)
    if found is None:
        return None
    major, minor, patch, pre = found.groups()
    if pre is None:
        return int(major), int(minor), int(patch), 1, ()
    parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return int(major), int(minor), int(patch), 0, parts


def version_key(ecosystem: str, text: str) -> Any | None:
    """A comparable key of `text` in `ecosystem` (PyPI: PEP 440; Go: SemVer), or None."""
    if ecosystem == "PyPI":
        try:
            return Version(text)
        except InvalidVersion:
            return None
    return semver_key(text)


def is_prerelease(ecosystem: str, text: str) -> bool:
    """A PEP 440 pre/dev release, or a SemVer version with a pre-release part."""
    key = version_key(ecosystem, text)
    if key is None:
        return False
    return key.is_prerelease if isinstance(key, Version) else key[3] == 0


class Walk:
    """Outcome of walking one entry: affected, not affected, or undecidable."""

    AFFECTED: Final = "affected"
    NOT_AFFECTED: Final = "not affected"
    UNDECIDABLE: Final = "undecidable"


_BOTTOM: Final = object()
_TOP: Final = object()


def _before(a: Any, b: Any) -> bool:
    """a < b where `_BOTTOM` / `_TOP` sit below / above every version."""
    if a is _BOTTOM or b is _TOP:
        return a is not b
    if a is _TOP or b is _BOTTOM:
        return False
    return bool(a < b)


def _in_range(version: Any, events: list[tuple[str, Any]]) -> bool:
    """The OSV schema's evaluation of one range's events, already in version order.

    Events of equal version: where the walk is affected when it reaches them, the closing ones
    go first (touching intervals join), else `introduced` goes first (`introduced 1.0,
    fixed 1.0` is empty); see chainreview's `matches/ranges.py` for the reasoning.
    """
    limits = [point for kind, point in events if kind == "limit"]
    if limits and not any(_before(version, limit) for limit in limits):
        return False
    affected = False
    walked = [event for event in events if event[0] != "limit"]
    start = 0
    while start < len(walked):
        end = start + 1
        while end < len(walked) and not _before(walked[start][1], walked[end][1]):
            end += 1
        opening_first = not affected
        group = sorted(walked[start:end], key=lambda e: (e[0] == "introduced") != opening_first)
        for kind, point in group:
            if kind == "introduced" and not _before(version, point):
                affected = True
            elif (kind == "fixed" and not _before(version, point)) or (
                kind == "last_affected" and _before(point, version)
            ):
                affected = False
        start = end
    return affected


def walk_entry(ecosystem: str, affected: Mapping[str, Any], version: str) -> str:
    """Evaluate one `affected` entry for `version` (see the module doc)."""
    key = version_key(ecosystem, version)
    for item in affected.get("versions") or ():
        listed = str(item)
        if listed == version or (key is not None and version_key(ecosystem, listed) == key):
            return Walk.AFFECTED
    undecidable = False
    for range_ in affected.get("ranges") or ():
        if range_.get("type") not in ("SEMVER", "ECOSYSTEM"):
            continue
        if key is None:
            undecidable = True
            continue
        events: list[tuple[str, Any]] = []
        for event in range_.get("events") or ():
            for kind, value in event.items():
                if kind == "introduced" and value == "0":
                    events.append((kind, _BOTTOM))
                elif kind == "limit" and value == "*":
                    events.append((kind, _TOP))
                elif (point := version_key(ecosystem, str(value))) is not None:
                    events.append((kind, point))
                else:
                    undecidable = True
                    break
            else:
                continue
            break
        else:
            events.sort(key=_order_key)
            if _in_range(key, events):
                return Walk.AFFECTED
    return Walk.UNDECIDABLE if undecidable else Walk.NOT_AFFECTED


def _order_key(event: tuple[str, Any]) -> Any:
    # functools.cmp_to_key would do; a small wrapper keeps _BOTTOM/_TOP comparable
    return _Sortable(event[1])


class _Sortable:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Sortable) -> bool:
        return _before(self.value, other.value)


@dataclass
class WalkResult:
    """Findings of the walk over a list of components, and the undecidable pairs."""

    findings: set[Pair] = field(default_factory=set)
    undecidable: set[Pair] = field(default_factory=set)


def walk_components(components: Iterable[ComponentKey], advisories: Advisories) -> WalkResult:
    """Every (component, alias group) the walk finds affected; withdrawn records skipped."""
    result = WalkResult()
    for key in components:
        ecosystem, name, version = key
        decided: set[str] = set()
        undecided: set[str] = set()
        for entry in advisories.entries(ecosystem, name):
            if entry.withdrawn:
                continue
            outcome = walk_entry(ecosystem, entry.affected, version)
            group = advisories.aliases.group(entry.id)
            if outcome == Walk.AFFECTED:
                decided.add(group)
            elif outcome == Walk.UNDECIDABLE:
                undecided.add(group)
        result.findings.update((key, group) for group in decided)
        result.undecidable.update((key, group) for group in undecided - decided)
    return result


# --- finding sets of the two tools ----------------------------------------------------------


@dataclass
class ToolResult:
    """What one tool reported, as comparable pairs."""

    findings: set[Pair]
    undecidable: set[Pair] = field(default_factory=set)
    unkeyed: int = 0
    """Findings on components without a PyPI/Go purl (left out of the comparison)."""


def chainreview_findings(report: Mapping[str, Any], aliases: AliasGroups) -> ToolResult:
    """Pairs from `chainreview scan --format json` (indeterminate components kept apart)."""
    result = ToolResult(set())
    for finding in report.get("findings") or ():
        key = purl_key(finding.get("purl"))
        if key is None:
            result.unkeyed += 1
            continue
        ids = [finding["id"], *(finding.get("aliases") or ())]
        group = aliases.group(next((i for i in ids if aliases.known(i)), finding["id"]))
        result.findings.add((key, group))
    for item in report.get("indeterminate") or ():
        key = purl_key(item.get("purl"))
        if key is not None:
            result.undecidable.update(
                (key, aliases.group(i)) for i in item.get("advisory_ids") or ()
            )
    return result


def trivy_findings(reports: Iterable[Mapping[str, Any]], aliases: AliasGroups) -> ToolResult:
    """Pairs from trivy JSON reports; trivy's CVE ids are mapped through the OSV aliases."""
    result = ToolResult(set())
    for report in reports:
        for target in report.get("Results") or ():
            for vulnerability in target.get("Vulnerabilities") or ():
                identifier = vulnerability.get("PkgIdentifier") or {}
                key = purl_key(identifier.get("PURL"))
                if key is None:
                    result.unkeyed += 1
                    continue
                result.findings.add((key, aliases.group(vulnerability["VulnerabilityID"])))
    return result


# --- comparing and explaining ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two finding sets, one taken as the reference."""

    found: frozenset[Pair]
    reference: frozenset[Pair]

    @property
    def common(self) -> frozenset[Pair]:
        """Pairs in both."""
        return self.found & self.reference

    @property
    def extra(self) -> frozenset[Pair]:
        """Found, not in the reference (false positives if the reference is right)."""
        return self.found - self.reference

    @property
    def missing(self) -> frozenset[Pair]:
        """In the reference, not found."""
        return self.reference - self.found

    @property
    def precision(self) -> float:
        """Share of found pairs the reference has (1.0 when nothing was found)."""
        return len(self.common) / len(self.found) if self.found else 1.0

    @property
    def recall(self) -> float:
        """Share of reference pairs found (1.0 when the reference is empty)."""
        return len(self.common) / len(self.reference) if self.reference else 1.0


def _trivy_pip_name(name: str) -> str:
    """How trivy's pip bucket normalises names (lower case, `_` → `-`, dots kept)."""
    return name.lower().replace("_", "-")


def explain(
    pair: Pair, advisories: Advisories, component_names: Mapping[ComponentKey, str] | None = None
) -> str:
    """An explanation category for a pair one tool reported and another did not.

    The categories are checked in order; the first that applies is returned. They describe a
    property of the advisory or version that the tools are known to treat differently, not which
    tool is right (the independent walk's verdict is printed beside it for that).
    """
    key, group = pair
    ecosystem, name, version = key
    entries = [
        e for e in advisories.entries(ecosystem, name) if advisories.aliases.group(e.id) == group
    ]
    if not entries:
        return "id mapping: no record of this package in the alias group"
    if all(e.withdrawn for e in entries):
        return "withdrawn advisory"
    live = [e for e in entries if not e.withdrawn]
    if version_key(ecosystem, version) is None:
        if any(version in (str(v).lower() for v in e.affected.get("versions") or ()) for e in live):
            return "non-PEP 440/SemVer version listed in `versions` (trivy's DB drops those)"
        return f"version not {'PEP 440' if ecosystem == 'PyPI' else 'SemVer'} (unorderable)"
    if ecosystem == "Go" and re.search(r"-(?:\d+\.)?(?:0\.)?\d{14}-[0-9a-f]{12}", version):
        return "Go pseudo-version (a SemVer pre-release)"
    if is_prerelease(ecosystem, version):
        return "pre-release handling"
    ranges = [r for e in live for r in e.affected.get("ranges") or ()]
    listed = [
        e
        for e in live
        if walk_entry(ecosystem, {"versions": e.affected.get("versions")}, version) == Walk.AFFECTED
    ]
    in_ranges = any(
        walk_entry(ecosystem, {"ranges": e.affected.get("ranges")}, version) == Walk.AFFECTED
        for e in live
    )
    if listed and not in_ranges:
        return "listed in `versions` only (no range holds it)"
    kinds = {kind for r in ranges for event in r.get("events") or () for kind in event}
    if "last_affected" in kinds:
        return "last_affected semantics"
    if "limit" in kinds:
        return "limit semantics"
    for r in ranges:
        events = r.get("events") or ()
        if sum(1 for event in events if "introduced" in event) > 1 and _unsorted(ecosystem, events):
            return "events not in version order, several intervals (trivy pairs them as listed)"
        if _unsorted(ecosystem, events):
            return "events not in version order"
    parsed_version = version_key(ecosystem, version)
    fixed = [
        point
        for r in ranges
        for event in r.get("events") or ()
        if "fixed" in event and (point := version_key(ecosystem, str(event["fixed"]))) is not None
    ]
    if any(not _before(parsed_version, point) for point in fixed):
        return "at/above a fixed version of another range or entry (trivy: patched)"
    if ecosystem == "PyPI" and component_names is not None:
        component_name = component_names.get(key, name)
        if any(
            _trivy_pip_name(e.affected["package"]["name"]) != _trivy_pip_name(component_name)
            for e in live
        ):
            return "ecosystem/name normalisation (PEP 503 vs trivy's)"
    if ecosystem == "PyPI":
        parsed = Version(version)
        if parsed.epoch or parsed.post is not None or parsed.local is not None:
            return "PEP 440 epoch/post/local version"
    return "unexplained"


def _unsorted(ecosystem: str, events: Sequence[Mapping[str, Any]]) -> bool:
    points = []
    for event in events:
        for kind, value in event.items():
            if kind == "introduced" and value == "0":
                points.append(_BOTTOM)
            elif kind == "limit":
                continue
            else:
                point = version_key(ecosystem, str(value))
                if point is None:
                    return False
                points.append(point)
    return any(_before(b, a) for a, b in itertools.pairwise(points))


def print_differences(
    title: str,
    pairs: Iterable[Pair],
    advisories: Advisories,
    *,
    show: int | None,
    walk: WalkResult | None = None,
    component_names: Mapping[ComponentKey, str] | None = None,
) -> Counter[str]:
    """Print each difference with its explanation (the first `show`); return category counts."""
    ordered = sorted(pairs)
    categories: Counter[str] = Counter()
    lines = []
    for pair in ordered:
        category = explain(pair, advisories, component_names)
        categories[category] += 1
        (ecosystem, name, version), group = pair
        note = ""
        if walk is not None:
            in_walk = (
                "affected"
                if pair in walk.findings
                else ("undecidable" if pair in walk.undecidable else "not affected")
            )
            note = f" [walk: {in_walk}]"
        lines.append(f"    {ecosystem} {name} {version} {group}: {category}{note}")
    print(f"  {title}: {len(ordered)}")
    for category, count in categories.most_common():
        print(f"    {count:6d} × {category}")
    limit = len(lines) if show is None else show
    for line in lines[:limit]:
        print(line)
    if len(lines) > limit:
        print(f"    … {len(lines) - limit} more (run without --quick to list all)")
    return categories
