"""The bundled intelligence: real advisories shipped in the package, so a review needs no set-up.

`intel/bundled/feeds.tar.xz` holds the raw files of the datasets in `DATASETS` (PyPI, Go and
crates.io advisories, the CISA KEV catalogue, the OFAC SDN list and nine NVD firmware CVEs) with
their licence files, exactly as copied into the shared test data; `snapshot.sqlite.xz` is the
snapshot an import of them into an empty home gives, prebuilt. `manifest.json` beside them
names each dataset's repository, commit and licence, the archive's SHA-256, the prebuilt
snapshot's hash, format, size and SHA-256, and the feeds the bundle lacks (`LACKS`); the licence
texts sit beside it too, and `NOTICE` at the repository root gives the attribution.
`scripts/build_bundled_snapshot.py` rebuilds all of it.

A home with no current snapshot gets the prebuilt one, decompressed (a second or two instead of
half a minute of importing), checked against the manifest and made current whole; the archive
is imported instead when the prebuilt file is of another snapshot format. Into a home that has
a snapshot, `install` imports the archive's files (`import_bundle`): unpacked into
`intel/bundled-data-<pid>` (which `snapshot.clean_stale` removes when that process is gone) and
imported as one import of several groups (`importer.import_groups`), so the snapshot becomes
current once, whole. `$CHAINREVIEW_HOME/intel/BUNDLED` records the hash the bundle installed, so
`intel status` can say when the current snapshot is the bundled one, and so a bundle snapshot
of an older format is replaced without asking. Every source it installs is marked `demo` in the
snapshot manifest (a capture for trying the tool: reviews on it say so and give no final
determination unless allowed), and the NVD selection is marked partial.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson

from chainreview.intel import snapshot
from chainreview.intel.interface import FeedKind, IntelError
from chainreview.progress import Progress, silent

if TYPE_CHECKING:
    from chainreview.intel import importer

# `scan` imports this module on every run, though it installs the bundle only into an empty
# home: the importer, `tarfile` and `importlib.resources` load inside the functions that use them.

ARCHIVE: Final = "feeds.tar.xz"
SNAPSHOT: Final = "snapshot.sqlite.xz"
"""The snapshot an import of `ARCHIVE` into an empty home gives, prebuilt and xz-compressed."""
INSTALLING: Final = "Installing the bundled intel snapshot"
"""What `Progress` is told while the prebuilt snapshot is decompressed (bytes done, bytes)."""
_CHUNK: Final = 1 << 20
MANIFEST: Final = "manifest.json"
MARKER: Final = "BUNDLED"
"""File in `$CHAINREVIEW_HOME/intel` holding the hash of the snapshot the bundle installed."""
UNPACKED: Final = snapshot.UNPACKED_PREFIX
"""Folder name (then the process id) in `$CHAINREVIEW_HOME/intel` the archive is unpacked to."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    """One bundled dataset: a folder of the shared test data, kept under the same name."""

    folder: str
    repository: str
    commit: str
    licence: str
    records: tuple[str, ...]
    """Glob patterns (relative to the folder) of the record files bundled."""
    notices: tuple[str, ...]
    """Licence and notice files bundled with the records, verbatim."""
    inputs: tuple[str, ...]
    """Glob patterns of what is passed to the importer (folders or files)."""
    kind: FeedKind | None = None
    """The feed kind to import as, when content detection would not pick it."""
    complete: bool = True
    """The dataset is the whole of its upstream database at `commit` (not a selection)."""
    as_of: str | None = None
    """The date its data reaches, for a dataset whose records carry none: its capture's."""


DATASETS: Final[tuple[Dataset, ...]] = (
    Dataset(
        folder="pypa-advisory-database",
        repository="pypa/advisory-database",
        commit="3ccb612573e2511ab5cad7dafecd838605c80cda",
        licence="CC-BY-4.0",
        records=("vulns/*/*.yaml",),
        notices=("LICENSE", "README.md"),
        inputs=("vulns",),
    ),
    Dataset(
        folder="golang-vulndb",
        repository="golang/vulndb",
        commit="a752ea54fd1b989d208a270aeef772f55a36b87a",
        licence="CC-BY-4.0",
        records=("data/osv/*.json",),
        notices=("LICENSE-CC-BY-4.0.txt", "LICENSE-NOTE.txt", "README.md"),
        inputs=("data/osv",),
    ),
    Dataset(
        folder="rustsec-advisory-db-osv",
        repository="rustsec/advisory-db (branch osv)",
        commit="7fa931cb90251ad2affbddac32885f3ed29a63eb",
        licence="CC0-1.0 (advisories imported from GHSA: CC-BY-4.0)",
        records=("crates/*.json",),
        notices=("LICENSE.txt", "LICENSES/CC0-1.0.txt", "LICENSES/CC-BY-4.0.txt", "README.md"),
        inputs=("crates",),
    ),
    Dataset(
        folder="cisa-kev",
        repository="cisagov/kev-data",
        commit="eacf03ec6637cc7be6d3d4ed50785493da5126a2",
        licence="CC0-1.0",
        records=("known_exploited_vulnerabilities.json",),
        notices=("LICENSE", "README.md"),
        inputs=("known_exploited_vulnerabilities.json",),
    ),
    Dataset(
        folder="ofac-sdn",
        repository="jackdwyer/specially-designated-nationals-list",
        commit="a5ec3c5ee4aae1b36ba24897a051787ea5429d30",
        licence="LicenseRef-US-Government-Public-Domain",
        records=("sdn.csv",),
        notices=("PUBLIC-DOMAIN-NOTICE.txt", "README.md"),
        inputs=("sdn.csv",),
        as_of="2024-05-03",  # the commit's date (shared data MANIFEST.md): the list has none
    ),
    Dataset(
        folder="nvd-cve-firmware-selection",
        repository="fkie-cad/nvd-json-data-feeds (see PROVENANCE.md)",
        commit="see PROVENANCE.md",
        licence="LicenseRef-US-Government-Public-Domain",
        records=("CVE-*/*/CVE-*.json",),
        notices=("NVD-NOTICE.txt", "PROVENANCE.md"),
        inputs=("CVE-*/*/CVE-*.json",),
        kind=FeedKind.NVD,  # NVD records with an `affected` field would be sniffed as OSV
        complete=False,  # nine CVEs of the NVD
    ),
)
"""What the bundle holds, in import order."""

LACKS: Final[tuple[dict[str, str], ...]] = (
    {"feed": "osv", "what": "OSV ecosystems other than PyPI (PyPA only), Go and crates.io: "
     "npm, Maven, NuGet, RubyGems, Packagist, GitHub advisories, distributions",
     "get": "chainreview intel sync --only osv"},
    {"feed": "nvd", "what": "the NVD beyond nine firmware CVEs",
     "get": "chainreview intel sync --only nvd"},
    {"feed": "epss", "what": "FIRST EPSS scores (no licence to redistribute)",
     "get": "chainreview intel sync --only epss"},
    {"feed": "sanctions", "what": "the US Consolidated Screening List; the OFAC SDN list is the "
     "2024-05-03 capture, for trying the tool only, not for real screening",
     "get": "chainreview intel sync --only csl,ofac-sdn"},
    {"feed": "distro", "what": "Alpine secdb, Debian and Ubuntu advisories",
     "get": "chainreview intel sync --only alpine; intel import for Debian/Ubuntu files"},
    {"feed": "eol", "what": "endoflife.date release cycles",
     "get": "chainreview intel import of endoflife.date JSON"},
)  # fmt: skip
"""The feeds the bundle lacks, why, and how to get them (written into `manifest.json`)."""


def resource(name: str) -> Path:
    """The path of a file of the installed `intel/bundled/` folder."""
    from importlib import resources

    return Path(str(resources.files("chainreview.intel").joinpath("bundled", name)))


def manifest() -> dict[str, Any]:
    """The bundle's `manifest.json`: datasets, archive checksum, the feeds it lacks."""
    value: dict[str, Any] = orjson.loads(resource(MANIFEST).read_bytes())
    return value


def installed_hash(home: Path) -> str | None:
    """The hash of the snapshot the bundle last installed into `home`, if it ever did."""
    try:
        return (snapshot.intel_dir(home) / MARKER).read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def ensure_snapshot(home: Path, progress: Progress = silent) -> str:
    """Make sure `home` has a current intel snapshot; return its hash.

    When none is current, the bundle installs one (a second or two, once); so it does when the
    current one is the bundle's own and this chainreview cannot open it (a snapshot of an older
    format, a damaged file). Otherwise nothing is done beyond reading `CURRENT`. Safe to call
    from concurrent processes: one installs, the others wait and then find it current.
    """
    current = snapshot.current_hash(home)
    if current is not None and _kept(home, current):
        return current
    with _install_lock(home):
        current = snapshot.current_hash(home)
        if current is not None and _kept(home, current):
            return current
        if current is not None:
            snapshot.retire_current(home)
        return _mark(home, _install_new(home, progress))


def install(
    home: Path,
    *,
    workers: int | None = None,
    progress: Progress = silent,
    replace: bool = False,
) -> str:
    """Install the bundle into `home` and return the new current hash.

    Into a home with no current snapshot the prebuilt snapshot goes as it is; otherwise, like
    any import, the bundled feeds replace the same-named sources of the current snapshot (e.g.
    a synced `osv:PyPI` or `kev`) and the others are kept; a source the bundle would shrink by
    more than `snapshot.MAX_SHRINK` is merged instead, unless `replace`.
    """
    with _install_lock(home):
        if snapshot.current_hash(home) is None:
            return _mark(home, _install_new(home, progress, workers=workers))
        return _mark(home, import_bundle(home, workers=workers, progress=progress, replace=replace))


def import_bundle(
    home: Path,
    *,
    workers: int | None = None,
    progress: Progress = silent,
    replace: bool = False,
) -> str:
    """Import the bundled feeds from the archive into `home` (as `intel import` of the same
    files would) and return the new current hash; does not mark it as the bundle's."""
    import tarfile

    from chainreview.intel import importer

    archive = resource(ARCHIVE)
    if _sha256(archive) != manifest()["archive"]["sha256"]:
        raise IntelError(str(archive), "the bundled archive does not match its manifest")
    folder = snapshot.intel_dir(home) / f"{UNPACKED}{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:xz") as tar:
            tar.extractall(folder, filter="data")
        result = importer.import_groups(
            import_groups(folder),
            home=home,
            workers=workers or _workers(),
            progress=lambda shown, done, total: progress(f"Importing {shown}", done, total),
            replace=replace,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result.hash


def import_groups(root: Path) -> list[importer.ImportGroup]:
    """The groups of inputs (each with its kind and marks) that load the datasets unpacked
    under `root`, in one import; each input named `bundled/<its path in the archive>`."""
    from chainreview.intel import importer

    groups: dict[tuple[FeedKind | None, bool, str | None], list[Path]] = {}
    for dataset in DATASETS:
        for pattern in dataset.inputs:
            found = sorted((root / dataset.folder).glob(pattern))
            if not found:
                raise IntelError(str(root / dataset.folder), f"bundled input {pattern} missing")
            groups.setdefault((dataset.kind, dataset.complete, dataset.as_of), []).extend(found)
    return [
        importer.ImportGroup(
            paths=tuple(paths),
            names=tuple(f"bundled/{path.relative_to(root).as_posix()}" for path in paths),
            kind=kind,
            complete=complete,
            demo=True,
            as_of=as_of,
        )
        for (kind, complete, as_of), paths in groups.items()
    ]


def _kept(home: Path, current: str) -> bool:
    """Whether the current snapshot stays: any but the bundle's own that cannot be opened
    (another format, a damaged file); what the user imported is never replaced here."""
    if installed_hash(home) != current:
        return True
    try:
        snapshot.Snapshot(snapshot.snapshot_path(home, current)).close()
    except IntelError:
        return False
    return True


def _install_new(home: Path, progress: Progress, *, workers: int | None = None) -> str:
    """Install the bundle into a home with no current snapshot: the prebuilt snapshot when it
    is of this chainreview's format, else an import of the feeds."""
    prebuilt = manifest().get("snapshot")
    if isinstance(prebuilt, dict) and prebuilt.get("format") == snapshot.FORMAT:
        return _unpack_snapshot(home, prebuilt, progress)
    return import_bundle(home, workers=workers, progress=progress)


def _unpack_snapshot(home: Path, prebuilt: dict[str, Any], progress: Progress) -> str:
    """Decompress the prebuilt snapshot into `home`, check it is the one the manifest names,
    and make it current."""
    import lzma

    packed = resource(str(prebuilt["name"]))
    if _sha256(packed) != prebuilt["sha256"]:
        raise IntelError(str(packed), "the bundled snapshot does not match its manifest")
    digest, size = str(prebuilt["hash"]), int(prebuilt["size"])
    snapshot.snapshots_dir(home).mkdir(parents=True, exist_ok=True)
    written = snapshot.unfinished_path(home)
    try:
        with lzma.open(packed) as source, written.open("wb") as target:
            done = 0
            while chunk := source.read(_CHUNK):
                done += len(chunk)
                if done > size:
                    raise IntelError(str(packed), f"the bundled snapshot is over {size:,} bytes")
                target.write(chunk)
                progress(INSTALLING, done, size)
        with snapshot.Snapshot(written) as opened:
            if opened.hash != digest:
                raise IntelError(str(packed), f"the bundled snapshot is not {digest}")
        snapshot.place(home, written, digest)
    except BaseException:
        written.unlink(missing_ok=True)
        raise
    snapshot.switch(home, digest)
    return digest


def _mark(home: Path, digest: str) -> str:
    """Record `digest` as the snapshot the bundle installed, and return it."""
    (snapshot.intel_dir(home) / MARKER).write_text(digest + "\n", encoding="ascii")
    return digest


@contextmanager
def _install_lock(home: Path) -> Iterator[None]:
    """Serialise installs of the bundle (blocking: a second caller waits for the first)."""
    folder = snapshot.intel_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "bundled.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _workers() -> int:
    return min(4, os.cpu_count() or 1)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
