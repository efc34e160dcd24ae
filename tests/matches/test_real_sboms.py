"""Pinned matches on real SBOMs against the real PyPA, Go and RustSec corpora.

Every row was checked by reading the advisory record in ../shared/data (the id, the component
version, and the event that decides it); the comment gives the record's own words or ranges.
Alpine and Debian images (guac-data-sboms, osv-scanner-fixtures) have no OSV records in the
shared data; they are matched by the distro matcher, not here.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from chainreview.evidence.sbom import read_sbom
from chainreview.intel.interface import FeedKind
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.local import LocalMatcher, lookup_key
from chainreview.matches.model import Indeterminate, Match

AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"
KUBE = "guac-data-sboms/docs/spdx/syft-spdx-k8s.gcr.io-kube-apiserver.v1.25.2.json"
RUST = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"

# (sbom, component name, component version, advisory id, deciding evidence)
FINDINGS = [
    # PYSEC-2024-52: "Authlib before 1.3.1"; 1.2.1 is in `versions`, range introduced 0, fixed 1.3.1
    (AIRFLOW, "Authlib", "1.2.1", "PYSEC-2024-52", "versions: 1.2.1"),
    # PYSEC-2023-221 (CVE-2023-46136): ECOSYSTEM introduced 0, fixed 2.3.8; 2.2.3 listed
    (AIRFLOW, "Werkzeug", "2.2.3", "PYSEC-2023-221", "versions: 2.2.3"),
    # PYSEC-2024-24 (CVE-2024-23334): introduced 1.0.5, fixed 3.9.2; 3.9.1 listed
    (AIRFLOW, "aiohttp", "3.9.1", "PYSEC-2024-24", "versions: 3.9.1"),
    # PYSEC-2024-26 (CVE-2024-23829): introduced 0, fixed 3.9.2; 3.9.1 listed
    (AIRFLOW, "aiohttp", "3.9.1", "PYSEC-2024-26", "versions: 3.9.1"),
    # PYSEC-2024-60 (CVE-2024-3651): introduced 0.1, fixed 3.7; 3.6 listed
    (AIRFLOW, "idna", "3.6", "PYSEC-2024-60", "versions: 3.6"),
    # GO-2022-1144 (CVE-2022-41717) golang.org/x/net: introduced 0, fixed 0.4.0
    (KUBE, "golang.org/x/net", None, "GO-2022-1144", "ranges[0] SEMVER introduced 0, fixed 0.4.0"),
    # GO-2023-1571 (CVE-2022-41723): introduced 0, fixed 0.7.0
    (KUBE, "golang.org/x/net", None, "GO-2023-1571", "ranges[0] SEMVER introduced 0, fixed 0.7.0"),
    # GO-2022-0969: fixed at pseudo-version 0.0.0-20220906165146-…; ours is 20220722155237
    (
        KUBE,
        "golang.org/x/net",
        None,
        "GO-2022-0969",
        "ranges[0] SEMVER introduced 0, fixed 0.0.0-20220906165146-f3363e06e74c",
    ),
    # GO-2023-1495: introduced at pseudo-version 20220524220425, ours (20220722155237) is after
    (
        KUBE,
        "golang.org/x/net",
        None,
        "GO-2023-1495",
        "ranges[0] SEMVER introduced 0.0.0-20220524220425-1d687d428aca, "
        "fixed 0.1.1-0.20221104162952-702349b0e862",
    ),
    # GO-2022-1059 (CVE-2022-32149) golang.org/x/text: introduced 0, fixed 0.3.8; ours 0.3.7
    (
        KUBE,
        "golang.org/x/text",
        "v0.3.7",
        "GO-2022-1059",
        "ranges[0] SEMVER introduced 0, fixed 0.3.8",
    ),
    # GO-2024-3250 (CVE-2024-51744) jwt/v4: introduced 0, fixed 4.5.1; ours 4.2.0
    (
        KUBE,
        "github.com/golang-jwt/jwt/v4",
        "v4.2.0",
        "GO-2024-3250",
        "ranges[0] SEMVER introduced 0, fixed 4.5.1",
    ),
    # GO-2022-0646 (CVE-2020-8911) aws-sdk-go S3 crypto: introduced 0 and no fix at all
    (
        KUBE,
        "github.com/aws/aws-sdk-go",
        "v1.38.49",
        "GO-2022-0646",
        "ranges[0] SEMVER introduced 0",
    ),
    # GO-2022-0635 (CVE-2020-8912): introduced 0, no fix
    (
        KUBE,
        "github.com/aws/aws-sdk-go",
        "v1.38.49",
        "GO-2022-0635",
        "ranges[0] SEMVER introduced 0",
    ),
    # GO-2023-2153 (CVE-2023-44487 family) grpc: introduced 0, fixed 1.56.3; ours 1.47.0
    (
        KUBE,
        "google.golang.org/grpc",
        "v1.47.0",
        "GO-2023-2153",
        "ranges[0] SEMVER introduced 0, fixed 1.56.3",
    ),
    # GO-2024-2611 protobuf: introduced 0, fixed 1.33.0; ours 1.28.0
    (
        KUBE,
        "google.golang.org/protobuf",
        "v1.28.0",
        "GO-2024-2611",
        "ranges[0] SEMVER introduced 0, fixed 1.33.0",
    ),
    # RUSTSEC-2021-0020 hyper: third interval introduced 0.14.0-0, fixed 0.14.3; "0.14" = 0.14.0
    (
        RUST,
        "hyper",
        "0.14",
        "RUSTSEC-2021-0020",
        "ranges[0] SEMVER introduced 0.14.0-0, fixed 0.14.3",
    ),
    # RUSTSEC-2021-0078 / -0079 / 2022-0022 hyper: introduced 0.0.0-0, fixed 0.14.10 / 0.14.12
    (
        RUST,
        "hyper",
        "0.14",
        "RUSTSEC-2021-0078",
        "ranges[0] SEMVER introduced 0.0.0-0, fixed 0.14.10",
    ),
    (
        RUST,
        "hyper",
        "0.14",
        "RUSTSEC-2021-0079",
        "ranges[0] SEMVER introduced 0.0.0-0, fixed 0.14.10",
    ),
    (
        RUST,
        "hyper",
        "0.14",
        "RUSTSEC-2022-0022",
        "ranges[0] SEMVER introduced 0.0.0-0, fixed 0.14.12",
    ),
    # RUSTSEC-2023-0001 tokio: intervals [1.7.0,1.18.4) [1.19.0,1.20.3) [1.21.0,1.23.1); ours 1.19.2
    (
        RUST,
        "tokio",
        "1.19.2",
        "RUSTSEC-2023-0001",
        "ranges[0] SEMVER introduced 1.19.0, fixed 1.20.3",
    ),
    # RUSTSEC-2023-0005 tokio: [1.19.0, 1.20.4)
    (
        RUST,
        "tokio",
        "1.19.2",
        "RUSTSEC-2023-0005",
        "ranges[0] SEMVER introduced 1.19.0, fixed 1.20.4",
    ),
    # RUSTSEC-2025-0023 tokio: [0.2.5, 1.38.2)
    (
        RUST,
        "tokio",
        "1.19.2",
        "RUSTSEC-2025-0023",
        "ranges[0] SEMVER introduced 0.2.5, fixed 1.38.2",
    ),
]

# (sbom, component name, advisory id, why it does not match)
NON_FINDINGS = [
    # PYSEC-2023-62 flask: introduced 0, fixed 2.2.5 — fixed is exclusive, ours is 2.2.5
    (AIRFLOW, "Flask", "PYSEC-2023-62", "ranges[1] ECOSYSTEM fixed 2.2.5"),
    # PYSEC-2023-74 requests: introduced 2.3.0, fixed 2.31.0; ours is 2.31.0
    (AIRFLOW, "requests", "PYSEC-2023-74", "ranges[1] ECOSYSTEM fixed 2.31.0"),
    # PYSEC-2023-212 urllib3: events listed out of order (2.0.0, 2.0.7, 0, 1.26.18); ours 2.0.7
    (AIRFLOW, "urllib3", "PYSEC-2023-212", "ranges[1] ECOSYSTEM fixed 2.0.7"),
    # PYSEC-2023-254 cryptography: introduced 3.1, fixed 41.0.6; ours 41.0.7
    (AIRFLOW, "cryptography", "PYSEC-2023-254", "ranges[1] ECOSYSTEM fixed 41.0.6"),
    # PYSEC-2023-57 werkzeug: fixed 2.2.3; ours 2.2.3
    (AIRFLOW, "Werkzeug", "PYSEC-2023-57", "ranges[1] ECOSYSTEM fixed 2.2.3"),
    # withdrawn 2023-07-25 (introduced 1.0.0, no fix): would match 2.1.0 if not skipped
    (AIRFLOW, "Flask-Caching", "PYSEC-2021-13", "withdrawn"),
    # withdrawn 2023-11-08 (introduced 0, no fix)
    (AIRFLOW, "aiohttp", "PYSEC-2022-43059", "withdrawn"),
    # GO-2021-0113 x/text: fixed 0.3.7; ours v0.3.7
    (KUBE, "golang.org/x/text", "GO-2021-0113", "ranges[0] SEMVER fixed 0.3.7"),
    # GO-2022-0619 go-restful/v3: introduced 3.0.0, fixed 3.8.0; ours v3.8.0
    (KUBE, "github.com/emicklei/go-restful/v3", "GO-2022-0619", "ranges[0] SEMVER fixed 3.8.0"),
    # GO-2021-0053 gogo/protobuf: fixed 1.3.2; ours v1.3.2
    (KUBE, "github.com/gogo/protobuf", "GO-2021-0053", "ranges[0] SEMVER fixed 1.3.2"),
    # GO-2022-0603 yaml.v3: fixed 3.0.0-20220521103104-…; ours v3.0.1 is above the pseudo-version
    (
        KUBE,
        "gopkg.in/yaml.v3",
        "GO-2022-0603",
        "ranges[0] SEMVER fixed 3.0.0-20220521103104-8f96da9f5d5e",
    ),
    # GO-2026-4559 x/net: introduced 0.50.0; ours (a 0.0.0 pseudo-version) is below it
    (KUBE, "golang.org/x/net", "GO-2026-4559", "ranges[0] SEMVER introduced 0.50.0"),
    # RUSTSEC-2021-0124 tokio: [0.1.14, 1.8.4) and [1.9.0, 1.13.1); ours 1.19.2
    (RUST, "tokio", "RUSTSEC-2021-0124", "ranges[0] SEMVER fixed 1.13.1"),
    # RUSTSEC-2020-0008 hyper: fixed 0.12.34; ours 0.14
    (RUST, "hyper", "RUSTSEC-2020-0008", "ranges[0] SEMVER fixed 0.12.34"),
]


@pytest.fixture(scope="module")
def snapshot(scan_home: Path) -> Snapshot:
    opened = open_current(scan_home)
    assert opened is not None
    return opened


@pytest.fixture(scope="module")
def matched(
    snapshot: Snapshot, shared_data: Path
) -> dict[str, dict[tuple[str, str], Match | Indeterminate]]:
    """Per SBOM: (component name, advisory id) → match."""
    out: dict[str, dict[tuple[str, str], Match | Indeterminate]] = defaultdict(dict)
    for sbom in (AIRFLOW, KUBE, RUST):
        document = read_sbom(shared_data / sbom, sbom, validate=False)
        names = {c.ref: c.name for c in document.components}
        for result in LocalMatcher(snapshot).match_all(document.components):
            assert isinstance(result, Match), result  # no indeterminate in these three
            out[sbom][(names[result.component], result.advisory_id)] = result
    return out


@pytest.mark.parametrize(("sbom", "name", "version", "advisory", "decision"), FINDINGS)
def test_pinned_finding(
    matched: dict[str, dict[tuple[str, str], Match | Indeterminate]],
    sbom: str,
    name: str,
    version: str | None,
    advisory: str,
    decision: str,
) -> None:
    match = matched[sbom][(name, advisory)]
    assert isinstance(match, Match)
    assert match.decision.describe() == decision
    if version is not None:
        assert match.version == version


@pytest.mark.parametrize(("sbom", "name", "advisory", "why"), NON_FINDINGS)
def test_pinned_non_finding(
    matched: dict[str, dict[tuple[str, str], Match | Indeterminate]],
    snapshot: Snapshot,
    shared_data: Path,
    sbom: str,
    name: str,
    advisory: str,
    why: str,
) -> None:
    assert (name, advisory) not in matched[sbom]
    document = read_sbom(shared_data / sbom, sbom, validate=False)
    (component,) = [c for c in document.components if c.name == name]
    key = lookup_key(component)
    assert key is not None
    rows = [r for r in snapshot.advisories_for(*key) if r.advisory_id == advisory]
    assert rows, "the advisory names the package, so not matching is a decision"
    if why == "withdrawn":
        assert all(r.withdrawn for r in rows)
        assert snapshot.record(FeedKind.OSV, advisory)["withdrawn"]
        return
    from chainreview.matches.ranges import Status, compile_affected

    verdicts = [
        compile_affected(r.affected, key[0]).evaluate(component.version or "") for r in rows
    ]
    assert [v.status for v in verdicts] == [Status.NOT_AFFECTED] * len(rows)
    assert verdicts[0].decision.describe() == why


def test_match_counts(matched: dict[str, dict[tuple[str, str], Match | Indeterminate]]) -> None:
    # Airflow: the five above (1,554 npm components have no advisories in the corpora)
    assert len(matched[AIRFLOW]) == 5
    assert len(matched[RUST]) == 7
    assert len(matched[KUBE]) == 85
