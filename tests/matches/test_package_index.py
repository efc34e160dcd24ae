"""`PackageIndex` against the reference `CompiledAffected.evaluate`, entry by entry.

The index decides plain ranges by bisection over merged region tables; the reference walks each
range's events. They must agree on every version: here every package of the three real OSV
corpora, at every version its advisories name and at versions just around them.
"""

from __future__ import annotations

import pytest
from tests.conftest import Corpus

from chainreview.intel.osv_model import Affected
from chainreview.intel.snapshot import open_current
from chainreview.matches.package_index import PackageIndex
from chainreview.matches.ranges import CompiledAffected, Status, Verdict, compile_affected


def _reference(entries: list[CompiledAffected], version: str) -> list[tuple[int, Verdict]]:
    return [
        (index, verdict)
        for index, entry in enumerate(entries)
        if (verdict := entry.evaluate(version)).status is not Status.NOT_AFFECTED
    ]


def _around(version: str) -> list[str]:
    """The version and strings that sort right around it in most schemes."""
    return [
        version,
        version + ".1",
        version + "-rc1",
        version + "a1",
        version + ".post1",
        "v" + version,
        version + ".0",
    ]


def _entry(*ranges: dict[str, object], versions: tuple[str, ...] = ()) -> Affected:
    return Affected.from_osv(
        {
            "package": {"ecosystem": "PyPI", "name": "p"},
            "ranges": list(ranges),
            "versions": list(versions),
        }
    )


def _eco(*events: dict[str, str]) -> dict[str, object]:
    return {"type": "ECOSYSTEM", "events": list(events)}


HAND_WRITTEN = [
    _entry(_eco({"introduced": "0"}, {"fixed": "1.0"})),
    _entry(_eco({"introduced": "1.0"}, {"last_affected": "1.0"})),
    _entry(_eco({"introduced": "1.0"}, {"fixed": "1.0"})),
    _entry(_eco({"fixed": "2.0"}, {"introduced": "1.5"}, {"introduced": "0"}, {"fixed": "1.2"})),
    _entry(_eco({"introduced": "1.0"}, {"introduced": "1.1"}, {"last_affected": "1.3"})),
    _entry(_eco({"introduced": "1.0"}, {"limit": "1.4"}), _eco({"introduced": "2.0"})),
    _entry(_eco({"introduced": "1.0"}, {"fixed": "not a version!"})),
    _entry(
        _eco({"introduced": "1.0"}, {"fixed": "1.1"}),
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "3.0.0"}]},
    ),
    _entry(
        versions=("1.0", "2.0.0", "weird"),
    ),
    _entry(_eco({"introduced": "3.0"}), versions=("1.0",)),
    _entry(
        {"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}]},
        _eco({"introduced": "0"}, {"last_affected": "0.9"}),
    ),
]
"""Ties, out-of-order events, several introduced in a row, `limit`, an unparseable event, two
schemes in one entry, `versions` only, GIT beside ECOSYSTEM."""


@pytest.mark.parametrize(
    "version",
    ["0", "0.5", "0.9", "0.9.1", "1.0", "1.0.0", "1.0rc1", "1.0.post1", "1.1", "1.2", "1.3",
     "1.3.1", "1.4", "1.5", "1.9", "2.0", "2.0.0", "3.0", "3.0.0", "9", "weird", "?!", "1.0+local"],
)  # fmt: skip
def test_hand_written_entries_agree(version: str) -> None:
    compiled = [compile_affected(entry, "PyPI") for entry in HAND_WRITTEN]
    index = PackageIndex("PyPI", compiled)
    assert list(index.evaluate(version)) == _reference(compiled, version)


def test_hand_written_entries_decide_something() -> None:
    """The cases above are not all trivially empty: the index reports hits and undecidables."""
    compiled = [compile_affected(entry, "PyPI") for entry in HAND_WRITTEN]
    index = PackageIndex("PyPI", compiled)
    statuses = {
        v.status for version in ("1.0", "1.3", "2.5", "weird") for _, v in index.evaluate(version)
    }
    assert statuses == {Status.AFFECTED, Status.INDETERMINATE}


def test_every_corpus_package_agrees(corpus: Corpus) -> None:
    snapshot = open_current(corpus.home)
    assert snapshot is not None
    compared = disagreements = 0
    with snapshot:
        for ecosystem, name in snapshot.packages():
            rows = [r for r in snapshot.advisories_for(ecosystem, name) if not r.withdrawn]
            if not rows:
                continue
            compiled = [compile_affected(r.affected, ecosystem) for r in rows]
            index = PackageIndex(ecosystem, compiled)
            named = {
                v
                for r in rows
                for v in (
                    *r.affected.versions,
                    *(e.version for rng in r.affected.ranges for e in rng.events),
                )
            }
            for base in sorted(named):
                for version in _around(base):
                    compared += 1
                    if list(index.evaluate(version)) != _reference(compiled, version):
                        disagreements += 1
    assert compared > 50_000
    assert disagreements == 0
