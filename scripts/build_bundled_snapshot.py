"""Rebuild the bundled intelligence in `src/chainreview/intel/bundled/` from the shared data.

    python scripts/build_bundled_snapshot.py [--data ../shared/data]

Writes, reproducibly (the same input gives the same bytes, so git diffs stay small):

* `feeds.tar.xz` — the record and licence files of every dataset in
  `chainreview.intel.bundled.DATASETS`, under their shared-data paths, sorted, with fixed
  timestamps, owners and modes;
* `manifest.json` — the datasets (repository, commit, licence, file count, bytes), the archive's
  SHA-256 and size, and the feeds the bundle lacks;
* `LICENSE-CC-BY-4.0.txt`, `LICENSE-CC0-1.0.txt`, `NVD-NOTICE.txt` — the licence texts `NOTICE`
  refers to.

* `snapshot.sqlite.xz` — the snapshot an import of the archive into an empty home gives (what a
  fresh home installs, in a second instead of half a minute of importing), its hash, format,
  size and SHA-256 in `manifest.json`. Its `imported_at` is when this script ran; everything
  else is what any import of the same files gives (tests/intel/test_bundled.py checks it
  record by record). Rebuild it whenever the snapshot format or the importer's output changes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import lzma
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import orjson

from chainreview.intel import bundled, snapshot

OUT = Path(__file__).resolve().parents[1] / "src" / "chainreview" / "intel" / "bundled"
LICENCE_TEXTS = {
    "LICENSE-CC-BY-4.0.txt": "golang-vulndb/LICENSE-CC-BY-4.0.txt",
    "LICENSE-CC0-1.0.txt": "rustsec-advisory-db-osv/LICENSES/CC0-1.0.txt",
    "NVD-NOTICE.txt": "nvd-cve-firmware-selection/NVD-NOTICE.txt",
}


def bundle_files(data: Path, dataset: bundled.Dataset) -> list[Path]:
    """The files of one dataset to bundle (records then notices), checked to exist."""
    root = data / dataset.folder
    records = sorted({p for pattern in dataset.records for p in root.glob(pattern)})
    if not records:
        raise SystemExit(f"no records for {dataset.folder} under {root}")
    notices = [root / name for name in dataset.notices]
    for path in notices:
        if not path.is_file():
            raise SystemExit(f"missing notice file {path}")
    return records + notices


def write_archive(data: Path, files: list[Path], target: Path) -> None:
    """A tar.xz of `files` (paths relative to `data`), byte-for-byte reproducible."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files, key=lambda p: p.relative_to(data).as_posix()):
            content = path.read_bytes()
            info = tarfile.TarInfo(path.relative_to(data).as_posix())
            info.size = len(content)
            info.mode = 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    filters = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 1 << 25}]
    target.write_bytes(lzma.compress(buffer.getvalue(), format=lzma.FORMAT_XZ, filters=filters))


def main() -> None:
    """Build the bundle (see the module doc)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data",
        help="the shared data folder (default: ../shared/data beside the repository)",
    )
    data = parser.parse_args().data.resolve()
    OUT.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    datasets: list[dict[str, Any]] = []
    for dataset in bundled.DATASETS:
        own = bundle_files(data, dataset)
        files.extend(own)
        datasets.append(
            {
                "folder": dataset.folder,
                "repository": dataset.repository,
                "commit": dataset.commit,
                "licence": dataset.licence,
                "files": len(own),
                "bytes": sum(p.stat().st_size for p in own),
            }
        )
    archive = OUT / bundled.ARCHIVE
    write_archive(data, files, archive)
    for name, source in LICENCE_TEXTS.items():
        shutil.copyfile(data / source, OUT / name)
    about = {
        "format": 1,
        "archive": {
            "name": bundled.ARCHIVE,
            "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
            "bytes": archive.stat().st_size,
        },
        "datasets": datasets,
        "lacks": list(bundled.LACKS),
        "attribution": "NOTICE at the repository root; licence texts beside this file",
    }
    write_manifest(about)
    raw = sum(int(d["bytes"]) for d in datasets)
    print(f"{archive}: {archive.stat().st_size:,} bytes from {len(files):,} files ({raw:,} bytes)")
    with tempfile.TemporaryDirectory() as scratch:
        digest = bundled.import_bundle(Path(scratch))
        built = snapshot.snapshot_path(Path(scratch), digest)
        with snapshot.Snapshot(built) as opened:
            print(f"snapshot {digest}: {dict(opened.manifest['feeds'])}")
        packed = OUT / bundled.SNAPSHOT
        packed.write_bytes(lzma.compress(built.read_bytes(), format=lzma.FORMAT_XZ, preset=9))
        about["snapshot"] = {
            "name": bundled.SNAPSHOT,
            "hash": digest,
            "format": snapshot.FORMAT,
            "size": built.stat().st_size,
            "bytes": packed.stat().st_size,
            "sha256": hashlib.sha256(packed.read_bytes()).hexdigest(),
        }
    write_manifest(about)
    print(f"{packed}: {packed.stat().st_size:,} bytes ({about['snapshot']['size']:,} unpacked)")


def write_manifest(about: dict[str, Any]) -> None:
    """Write `manifest.json`, keys sorted, indented."""
    (OUT / bundled.MANIFEST).write_bytes(
        orjson.dumps(about, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )


if __name__ == "__main__":
    main()
