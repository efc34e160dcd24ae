"""The re-review monitor across two real snapshots (tests/monitor_kit.py): the PyPA advisories
modified up to 2023-09-30, then every PyPA advisory and the CISA KEV catalogue, over the
hand-built inventory of `data/monitor/` (real PyPI packages at chosen versions).

What each product should be flagged for is worked out by hand from the advisory files, and the
facts that reasoning rests on are read from the files themselves in
`test_what_the_advisory_files_say` (with PyYAML, not chainreview):

* P-SPARK carries pyspark 3.2.1. PYSEC-2022-236 (CVE-2022-33891) affects 3.2.0 up to 3.2.2, and
  it and every other pyspark advisory were last modified before the cutoff: the finding is in
  both snapshots. CVE-2022-33891 is in the KEV catalogue, which only the second snapshot holds:
  `new-kev`. The record gives no CVSS and the snapshots no NVD record: severity `unknown`.
* P-LEDGER carries duckdb 0.9.2. PYSEC-2024-25 (CVE-2024-22682, modified 2024-02-06) affects
  everything below 0.9.3.dev6 and scores CVSS 3.1 9.8 (AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H):
  a new critical finding, `new-critical`.
* P-API carries werkzeug 3.0.0 and jinja2 2.10. PYSEC-2023-221 (CVE-2023-46136, modified
  2023-11-08) affects 3.0.0 up to 3.0.1, scored 7.5 (A:H only): high, `new-finding`. The jinja2
  advisories were all last modified in 2021 and none of their CVEs is in KEV: no change.
* P-PORTAL carries jinja2 2.10 and requests 2.19.0: no advisory of either changed, none of their
  CVEs is in KEV: not flagged, and neither package is re-matched.
* P-ARCHIVE carries duckdb 1.0.0, above 0.9.3.dev6: duckdb is re-matched (it changed), nothing
  found, not flagged.
* P-MAIL has no SBOM: not monitored, and said so.

So the packages re-matched in the second run are duckdb, pyspark and werkzeug (4 versions:
duckdb 0.9.2 and 1.0.0), and the flagged products, the most critical system first, then by id:
P-SPARK (Grid dispatch, critical), then P-API and P-LEDGER (both reach Payments, high).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chainreview import canonical
from chainreview.errors import InputError
from chainreview.intel.snapshot import open_current, pinned, snapshot_path
from chainreview.portfolio.deployments import Instance, index_deployments
from chainreview.portfolio.monitor import MonitorReport, Selection, run_monitor
from chainreview.portfolio.monitor_state import kept_results, open_state, read_state
from chainreview.portfolio.rematch import PackageWork, rematch
from chainreview.portfolio.sources import load_portfolio
from monitor_kit import (
    CUTOFF,
    INVENTORY,
    KEV,
    PYPA,
    advisory,
    import_first,
    import_second,
    modified_on,
)

FIRST_DAY, SECOND_DAY, THIRD_DAY = date(2027, 1, 10), date(2027, 1, 20), date(2027, 1, 21)

EXPECTED = [
    (
        "P-SPARK",
        ("SYS-GRID",),
        [("new-kev", "CVE-2022-33891", "pkg:pypi/pyspark@3.2.1", "unknown", "CVE-2022-33891")],
    ),
    (
        "P-API",
        ("SYS-PAY", "SYS-WEB"),
        [("new-finding", "CVE-2023-46136", "pkg:pypi/werkzeug@3.0.0", "high", None)],
    ),
    (
        "P-LEDGER",
        ("SYS-PAY",),
        [("new-critical", "CVE-2024-22682", "pkg:pypi/duckdb@0.9.2", "critical", None)],
    ),
]


def monitor(home: Path, day: date) -> MonitorReport:
    return monitor_on(home, INVENTORY, day)


def monitor_on(home: Path, inventory: Path, day: date) -> MonitorReport:
    portfolio = load_portfolio(inventory)
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot:
        return run_monitor(portfolio, snapshot, home=home, inventory=str(inventory), today=day)


def flags(report: MonitorReport) -> list[tuple[str, tuple[str, ...], list[tuple[object, ...]]]]:
    return [
        (
            f.product,
            f.systems,
            [(c.reason.value, c.subject, c.purl, c.severity, c.kev) for c in f.changes],
        )
        for f in report.flagged
    ]


def events(record: dict[str, Any]) -> list[dict[str, str]]:
    """The events of the record's ECOSYSTEM range (each of these has one affected package)."""
    (found,) = [r for r in record["affected"][0]["ranges"] if r["type"] == "ECOSYSTEM"]
    value: list[dict[str, str]] = found["events"]
    return value


def test_what_the_advisory_files_say(shared_data: Path) -> None:
    spark = advisory(shared_data, "pyspark", "PYSEC-2022-236")
    assert "CVE-2022-33891" in spark["aliases"]
    assert {"introduced": "3.2.0"} in events(spark)
    assert {"fixed": "3.2.2"} in events(spark)
    duck = advisory(shared_data, "duckdb", "PYSEC-2024-25")
    assert (duck["aliases"], modified_on(duck)) == (["CVE-2024-22682"], "2024-02-06")
    assert events(duck) == [
        {"introduced": "0"},
        {"fixed": "0.9.3.dev6"},
    ]
    assert duck["severity"][0]["score"] == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    werkzeug = advisory(shared_data, "werkzeug", "PYSEC-2023-221")
    assert modified_on(werkzeug) == "2023-11-08"
    assert werkzeug["severity"][0]["score"] == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    assert events(werkzeug)[2:] == [
        {"introduced": "3.0.0"},
        {"fixed": "3.0.1"},
    ]
    kev = {
        v["cveID"]
        for v in json.loads((shared_data / KEV).read_text(encoding="utf-8"))["vulnerabilities"]
    }
    changed = {}
    for package in ("pyspark", "duckdb", "werkzeug", "jinja2", "requests"):
        records = [
            advisory(shared_data, package, path.stem)
            for path in sorted((shared_data / "pypa-advisory-database/vulns" / package).iterdir())
        ]
        changed[package] = (
            sorted(r["id"] for r in records if modified_on(r) > CUTOFF),
            sorted(a for r in records for a in r.get("aliases") or () if a in kev),
        )
    assert changed == {
        "pyspark": ([], ["CVE-2022-33891"]),
        "duckdb": (["PYSEC-2024-25"], []),
        "werkzeug": (["PYSEC-2023-221"], []),
        "jinja2": ([], []),
        "requests": ([], []),
    }


def test_two_snapshots_flag_exactly_the_products_that_changed(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    home = tmp_path / "home"
    first = import_first(home, pypa_until_cutoff)
    baseline = monitor(home, FIRST_DAY)
    assert (baseline.selection, baseline.previous_snapshot, baseline.flagged) == (
        Selection.FIRST_RUN,
        None,
        (),
    )
    assert baseline.rematched == (
        "PyPI/duckdb",
        "PyPI/jinja2",
        "PyPI/pyspark",
        "PyPI/requests",
        "PyPI/werkzeug",
    )
    assert not baseline.needs_rereview
    second = import_second(home, shared_data)
    assert snapshot_path(home, first).is_file()  # pinned by the monitor through two imports
    report = monitor(home, SECOND_DAY)
    assert (report.selection, report.previous_snapshot, report.snapshot) == (
        Selection.CHANGED,
        first,
        second,
    )
    assert report.rematched == ("PyPI/duckdb", "PyPI/pyspark", "PyPI/werkzeug")
    assert report.instances_rematched == 4
    assert flags(report) == EXPECTED
    assert report.needs_rereview
    ledger = report.flagged[2]
    assert (ledger.case, ledger.recorded, ledger.note) == (
        "CR-2026-0001",
        None,
        "no case store given: not recorded on the case",
    )
    assert [(u.product, u.no_sbom, u.components) for u in report.unmonitored] == [
        ("P-API", False, 1),  # each SBOM's own product component has no purl
        ("P-ARCHIVE", False, 1),
        ("P-LEDGER", False, 1),
        ("P-MAIL", True, 0),
        ("P-PORTAL", False, 1),
        ("P-SPARK", False, 1),
    ]
    assert pinned(home) == {second}  # the monitor's pin moved on

    again = monitor(home, THIRD_DAY)
    assert (again.selection, again.rematched, again.flagged, again.needs_rereview) == (
        Selection.SAME_SNAPSHOT,
        (),
        (),
        False,
    )
    assert (again.previous_run, again.previous_snapshot) == (SECOND_DAY.isoformat(), second)


def test_the_incremental_results_are_a_full_rematch(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    """After the incremental run, every deployed instance's kept result is what matching the
    whole portfolio on the new snapshot gives; and the pure re-match gives the same per
    package whether the packages are matched together or one partition each."""
    home = tmp_path / "home"
    import_first(home, pypa_until_cutoff)
    monitor(home, FIRST_DAY)
    second = import_second(home, shared_data)
    monitor(home, SECOND_DAY)
    index = index_deployments(load_portfolio(INVENTORY))
    work = [PackageWork(package=k, instances=tuple(i)) for k, i in index.packages.items()]
    together = rematch(work, snapshot_path(home, second))
    apart = tuple(r for w in work for r in rematch([w], snapshot_path(home, second)))
    assert canonical.dumps(together) == canonical.dumps(apart)
    assert {r.package: r.instances for r in together} == kept_results(home)
    jinja = index.deployments("PyPI", "Jinja2")
    assert jinja is not None
    assert (jinja.products, jinja.systems) == (("P-API", "P-PORTAL"), ("SYS-PAY", "SYS-WEB"))
    assert jinja.instances == (
        (Instance(purl="pkg:pypi/jinja2@2.10", version="2.10"), ("P-API", "P-PORTAL")),
    )
    found = {r.package[1]: r.instances for r in together}
    assert [s.id for s in found["jinja2"][0].findings] == ["CVE-2019-10906", "CVE-2020-28493"]
    assert [r.findings for r in found["duckdb"]][1] == ()  # 1.0.0


def test_without_the_last_snapshot_everything_is_matched_again(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    """The last run's snapshot deleted by hand (its pin too): every package is re-matched, and
    the same products are flagged for the same reasons."""
    home = tmp_path / "home"
    first = import_first(home, pypa_until_cutoff)
    monitor(home, FIRST_DAY)
    import_second(home, shared_data)
    shutil.rmtree(home / "intel" / "pins")
    snapshot_path(home, first).unlink()
    report = monitor(home, SECOND_DAY)
    assert report.selection is Selection.PREVIOUS_GONE
    assert len(report.rematched) == 5
    assert flags(report) == EXPECTED


def test_an_advisory_whose_version_cannot_be_placed_flags_the_product(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    """duckdb's only advisory, PYSEC-2024-25, comes with the second snapshot; a product whose
    SBOM gives duckdb without a version cannot be said to be unaffected by it."""
    assert sorted(p.name for p in (shared_data / PYPA / "duckdb").iterdir()) == [
        "PYSEC-2024-25.yaml"
    ]
    (tmp_path / "sbom").mkdir()
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{"type": "library", "name": "duckdb", "purl": "pkg:pypi/duckdb"}],
    }
    (tmp_path / "sbom" / "box.cdx.json").write_text(json.dumps(bom), encoding="utf-8")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "schema_version: '1.0'\noperator: One Box Co.\n"
        "systems: [{id: S, name: Box, criticality: low, function: storage}]\n"
        "vendors: [{id: v, name: V, country: DE}]\n"
        "products: [{id: P-BOX, name: Box, vendor: v, sboms: [sbom/box.cdx.json], "
        "deployments: [{system: S, quantity: 1}]}]\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    import_first(home, pypa_until_cutoff)
    runs = []
    for day, load in ((FIRST_DAY, False), (SECOND_DAY, True)):
        if load:
            import_second(home, shared_data)
        snapshot = open_current(home)
        assert snapshot is not None
        with snapshot:
            runs.append(
                run_monitor(
                    load_portfolio(inventory), snapshot, home=home, inventory="i", today=day
                )
            )
    assert runs[0].flagged == ()
    (box,) = runs[1].flagged
    assert [(c.reason.value, c.subject, c.package) for c in box.changes] == [
        ("new-undetermined", "PYSEC-2024-25", "PyPI/duckdb")
    ]


def test_a_state_file_it_cannot_read_is_refused_in_one_line(tmp_path: Path) -> None:
    """The JSON state of an earlier chainreview, a file that is not SQLite and an SQLite file
    of another layout are each refused naming the file, by `read_state` and by a run."""
    earlier = tmp_path / "monitor" / "state.json"
    earlier.parent.mkdir()
    earlier.write_text('{"format": 1, "snapshot": "x"}', encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_state(tmp_path)
    assert str(refused.value) == (
        f"{earlier}: a monitor state of an earlier layout (format 1, not 2): delete it to "
        "start a new baseline"
    )
    earlier.unlink()
    state = tmp_path / "monitor" / "state.sqlite"
    state.write_bytes(b"not a database, but long enough to be read as one" * 20)
    for read in (read_state, lambda home: open_state(home).__enter__()):
        with pytest.raises(InputError) as refused:
            read(tmp_path)
        assert str(refused.value) == (
            f"{state}: not a monitor state this chainreview can read (file is not a "
            "database): delete it to start a new baseline"
        )
    state.unlink()
    with closing(sqlite3.connect(state)) as other:
        other.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        other.execute("INSERT INTO meta VALUES ('format', '3')")
        other.commit()
    with pytest.raises(InputError) as refused:
        read_state(tmp_path)
    assert str(refused.value) == (
        f"{state}: not a monitor state this chainreview can read (format '3', not 2): delete "
        "it to start a new baseline"
    )


def test_sbom_changes_are_a_baseline_not_a_flag(tmp_path: Path, pypa_until_cutoff: Path) -> None:
    """On the same snapshot, an SBOM moved to an affected version and a product added are
    listed, not flagged: the monitor watches advisories; only versions it never matched are
    matched (here pip 23.2, new to the portfolio)."""
    home = tmp_path / "home"
    import_first(home, pypa_until_cutoff)
    data = tmp_path / "inventory"
    shutil.copytree(INVENTORY.parent, data)
    monitor_on(home, data / "inventory.yaml", FIRST_DAY)
    archive = data / "sbom" / "archive.cdx.json"
    archive.write_text(
        archive.read_text(encoding="utf-8").replace("1.0.0", "0.9.2"), encoding="utf-8"
    )
    (data / "sbom" / "new.cdx.json").write_text(
        (data / "sbom" / "api.cdx.json")
        .read_text(encoding="utf-8")
        .replace("jinja2@2.10", "pip@23.2")
        .replace('"2.10"', '"23.2"')
        .replace('"jinja2"', '"pip"'),
        encoding="utf-8",
    )
    with (data / "inventory.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "  - {id: P-NEW, name: New box, vendor: acme, sboms: [sbom/new.cdx.json], "
            "deployments: [{system: SYS-WEB, quantity: 1}]}\n"
        )
    report = monitor_on(home, data / "inventory.yaml", SECOND_DAY)
    assert report.selection is Selection.SAME_SNAPSHOT
    assert (report.rematched, report.instances_rematched) == (("PyPI/pip",), 1)
    assert (report.flagged, report.added, report.sboms_changed) == ((), ("P-NEW",), ("P-ARCHIVE",))
    assert kept_results(home) == matched_whole(data / "inventory.yaml", home)

    # P-NEW dropped, P-ARCHIVE back at duckdb 1.0.0, which no product carried any more: pip
    # is forgotten, duckdb 1.0.0 matched as new.
    archive.write_text(
        archive.read_text(encoding="utf-8").replace("0.9.2", "1.0.0"), encoding="utf-8"
    )
    listed = (data / "inventory.yaml").read_text(encoding="utf-8")
    (data / "inventory.yaml").write_text(listed[: listed.index("  - {id: P-NEW")], encoding="utf-8")
    report = monitor_on(home, data / "inventory.yaml", THIRD_DAY)
    assert (report.rematched, report.instances_rematched) == (("PyPI/duckdb",), 1)
    assert (report.added, report.sboms_changed, report.removed) == ((), ("P-ARCHIVE",), ("P-NEW",))
    kept = kept_results(home)
    assert ("PyPI", "pip") not in kept
    assert [r.instance.version for r in kept["PyPI", "duckdb"]] == ["0.9.2", "1.0.0"]
    assert kept == matched_whole(data / "inventory.yaml", home)


def test_a_portfolio_built_in_memory_is_read_on_every_run(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    """Inventories without their SBOM files' digests (built in memory) cannot be told
    unchanged without reading them: every run reads their components, with the same flags."""
    portfolio = load_portfolio(INVENTORY)
    bare = replace(
        portfolio,
        products=tuple(
            p if p.inventory is None else replace(p, inventory=replace(p.inventory, documents=()))
            for p in portfolio.products
        ),
    )
    home = tmp_path / "home"
    import_first(home, pypa_until_cutoff)
    reports = []
    for day in (FIRST_DAY, SECOND_DAY):
        if day == SECOND_DAY:
            import_second(home, shared_data)
        snapshot = open_current(home)
        assert snapshot is not None
        with snapshot:
            reports.append(run_monitor(bare, snapshot, home=home, inventory="bare", today=day))
    assert reports[1].rematched == ("PyPI/duckdb", "PyPI/pyspark", "PyPI/werkzeug")
    assert flags(reports[1]) == EXPECTED
    assert (reports[1].added, reports[1].sboms_changed) == ((), ())
    assert kept_results(home) == matched_whole(INVENTORY, home)


def matched_whole(inventory: Path, home: Path) -> dict[tuple[str, str], tuple[object, ...]]:
    """Every package of the inventory matched whole on the current snapshot."""
    index = index_deployments(load_portfolio(inventory))
    work = [PackageWork(package=k, instances=tuple(i)) for k, i in index.packages.items()]
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot:
        return {r.package: r.instances for r in rematch(work, snapshot.path)}


def test_a_group_joined_two_hops_away_is_rematched(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    """numexpr's PYSEC-2023-163 (CVE-2023-39631) is in both snapshots; langchain's
    PYSEC-2023-162, new in the second, names the same CVE: numexpr 1.3.1's finding gains
    PYSEC-2023-162 among its aliases, two hops from the changed record. numexpr is re-matched,
    and the kept results are a full re-match's."""
    numexpr = advisory(shared_data, "numexpr", "PYSEC-2023-163")
    langchain = advisory(shared_data, "langchain", "PYSEC-2023-162")
    assert (numexpr["aliases"], langchain["aliases"]) == (["CVE-2023-39631"], ["CVE-2023-39631"])
    assert modified_on(numexpr) <= CUTOFF < modified_on(langchain)
    assert "1.3.1" in numexpr["affected"][0]["versions"]
    (tmp_path / "sbom").mkdir()
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {
                "type": "library",
                "name": "numexpr",
                "version": "1.3.1",
                "purl": "pkg:pypi/numexpr@1.3.1",
            }
        ],
    }
    (tmp_path / "sbom" / "calc.cdx.json").write_text(json.dumps(bom), encoding="utf-8")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "schema_version: '1.0'\noperator: Calc Co.\n"
        "systems: [{id: S, name: Calc, criticality: low, function: maths}]\n"
        "vendors: [{id: v, name: V, country: DE}]\n"
        "products: [{id: P-CALC, name: Calc, vendor: v, sboms: [sbom/calc.cdx.json], "
        "deployments: [{system: S, quantity: 1}]}]\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    import_first(home, pypa_until_cutoff)
    monitor_on(home, inventory, FIRST_DAY)
    import_second(home, shared_data)
    report = monitor_on(home, inventory, SECOND_DAY)
    assert report.rematched == ("PyPI/numexpr",)
    kept = kept_results(home)
    assert [s.aliases for s in kept["PyPI", "numexpr"][0].findings] == [
        ("CVE-2023-39631", "PYSEC-2023-162", "PYSEC-2023-163")
    ]
    assert kept == matched_whole(inventory, home)
