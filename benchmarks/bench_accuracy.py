"""Accuracy: chainreview's findings on real SBOMs against an independent range walk and trivy.

    python benchmarks/bench_accuracy.py [--quick] [--data ../shared/data] [--sbom FILE …]

For the Apache Airflow 2.8.0 SBOM (CycloneDX 1.5, PyPI + npm) and kube-apiserver v1.25.2 (SPDX,
Go), compares the (component, vulnerability) sets of `chainreview scan` (whole process, a
temporary CHAINREVIEW_HOME holding the PyPA and Go advisories), trivy 0.59.1 offline with
databases built from the same advisories (`shared/tools/peer-trivy/setup.sh`), and the
independent OSV range walk of `_common.py` (raw advisory files, `packaging` for PEP 440, a small
SemVer comparator for Go; nothing imported from the matcher). Vulnerabilities are compared by
alias group, built from the OSV records' own `aliases`. Prints precision and recall of
chainreview with the walk, then trivy, as the reference, and every difference with an
explanation category (`--quick`: the first 20 of each list). Exits 0 whatever it finds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Final

from _common import (
    PEERS,
    SHARED_DATA,
    Advisories,
    Comparison,
    ComponentKey,
    WalkResult,
    chainreview_command,
    chainreview_findings,
    chainreview_home,
    load_advisories,
    print_differences,
    run_measured,
    sbom_components,
    trivy_available,
    trivy_command,
    trivy_findings,
    trivy_version,
    verdict,
    walk_components,
)

SBOMS: Final = (
    (
        "Apache Airflow 2.8.0 (CycloneDX 1.5)",
        "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json",
    ),
    (
        "kube-apiserver v1.25.2 (SPDX 2.2)",
        "guac-data-sboms/docs/spdx/syft-spdx-k8s.gcr.io-kube-apiserver.v1.25.2.json",
    ),
)


def report_comparison(
    title: str,
    comparison: Comparison,
    advisories: Advisories,
    walk: WalkResult,
    names: dict[ComponentKey, str],
    show: int | None,
) -> None:
    """Print precision/recall of one comparison and its differences."""
    print(
        f"  {title}: {len(comparison.common)} agree, precision {comparison.precision:.3f}, "
        f"recall {comparison.recall:.3f}"
    )
    if comparison.extra:
        print_differences(
            "only chainreview",
            comparison.extra,
            advisories,
            show=show,
            walk=walk,
            component_names=names,
        )
    if comparison.missing:
        print_differences(
            "only the reference",
            comparison.missing,
            advisories,
            show=show,
            walk=walk,
            component_names=names,
        )


def bench_sbom(
    label: str, path: Path, advisories: Advisories, peers: Path, show: int | None
) -> bool:
    """Compare the three finding sets of one SBOM; True when chainreview equals the walk."""
    names = sbom_components(path)
    ecosystems = sorted({ecosystem for ecosystem, _, _ in names})
    print(f"\n== {label}: {len(names)} distinct PyPI/Go components ({', '.join(ecosystems)})")
    scanned = run_measured(chainreview_command(path))
    ours = chainreview_findings(json.loads(scanned.stdout), advisories.aliases)
    walk = walk_components(names, advisories)
    print(
        f"  chainreview: {len(ours.findings)} findings, {len(ours.undecidable)} indeterminate "
        f"(component, advisory) pairs, {ours.unkeyed} findings without a PyPI/Go purl"
    )
    print(
        f"  independent walk: {len(walk.findings)} findings, "
        f"{len(walk.undecidable)} undecidable pairs"
    )
    exact = ours.findings == walk.findings
    report_comparison(
        "chainreview vs walk (reference)",
        Comparison(frozenset(ours.findings), frozenset(walk.findings)),
        advisories,
        walk,
        names,
        show,
    )
    if walk.undecidable - ours.undecidable:
        print(f"  walk undecidable, chainreview not: {sorted(walk.undecidable - ours.undecidable)}")
    if trivy_available(peers):
        reports = [
            json.loads(run_measured(trivy_command(ecosystem, path, peers)).stdout)
            for ecosystem in ecosystems
        ]
        theirs = trivy_findings(reports, advisories.aliases)
        print(f"  trivy: {len(theirs.findings)} findings")
        report_comparison(
            "chainreview vs trivy (reference)",
            Comparison(frozenset(ours.findings), frozenset(theirs.findings)),
            advisories,
            walk,
            names,
            show,
        )
        walk_vs_trivy = Comparison(frozenset(walk.findings), frozenset(theirs.findings))
        print(
            f"  (walk vs trivy: precision {walk_vs_trivy.precision:.3f}, "
            f"recall {walk_vs_trivy.recall:.3f})"
        )
    else:
        print(f"  trivy: not set up in {peers} (run shared/tools/peer-trivy/setup.sh)")
    print(f"  target: chainreview = independent walk: {verdict(exact)}")
    return exact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--peers", type=Path, default=PEERS)
    parser.add_argument("--quick", action="store_true", help="list only 20 differences per list")
    parser.add_argument(
        "--sbom",
        type=Path,
        action="append",
        help="compare this CycloneDX or SPDX JSON file instead of the two above (repeatable; "
        "its PyPI and Go components are compared)",
    )
    args = parser.parse_args()
    show = 20 if args.quick else None
    advisories = load_advisories(args.data)
    print(f"raw advisories read: {len(advisories.records):,} records")
    if trivy_available(args.peers):
        print(f"peer: {trivy_version(args.peers)} from {args.peers}")
    with chainreview_home(args.data):
        chosen = [(str(path), path) for path in args.sbom or ()]
        for label, path in chosen or [(label, args.data / rel) for label, rel in SBOMS]:
            bench_sbom(label, path, advisories, args.peers, show)


if __name__ == "__main__":
    main()
