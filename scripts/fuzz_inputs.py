"""Mutation fuzzing of what a vendor or the internet hands us: SBOMs, OSV and NVD records, VEX.

    python scripts/fuzz_inputs.py [sbom|sbom-text|osv|nvd|vex …] [--seconds 120]
                                  [--data ../shared/data] [--seed N] [--out fuzz-crashes]

Each target takes real documents of the shared data as seeds, changes one to four of their JSON
nodes at random (a value of another type, an over-long string, a copy of another node, a list
entry repeated, a boolean flipped) and runs the document through the whole path a user's would
take:

* `sbom` — `read_sbom` (schema validation on one run in five), merge, `scan` against a snapshot
  of the PyPA, Go, Alpine secdb and NVD firmware data;
* `sbom-text` — bytes cut, repeated or spliced into CycloneDX XML, SPDX tag-value and YAML
  documents, read and merged;
* `osv` — the OSV reader (schema checks and drops), `Affected.from_osv`, range compilation, the
  package index and the reference evaluation at a few versions, CVSS rating;
* `nvd` — `intel import` of one to three mutated NVD records, then a scan of a device SBOM whose
  CPEs name their products (the CPE matcher and its platform logic);
* `vex` — `read_vex` of mutated OpenVEX, CycloneDX and CSAF documents, applied to a real scan.

An input may be refused, but only with a `ChainreviewError` (the one-line error the CLI prints);
any other exception is a bug. Each distinct one (exception type and raising line) is printed
with its traceback and its input written to `--out`. Exits 1 when there was any. Nothing here
runs in CI: it is for a long run on demand (a fixed `--seed` replays one).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, Final

import yaml

from chainreview.errors import ChainreviewError
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.vex import read_vex
from chainreview.findings.scan import matchers_for, scan
from chainreview.findings.severity import rate_osv
from chainreview.intel import importer, osv
from chainreview.intel.osv_model import Advisory, Affected
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.package_index import PackageIndex
from chainreview.matches.ranges import compile_affected

SHARED_DATA: Final = Path(
    os.environ.get("CHAINREVIEW_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared/data")
)

TODAY: Final = date(2026, 1, 1)
SBOM_SEEDS: Final = (
    "guac-data-sboms/docs/cyclonedx/syft-cyclonedx-docker.io-library-alpine.latest.json",
    "spdx-examples/software/example11/spdx2.3/sbom.spdx.json",
    "spdx-examples/software/example11/spdx3.0/sbom.spdx3.json",
    "sbomqs-samples/samples/sbomqs-spdx-syft.json",
    "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure/alpine-zlib-16.cdx.json",
)
TEXT_SEEDS: Final = (
    "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure/alpine.cdx.xml",
    "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure/bad-purls.cdx.xml",
    "spdx-spec/v2.3.1/examples/SPDXTagExample-v2.3.spdx",
    "spdx-spec/v2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml",
)
TOKENS: Final = (
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"<!ENTITY",
    b"\x00",
    b"\xff",
    b"\n",
    b":",
    b"- ",
    b"~: x\n",
    b"{",
    b"'",
    b'"',
    b"9" * 30,
    b"pkg:",
    b"PackageName: x\n",
    b"SPDXID: SPDXRef-1\n",
    b'<component type="library"><name>a</name></component>',
)
"""Bytes spliced into XML, tag-value and YAML documents."""
VEX_SEEDS: Final = (
    "openvex-go-vex-testdata",
    "openvex-vexctl-examples",
    "cyclonedx-bom-examples/VEX",
    "oasis-csaf/csaf_2.0/examples/csaf/csaf_vex",
)
VEX_SBOM: Final = (
    "guac-data-sboms/docs/cyclonedx/syft-cyclonedx-docker.io-library-python.latest.json"
)
"""A Debian image with Python: the scan whose findings the VEX statements set."""
NVD_SEEDS: Final = "nvd-cve-firmware-selection"
VERSIONS: Final = ("0", "1.0", "1.0.0", "1.2.3", "2.0.0rc1", "v1.2.3", "1:2.3-4", "weird", "")
STRANGE: Final[tuple[Any, ...]] = (
    None,
    True,
    0,
    -1,
    1.5,
    10**30,
    "",
    " ",
    "x" * 70_000,
    "\u0000",
    "*",
    "-",
    "0",
    "1.0",
    "pkg:",
    "pkg:pypi/django@1.0",
    "cpe:2.3:a",
    "not_affected",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    [],
    {},
    [1],
    {"a": 1},
    {"introduced": "0"},
    {"fixed": "1.0"},
    {"limit": "*"},
)
"""Values swapped in: other JSON types, limits, and tokens the readers give meaning to."""


class Mutator:
    """Changes a few nodes of a JSON document, reproducibly from its random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self, document: Any) -> Any:
        changed = copy.deepcopy(document)
        found = list(_nodes(changed))
        for _ in range(self.rng.randint(1, 4)):
            path, node = self.rng.choice(found)
            if path:
                try:
                    self._change(changed, path, node, found)
                except (LookupError, TypeError):
                    continue  # an earlier change took this node away
        return changed

    def _change(self, document: Any, path: tuple[Any, ...], node: Any, found: list[Any]) -> None:
        roll = self.rng.random()
        if roll < 0.55:
            _set(document, path, copy.deepcopy(self.rng.choice(STRANGE)))
        elif roll < 0.7 and isinstance(node, list) and node:
            node.append(copy.deepcopy(self.rng.choice(node)))
        elif roll < 0.75 and isinstance(node, bool):
            _set(document, path, not node)
        else:
            _set(document, path, copy.deepcopy(self.rng.choice(found)[1]))


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def _json_files(root: Path) -> list[Any]:
    documents = []
    for path in sorted(root.rglob("*.json")):
        try:
            documents.append(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError):
            continue
    return documents


# --- targets: each returns a function that runs one mutated input in `work` -------------------

Run = Callable[[Mutator, Path], Path]
"""Runs one input; returns the file or folder that holds it (kept when it crashes)."""


def sbom_target(data: Path, snapshot: Snapshot) -> Run:
    seeds = [json.loads((data / name).read_text(encoding="utf-8")) for name in SBOM_SEEDS]

    def run(mutate: Mutator, work: Path) -> Path:
        path = work / "input.json"
        path.write_text(json.dumps(mutate(mutate.rng.choice(seeds))))
        document = read_sbom(path, "input.json", validate=mutate.rng.random() < 0.2)
        inventory = merge_documents([document])
        scan(inventory, matchers_for(snapshot), snapshot, snapshot=snapshot.hash, today=TODAY)
        return path

    return run


def sbom_text_target(data: Path) -> Run:
    seeds = [(data / name).read_bytes() for name in TEXT_SEEDS]

    def run(mutate: Mutator, work: Path) -> Path:
        rng = mutate.rng
        content = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            at, roll = rng.randrange(len(content)), rng.random()
            if roll < 0.3:
                del content[at : at + rng.randint(1, 20)]
            elif roll < 0.7:
                content[at:at] = rng.choice(TOKENS)
            else:
                start = rng.randrange(len(content))
                content[at:at] = content[start : start + rng.randint(1, 200)]
        path = work / "input.sbom"
        path.write_bytes(bytes(content))
        merge_documents([read_sbom(path, "input.sbom", validate=rng.random() < 0.2)])
        return path

    return run


def osv_target(data: Path) -> Run:
    rng = random.Random(0)
    seeds = rng.sample(_json_files(data / "golang-vulndb/data/osv"), 150)
    seeds += rng.sample(_json_files(data / "rustsec-advisory-db-osv/crates"), 150)
    pypa = sorted((data / "pypa-advisory-database/vulns").rglob("*.yaml"))
    seeds += [
        json.loads(json.dumps(yaml.safe_load(p.read_text(encoding="utf-8")), default=str))
        for p in rng.sample(pypa, 150)
    ]

    def run(mutate: Mutator, work: Path) -> Path:
        path = work / "record.json"
        path.write_text(json.dumps(mutate(mutate.rng.choice(seeds))))
        for record in osv.read(path, "record.json").records:
            if isinstance(record, Advisory):
                _evaluate_everything(record.document)
        return path

    return run


def _evaluate_everything(document: dict[str, Any]) -> None:
    for index, entry in enumerate(document.get("affected") or ()):
        package = entry.get("package")
        if package:
            affected = Affected.from_osv(entry)
            compiled = compile_affected(affected, package["ecosystem"])
            package_index = PackageIndex(package["ecosystem"], [compiled, compiled])
            for version in VERSIONS:
                package_index.evaluate(version)
                compiled.evaluate(version)
        rate_osv(document, index)


def nvd_target(data: Path, home: Path) -> Run:
    seeds = _json_files(data / NVD_SEEDS)
    sbom = home / "device.cdx.json"
    sbom.write_text(json.dumps(_device_sbom(seeds)))
    inventory = merge_documents([read_sbom(sbom, "device", validate=False)])

    def run(mutate: Mutator, work: Path) -> Path:
        folder = work / "nvd"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for n in range(mutate.rng.randint(1, 3)):
            record = mutate(mutate.rng.choice(seeds))
            (folder / f"CVE-{n}.json").write_text(json.dumps(record))
        importer.import_paths([folder], home=home)
        with open_current(home) as snapshot:  # type: ignore[union-attr]
            scan(inventory, matchers_for(snapshot), snapshot, snapshot=snapshot.hash, today=TODAY)
        return folder

    return run


def _device_sbom(records: list[Any]) -> dict[str, Any]:
    """Components carrying the CPE of every criterion of `records`, at a few versions."""
    components: list[dict[str, str]] = []
    for record in records:
        for configuration in record.get("configurations", ()):
            for node in configuration["nodes"]:
                for criterion in node["cpeMatch"]:
                    parts = criterion["criteria"].split(":")
                    for version in ("1.0", "1.1.3", "2.0", "-", "*"):
                        components.append(
                            {
                                "type": "firmware",
                                "bom-ref": f"c{len(components)}",
                                "name": parts[4],
                                "version": "1.0" if version in "-*" else version,
                                "cpe": ":".join([*parts[:5], version, *parts[6:]]),
                            }
                        )
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components[:300]}


def vex_target(data: Path, snapshot: Snapshot) -> Run:
    seeds = []
    for root in VEX_SEEDS:
        for path in sorted((data / root).rglob("*.json")):
            try:
                read_vex(path, path.name)
            except ChainreviewError:
                continue
            seeds.append(json.loads(path.read_text(encoding="utf-8")))
    sbom = (
        data / "guac-data-sboms/docs/cyclonedx/syft-cyclonedx-docker.io-library-python.latest.json"
    )
    inventory = merge_documents([read_sbom(sbom, "python", validate=False)])

    def run(mutate: Mutator, work: Path) -> Path:
        path = work / "vex.json"
        path.write_text(json.dumps(mutate(mutate.rng.choice(seeds))))
        statements = read_vex(path, "vex.json").statements
        matchers = matchers_for(snapshot)
        scan(
            inventory,
            matchers,
            snapshot,
            snapshot=snapshot.hash,
            vex_files=("vex.json",),
            statements=statements,
            today=TODAY,
        )
        return path

    return run


# --- the loop -----------------------------------------------------------------------------------


def fuzz(name: str, run: Run, seconds: float, rng: random.Random, out: Path, work: Path) -> int:
    """Run `run` on fresh inputs for `seconds`; print each distinct crash; return their count."""
    mutate = Mutator(rng)
    seen: set[tuple[str, str]] = set()
    runs = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs += 1
        try:
            run(mutate, work)
        except ChainreviewError:
            continue
        except Exception as exc:  # any other exception is what we look for
            _report(name, exc, seen, out, work)
    print(f"{name}: {runs:,} inputs in {seconds:.0f} s, {len(seen)} distinct crash(es)")
    return len(seen)


def _report(
    name: str, exc: BaseException, seen: set[tuple[str, str]], out: Path, work: Path
) -> None:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    key = (type(exc).__name__, where)
    if key in seen:
        return
    seen.add(key)
    kept = out / f"{name}-{len(seen)}"
    shutil.copytree(work, kept, dirs_exist_ok=True)
    print(f"\n{name}: {type(exc).__name__} at {where} (input kept in {kept})")
    print("".join(traceback.format_exception(exc))[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=["sbom", "sbom-text", "osv", "nvd", "vex"])
    parser.add_argument("--seconds", type=float, default=120, help="per target (default 120)")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--seed", type=int, help="random seed (default: from the clock)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-crashes"))
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    print(f"seed {seed}")
    crashes = 0
    with tempfile.TemporaryDirectory(prefix="chainreview-fuzz-") as folder:
        root = Path(folder)
        home = root / "home"
        (root / "nvd-home").mkdir()
        intel = ("pypa-advisory-database", "golang-vulndb", "alpine-secdb/alpine/v3.16", NVD_SEEDS)
        importer.import_paths([args.data / name for name in intel], home=home)
        with open_current(home) as snapshot:  # type: ignore[union-attr]
            targets: dict[str, Callable[[], Run]] = {
                "sbom": lambda: sbom_target(args.data, snapshot),
                "sbom-text": lambda: sbom_text_target(args.data),
                "osv": lambda: osv_target(args.data),
                "nvd": lambda: nvd_target(args.data, root / "nvd-home"),
                "vex": lambda: vex_target(args.data, snapshot),
            }
            for name in args.targets:
                if name not in targets:
                    parser.error(f"unknown target {name!r}; choose from {', '.join(targets)}")
                work = root / f"work-{name}"
                work.mkdir()
                crashes += fuzz(
                    name, targets[name](), args.seconds, random.Random(seed), args.out, work
                )
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
