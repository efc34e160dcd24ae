"""OSV's query API answered from the local intel snapshot, so OSV clients (pip-audit's
`--osv-url`, osv-scanner, …) can use an air-gapped chainreview as their vulnerability service.

A query names a package (ecosystem and name, a purl, or a name alone: every ecosystem the
snapshot holds) and a version, as osv.dev's `POST /v1/query` takes them; it is answered by the
scan's own matcher (`LocalMatcher`: the same package index, version orders and range rules, a
purl's version chosen by the same `basis`), withdrawn advisories left out. A package without a
version gets every live advisory of the package, as osv.dev gives. What osv.dev refuses with 400
is refused here too (`BadQuery`), and so is what the snapshot cannot answer: a commit (or a
`GIT` tag) needs the repositories' histories, which a snapshot does not hold; an ecosystem the
snapshot holds no advisory of would only ever answer "nothing", which is not known.

The answer is the sorted ids of the advisories that affect the version, a page of `PAGE` at a
time (osv.dev's size) with a token for the next, and the advisories that could not decide it
(`Undetermined`: a version or range that does not parse), which an OSV answer has no field
for. A page token is bound to its query and to the snapshot: after an import it is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from chainreview.components.model import Component
from chainreview.components.purl import InvalidPurl, osv_ecosystem, osv_package_name, parse_purl
from chainreview.errors import ChainreviewError, InputError, NotFound
from chainreview.intel.interface import FeedKind
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.local import LocalMatcher
from chainreview.matches.model import Indeterminate, Match, MatchResult

__all__ = [
    "BATCH_PAGE",
    "MAX_QUERIES",
    "PAGE",
    "Answer",
    "BadQuery",
    "NoSnapshot",
    "Query",
    "Undetermined",
    "modified",
    "open_snapshot",
    "query",
    "query_batch",
    "records",
    "vulnerability",
]

PAGE: Final = 1000
"""Vulnerabilities per query answer, and per query of a batch (osv.dev's page)."""
BATCH_PAGE: Final = 3000
"""Vulnerabilities per batch answer, all its queries together (osv.dev's)."""
MAX_QUERIES: Final = 1000
"""Queries per batch (osv.dev refuses more)."""
_TOKEN_DIGEST: Final = 24
"""Hex digits of the query's digest a page token carries."""


class BadQuery(InputError):
    """A query osv.dev would refuse, or one the snapshot cannot answer; names the query
    (`query`, `queries[3]`) and the problem."""


class NoSnapshot(ChainreviewError):
    """No intel snapshot has been imported: nothing can be answered."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Query:
    """One OSV query, as `POST /v1/query` takes it (`package` flattened)."""

    ecosystem: str | None = None
    name: str | None = None
    purl: str | None = None
    version: str | None = None
    commit: str | None = None
    page_token: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Undetermined:
    """Advisories of the package that cannot say whether the version is affected, and why."""

    ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """One query's answer: a page of advisory ids (sorted), the token of the next page if
    any, and the advisories that could not decide."""

    ids: tuple[str, ...]
    next_page_token: str | None
    undetermined: tuple[Undetermined, ...]


@dataclass(frozen=True, slots=True)
class _Target:
    """What a checked query asks: the packages, the version, the purl's component if any."""

    packages: tuple[tuple[str, str], ...]
    """(ecosystem, OSV package name) pairs."""
    version: str | None
    component: Component | None
    digest: str


def open_snapshot(home: Path) -> Snapshot:
    """The current snapshot; `NoSnapshot` when none was imported yet."""
    found = open_current(home)
    if found is None:
        raise NoSnapshot(
            "no intel snapshot: import one (`chainreview intel import`, `intel sync` or "
            "`intel import --bundled`)"
        )
    return found


def query(snapshot: Snapshot, asked: Query, *, where: str = "query", page: int = PAGE) -> Answer:
    """The answer to one query, at most `page` ids (`where` names it in errors)."""
    held = frozenset(snapshot.manifest.get("ecosystems") or ())
    target = _target(asked, where, held, snapshot.hash)
    matcher = LocalMatcher(snapshot)
    try:
        return _paged(matcher, asked, target, where, page)
    finally:
        matcher.keep_compiled()


def query_batch(snapshot: Snapshot, queries: Sequence[Query]) -> tuple[Answer, ...]:
    """The answers to `queries`, in order: at most `PAGE` ids each and `BATCH_PAGE` in all
    (a query past the budget gets only its page token, as osv.dev may answer). Every query is
    checked first: one bad query refuses the batch."""
    if len(queries) > MAX_QUERIES:
        raise BadQuery("queries", f"{len(queries)} queries: a batch takes at most {MAX_QUERIES}")
    matcher = LocalMatcher(snapshot)
    held = frozenset(snapshot.manifest.get("ecosystems") or ())
    targets = [_target(q, f"queries[{i}]", held, snapshot.hash) for i, q in enumerate(queries)]
    answers: list[Answer] = []
    left = BATCH_PAGE
    try:
        for i, (asked, target) in enumerate(zip(queries, targets, strict=True)):
            where = f"queries[{i}]"
            found = _paged(matcher, asked, target, where, min(PAGE, left))
            left -= len(found.ids)
            answers.append(found)
    finally:
        matcher.keep_compiled()
    return tuple(answers)


def records(snapshot: Snapshot, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The OSV records of `ids`, in that order."""
    wanted = list(ids)
    found = dict(snapshot.records(FeedKind.OSV, wanted))
    return [found[i] for i in wanted if i in found]


def modified(snapshot: Snapshot, ids: Iterable[str]) -> list[tuple[str, str | None]]:
    """(id, `modified`) of each of `ids`, in that order."""
    return [(record["id"], record.get("modified")) for record in records(snapshot, ids)]


def vulnerability(snapshot: Snapshot, advisory_id: str) -> dict[str, Any]:
    """The OSV record `advisory_id` (withdrawn ones too, as osv.dev gives them); `NotFound`
    for an id the snapshot does not hold (aliases are not followed)."""
    found = snapshot.record(FeedKind.OSV, advisory_id)
    if not isinstance(found, dict):
        raise NotFound(f"no vulnerability {advisory_id} in the intel snapshot")
    return found


def _paged(matcher: LocalMatcher, asked: Query, target: _Target, where: str, page: int) -> Answer:
    start = _offset(asked.page_token, target.digest, where)
    ids, undetermined = _affected(matcher, target, where)
    end = start + page
    token = f"{end}.{target.digest}" if end < len(ids) else None
    return Answer(ids=tuple(ids[start:end]), next_page_token=token, undetermined=undetermined)


def _affected(
    matcher: LocalMatcher, target: _Target, where: str
) -> tuple[list[str], tuple[Undetermined, ...]]:
    """Every advisory id the target's version is affected by (sorted), and the undecided."""
    if target.version is None:
        every = {i for eco, name in target.packages for i in matcher.advisory_ids(eco, name)}
        return sorted(every), ()
    results: Iterable[MatchResult]
    if target.component is not None:
        results = matcher.match(target.component)
    else:
        results = (
            result
            for eco, name in target.packages
            for result in matcher.match_package(where, eco, name, target.version)
        )
    ids: set[str] = set()
    undecided: dict[str, set[str]] = {}
    for result in results:
        if isinstance(result, Match):
            ids.add(result.advisory_id)
        elif isinstance(result, Indeterminate):
            undecided.setdefault(result.reason, set()).update(result.advisory_ids)
    undetermined = tuple(
        Undetermined(ids=tuple(sorted(left)), reason=reason)
        for reason, found in sorted(undecided.items())
        if (left := found - ids)
    )
    return sorted(ids), undetermined


def _target(asked: Query, where: str, held: frozenset[str], snapshot_hash: str) -> _Target:
    """What `asked` asks, checked as osv.dev checks it, and against what the snapshot holds."""
    if asked.commit is not None:
        if asked.version is not None:
            raise BadQuery(where, "a commit and a version: give one of them")
        raise BadQuery(
            where,
            "queries by commit are not answered here: the intel snapshot holds no repository "
            "histories; query by package and version",
        )
    if asked.purl is not None:
        if asked.name is not None or asked.ecosystem is not None:
            raise BadQuery(where, "a purl and a name or ecosystem: give one or the other")
        return _purl_target(asked, where, held, snapshot_hash)
    if asked.name is None:
        what = "an ecosystem without a name" if asked.ecosystem else "no package"
        raise BadQuery(where, f"{what}: give a package's name and ecosystem, or its purl")
    if asked.ecosystem is None:
        if not held:
            raise BadQuery(where, "the intel snapshot holds no OSV advisories")
        ecosystems = tuple(sorted(held))
    elif asked.ecosystem == "GIT":
        raise BadQuery(where, "queries of GIT tags are not answered here: no repository histories")
    else:
        _held(asked.ecosystem, held, where)
        ecosystems = (asked.ecosystem,)
    packages = tuple((eco, asked.name) for eco in ecosystems)
    return _Target(packages, asked.version, None, _digest(snapshot_hash, asked))


def _purl_target(asked: Query, where: str, held: frozenset[str], snapshot_hash: str) -> _Target:
    assert asked.purl is not None
    try:
        purl = parse_purl(asked.purl)
    except InvalidPurl as error:
        raise BadQuery(where, f"purl: {error}") from None
    if purl.version is not None and asked.version is not None:
        raise BadQuery(where, "a versioned purl and a version: give the version once")
    ecosystem = osv_ecosystem(purl)
    if ecosystem is None:
        raise BadQuery(where, f"purl: the type {purl.type!r} has no OSV ecosystem")
    _held(ecosystem, held, where)
    version = asked.version or purl.version
    component = (
        None
        if version is None
        else Component(
            ref=where, name=purl.name, version=asked.version, purl=str(purl), ecosystem=ecosystem
        )
    )
    packages = ((ecosystem, osv_package_name(purl)),)
    return _Target(packages, version, component, _digest(snapshot_hash, asked))


def _held(ecosystem: str, held: frozenset[str], where: str) -> None:
    if ecosystem not in held:
        holds = ", ".join(sorted(held)) or "none"
        raise BadQuery(
            where,
            f"the intel snapshot holds no {ecosystem} advisories, so it cannot say which affect "
            f"a version (it holds: {holds})",
        )


def _digest(snapshot_hash: str, asked: Query) -> str:
    """What a page token of `asked` on this snapshot carries: a digest of both."""
    plain = [snapshot_hash, asked.ecosystem, asked.name, asked.purl, asked.version]
    return hashlib.sha256(orjson.dumps(plain)).hexdigest()[:_TOKEN_DIGEST]


def _offset(token: str | None, digest: str, where: str) -> int:
    """Where the page `token` starts (0 without one)."""
    if token is None:
        return 0
    start, _, carried = token.partition(".")
    if not start.isdigit() or len(start) > 9 or carried != digest:
        raise BadQuery(
            where,
            "page_token: not a page of this query on the current intel snapshot (a token "
            "belongs to its query, and an import ends it): query again without it",
        )
    return int(start)
