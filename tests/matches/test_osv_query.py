"""OSV queries answered from the bundled snapshot (`matches.osv_query`): the advisories worked
out by hand from the PyPA records (ranges and lists read in the YAML files), the lists of every
PyPA record of a few packages as an independent oracle, pages and their tokens, the batch
budget, and every query osv.dev refuses or the snapshot cannot answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chainreview.errors import NotFound
from chainreview.intel.snapshot import Snapshot
from chainreview.matches.osv_query import (
    BATCH_PAGE,
    MAX_QUERIES,
    PAGE,
    BadQuery,
    NoSnapshot,
    Query,
    modified,
    open_snapshot,
    query,
    query_batch,
    vulnerability,
)

PYPA = "pypa-advisory-database/vulns"


@pytest.fixture(scope="module")
def snapshot(bundled_home: Path) -> Iterator[Snapshot]:
    with open_snapshot(bundled_home) as opened:
        yield opened


def ids(snapshot: Snapshot, asked: Query) -> tuple[str, ...]:
    answer = query(snapshot, asked)
    assert answer.next_page_token is None and answer.undetermined == ()
    return answer.ids


def test_versions_get_the_advisories_worked_out_by_hand(snapshot: Snapshot) -> None:
    # requests: PYSEC-2014-13/-14 fixed 2.3.0, PYSEC-2015-17 2.1.0..2.6.0, PYSEC-2018-28 <2.20.0,
    # PYSEC-2023-74 2.3.0..2.31.0
    assert ids(snapshot, Query(ecosystem="PyPI", name="requests", version="2.19.1")) == (
        "PYSEC-2018-28",
        "PYSEC-2023-74",
    )
    assert ids(snapshot, Query(ecosystem="PyPI", name="requests", version="2.31.0")) == ()
    assert ids(snapshot, Query(ecosystem="PyPI", name="requests", version="2.2.1")) == (
        "PYSEC-2014-13",
        "PYSEC-2014-14",
        "PYSEC-2015-17",
        "PYSEC-2018-28",
    )
    # flask: PYSEC-2018-66 <0.12.3, PYSEC-2019-179 <1.0, PYSEC-2023-62 <2.2.5 and 2.3.0..2.3.2
    flask = ("PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62")
    assert ids(snapshot, Query(purl="pkg:pypi/flask@0.12.2")) == flask
    assert ids(snapshot, Query(purl="pkg:pypi/Flask", version="0.12.2")) == flask
    assert ids(snapshot, Query(ecosystem="PyPI", name="Flask", version="2.3.1")) == (
        "PYSEC-2023-62",
    )
    assert ids(snapshot, Query(ecosystem="PyPI", name="flask", version="2.2.5")) == ()
    # PyYAML, by name alone (every ecosystem held): PYSEC-2020-96 5.1..5.3.1, PYSEC-2021-142 <5.4
    assert ids(snapshot, Query(name="PyYAML", version="5.3")) == (
        "PYSEC-2020-96",
        "PYSEC-2021-142",
    )


def test_a_package_without_a_version_gets_every_live_advisory(
    snapshot: Snapshot, shared_data: Path
) -> None:
    listed = sorted(p.stem for p in (shared_data / PYPA / "requests").glob("*.yaml"))
    assert ids(snapshot, Query(ecosystem="PyPI", name="requests")) == tuple(listed)
    assert len(listed) == 5
    # dirs' only advisory, RUSTSEC-2020-0053, is withdrawn: neither listed nor matched ...
    assert ids(snapshot, Query(ecosystem="crates.io", name="dirs")) == ()
    assert ids(snapshot, Query(purl="pkg:cargo/dirs@1.0.0")) == ()
    # ... but its record is still served, as osv.dev serves withdrawn records
    record = vulnerability(snapshot, "RUSTSEC-2020-0053")
    assert record["withdrawn"] == "2021-04-19T12:00:00Z"


@pytest.mark.parametrize("package", ["requests", "flask", "jinja2", "pyyaml", "urllib3"])
def test_every_version_a_pypa_record_lists_gets_that_record(
    snapshot: Snapshot, shared_data: Path, package: str
) -> None:
    expected: dict[str, set[str]] = {}
    for path in (shared_data / PYPA / package).glob("*.yaml"):
        record = yaml.safe_load(path.read_text())
        for affected in record["affected"]:
            for version in affected.get("versions") or ():
                expected.setdefault(str(version), set()).add(record["id"])
    assert expected
    for version, wanted in expected.items():
        found = set(ids(snapshot, Query(ecosystem="PyPI", name=package, version=version)))
        assert wanted <= found, (version, wanted - found)


def test_a_version_no_advisory_can_place_is_undetermined_not_clean(snapshot: Snapshot) -> None:
    answer = query(snapshot, Query(ecosystem="PyPI", name="flask", version="not a version!"))
    assert answer.ids == ()
    [undecided] = answer.undetermined
    assert undecided.ids == ("PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62")
    assert "does not parse" in undecided.reason


def test_pages_follow_their_tokens_and_nothing_else(snapshot: Snapshot) -> None:
    asked = Query(ecosystem="Go", name="stdlib", version="1.16.0")
    whole = query(snapshot, asked)
    assert whole.next_page_token is None and len(whole.ids) > 100
    pages: list[str] = []
    token = None
    while True:
        answer = query(snapshot, Query(**{**_fields(asked), "page_token": token}), page=40)
        pages += answer.ids
        token = answer.next_page_token
        if token is None:
            break
    assert tuple(pages) == whole.ids
    first = query(snapshot, asked, page=40)
    assert first.next_page_token is not None
    other = Query(ecosystem="Go", name="stdlib", version="1.17.0", page_token=first.next_page_token)
    for wrong in (other, Query(**{**_fields(asked), "page_token": "40.0000"})):
        with pytest.raises(BadQuery, match="page_token: not a page of this query"):
            query(snapshot, wrong)


def test_a_batch_keeps_to_its_budget_and_its_order(snapshot: Snapshot) -> None:
    stdlib = Query(ecosystem="Go", name="stdlib", version="1.16.0")
    each = len(query(snapshot, stdlib).ids)
    assert each < PAGE
    full = BATCH_PAGE // each  # queries answered whole before the budget runs out
    requests = Query(ecosystem="PyPI", name="requests", version="2.19.1")
    flask = Query(ecosystem="PyPI", name="flask")
    answers = query_batch(snapshot, [requests] + [stdlib] * (full + 1) + [flask])
    assert len(answers) == full + 3
    assert answers[0].ids == ("PYSEC-2018-28", "PYSEC-2023-74")
    assert all(a.ids == answers[1].ids and a.next_page_token is None for a in answers[1 : full + 1])
    cut = answers[full + 1]
    assert len(cut.ids) == BATCH_PAGE - 2 - full * each
    assert cut.next_page_token is not None
    rest = query(snapshot, Query(**{**_fields(stdlib), "page_token": cut.next_page_token}))
    assert cut.ids + rest.ids == answers[1].ids
    # past the budget: no ids, and the token of the query's first page
    last = answers[-1]
    assert last.ids == () and last.next_page_token is not None
    assert last.next_page_token.startswith("0.")
    assert query(snapshot, Query(**{**_fields(flask), "page_token": last.next_page_token})).ids
    assert modified(snapshot, ["PYSEC-2018-28"]) == [
        ("PYSEC-2018-28", "2021-06-16T00:03:24.800813Z")
    ]


def _fields(asked: Query) -> dict[str, str | None]:
    return {
        "ecosystem": asked.ecosystem,
        "name": asked.name,
        "purl": asked.purl,
        "version": asked.version,
        "commit": asked.commit,
    }


@pytest.mark.parametrize(
    ("asked", "problem"),
    [
        (Query(commit="6879efc2c1596d11a6a6ad296f80063b558d5e0f"), "queries by commit"),
        (Query(commit="6879efc", version="1.0"), "a commit and a version"),
        (Query(ecosystem="GIT", name="https://github.com/curl/curl.git"), "GIT tags"),
        (Query(purl="pkg:pypi/flask", name="flask"), "a purl and a name or ecosystem"),
        (Query(purl="pkg:pypi/flask@1.0", version="1.0"), "a versioned purl and a version"),
        (Query(purl="pkg:generic/openssl@3.0.0"), "the type 'generic' has no OSV ecosystem"),
        (Query(purl="not a purl"), "purl: "),
        (Query(ecosystem="PyPI"), "an ecosystem without a name"),
        (Query(version="1.0"), "no package"),
        (Query(), "no package"),
        (Query(ecosystem="npm", name="lodash", version="4.17.20"), "holds no npm advisories"),
        (Query(purl="pkg:npm/lodash@4.17.20"), "holds no npm advisories"),
        (Query(ecosystem="pypi", name="flask", version="1.0"), "holds no pypi advisories"),
    ],
)
def test_what_osv_refuses_or_the_snapshot_cannot_answer_is_refused(
    snapshot: Snapshot, asked: Query, problem: str
) -> None:
    with pytest.raises(BadQuery, match=f"^query: .*{re.escape(problem)}"):
        query(snapshot, asked)
    with pytest.raises(BadQuery, match=f"^queries\\[1\\]: .*{re.escape(problem)}"):
        query_batch(snapshot, [Query(ecosystem="PyPI", name="flask"), asked])


def test_a_batch_past_the_limit_an_unknown_id_and_no_snapshot_are_refused(
    snapshot: Snapshot, tmp_path: Path
) -> None:
    with pytest.raises(BadQuery, match=f"at most {MAX_QUERIES}"):
        query_batch(snapshot, [Query(ecosystem="PyPI", name="flask")] * (MAX_QUERIES + 1))
    with pytest.raises(NotFound, match="no vulnerability CVE-2018-18074"):
        vulnerability(snapshot, "CVE-2018-18074")  # an alias of PYSEC-2018-28: not followed
    with pytest.raises(NoSnapshot):
        open_snapshot(tmp_path)
