"""Ingest speed: components/s for three real SBOMs, against plain `json.load` in the same run.

    python benchmarks/bench_ingest.py [--repeat N] [--sbom PATH]...

Reads `$CHAINREVIEW_SHARED_DATA` (default `../shared/data`). For each SBOM (three real ones, and any
given with `--sbom`) it times, best of N: `json.load` (the floor any JSON reader pays), `read_sbom`
without and with schema validation, and, when installed (`pip install -e '.[bench]'`),
cyclonedx-python-lib's own deserialiser as the library baseline. Ratios are against `json.load`
measured in the same run. Each `read_sbom` run starts with the purl caches empty, as in a fresh
`chainreview scan` process. It then counts how many of the syft SPDX files spdx-tools refuses that
`read_sbom` reads.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from chainreview.errors import InputError
from chainreview.evidence.sbom import read_sbom

SBOMS = (
    (
        "airflow 2.8.0 (CycloneDX 1.5)",
        "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json",
    ),
    (
        "juice-shop (CycloneDX 1.4)",
        "cyclonedx-bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4.json",
    ),
    (
        "kube-apiserver v1.25.2 (syft SPDX 2.3, with files)",
        "guac-data-sboms/docs/spdx/syft-spdx-k8s.gcr.io-kube-apiserver.v1.25.2.json",
    ),
)


_CACHED_MODULES = ("chainreview.components.purl", "chainreview.evidence._cyclonedx_common")


def clear_caches() -> None:
    """Empty the in-process caches of the readers (purls parsed, hash names) between runs."""
    for name in _CACHED_MODULES:
        for value in vars(importlib.import_module(name)).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def best_of(repeat: int, action: Callable[[], object]) -> tuple[float, float]:
    """Return (best, median) wall time in seconds of `repeat` runs of `action`, each cold."""
    times = []
    for _ in range(repeat):
        clear_caches()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def cyclonedx_lib_loader(path: Path) -> Callable[[], object] | None:
    """cyclonedx-python-lib's JSON deserialiser, if installed."""
    try:
        from cyclonedx.model.bom import Bom
    except ImportError:
        return None

    def load() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Bom.from_json(json.loads(path.read_bytes()))  # type: ignore[attr-defined]

    return load


def syft_spdx_files(data: Path) -> list[Path]:
    """The syft-made SPDX JSON files of guac-data-sboms (all violate the SPDX schema somewhere)."""
    found = []
    for path in sorted((data / "guac-data-sboms").rglob("*.json")):
        content = path.read_bytes()
        if b'"spdxVersion"' in content[:4096] and b"syft" in content:
            found.append(path)
    return found


def compare_spdx_tools(data: Path) -> None:
    """How many syft SPDX files spdx-tools refuses, against how many `read_sbom` reads."""
    try:
        from spdx_tools.spdx.parser.parse_anything import parse_file
    except ImportError:
        print("\nspdx-tools not installed (pip install -e '.[bench]')")
        return
    files = syft_spdx_files(data)
    refused: list[str] = []
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parse_file(str(path))
        except Exception as exc:  # spdx-tools raises its own error types for refused input
            refused.append(f"{path.name}: {str(exc)[:100]}")
    ours = 0
    for path in files:
        try:
            read_sbom(path, validate=False)
        except InputError:
            continue
        ours += 1
    print(f"\nsyft SPDX files ({len(files)}): spdx-tools refuses {len(refused)}, we read {ours}")
    for line in refused[:3]:
        print(f"  spdx-tools: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sbom", type=Path, action="append", default=[], help="another SBOM")
    args = parser.parse_args()
    data = Path(
        os.environ.get(
            "CHAINREVIEW_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
        )
    )
    sboms = [(label, data / relative) for label, relative in SBOMS]
    sboms += [(path.name, path) for path in args.sbom]
    for label, path in sboms:
        components = len(read_sbom(path, validate=False).components)
        cases: list[tuple[str, Callable[[], object] | None]] = [
            ("json.load", lambda p=path: json.loads(p.read_bytes())),
            ("read_sbom (no validation)", lambda p=path: read_sbom(p, validate=False)),
            ("read_sbom (schema validated)", lambda p=path: read_sbom(p, validate=True)),
        ]
        if "bomFormat" in json.loads(path.read_bytes()):
            cases.append(("cyclonedx-python-lib Bom.from_json", cyclonedx_lib_loader(path)))
        print(f"\n{label}: {components:,} components, {path.stat().st_size / 1e6:.1f} MB")
        baseline = None
        for name, action in cases:
            if action is None:
                print(f"  {name:38s} not installed (pip install -e '.[bench]')")
                continue
            try:
                best, median = best_of(args.repeat, action)
            except Exception as exc:  # a library that refuses the file is a result, not a crash
                print(f"  {name:38s} failed: {type(exc).__name__}: {str(exc)[:80]}")
                continue
            baseline = baseline or best
            print(
                f"  {name:38s} best {best * 1000:8.1f} ms  median {median * 1000:8.1f} ms  "
                f"{components / best:>10,.0f} components/s  {best / baseline:5.1f}x json.load"
            )
    compare_spdx_tools(data)


if __name__ == "__main__":
    main()
