"""The OSV reader on real corpora and malformed records; expected counts come from raw files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import CORPORA
from tests.intel.conftest import Corpus, write_record

from chainreview import raw
from chainreview.errors import InputError
from chainreview.intel import importer, osv, snapshot
from chainreview.intel.interface import FeedKind, IntelError
from chainreview.intel.names import normalise_name
from chainreview.intel.spool import Spool

GIT_HASH = re.compile(r"^(0|[a-f0-9]{40}|[a-f0-9]{64})$")


def raw_json_records(folder: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_counts_match_the_raw_files(shared_data: Path, corpus: Corpus) -> None:
    pypa = sorted((shared_data / "pypa-advisory-database/vulns").rglob("*.yaml"))
    pypa_withdrawn = sum(1 for p in pypa if re.search(r"^withdrawn:", p.read_text(), re.MULTILINE))
    go = raw_json_records(shared_data / "golang-vulndb/data/osv")
    rust = raw_json_records(shared_data / "rustsec-advisory-db-osv/crates")
    manifest = corpus.result.manifest
    assert manifest["feeds"]["osv"] == len(pypa) + len(go) + len(rust)
    assert manifest["ecosystems"]["PyPI"] == len(pypa)
    assert manifest["ecosystems"]["Go"] == len({r["id"] for r in go})
    assert manifest["ecosystems"]["crates.io"] == len(rust)
    expected_withdrawn = pypa_withdrawn + sum("withdrawn" in r for r in go + rust)
    assert manifest["withdrawn"]["osv"] == expected_withdrawn
    assert "osv" not in manifest["missing_feeds"]
    assert set(manifest["missing_feeds"]) == {k.value for k in FeedKind} - {"osv"}


def test_broken_git_range_dropped_and_record_kept(shared_data: Path, corpus: Corpus) -> None:
    """PyPA records with a non-hash GIT event lose that range only; the ECOSYSTEM range stays."""
    import yaml

    broken: dict[str, tuple[str, int]] = {}
    for path in sorted((shared_data / "pypa-advisory-database/vulns").rglob("*.yaml")):
        text = path.read_text()
        if "type: GIT" not in text:
            continue
        record = yaml.load(text, Loader=yaml.BaseLoader)  # everything as strings: enough here
        for a, affected in enumerate(record.get("affected", [])):
            for r, rng in enumerate(affected.get("ranges", [])):
                values = [v for event in rng["events"] for v in event.values()]
                if rng["type"] == "GIT" and not all(GIT_HASH.match(v) for v in values):
                    broken[record["id"]] = (f"/affected/{a}/ranges/{r}", len(affected["ranges"]))
    assert len(broken) == 7
    pypa = next(s for s in corpus.result.sources if s.name == "osv:PyPI")
    warned = {w.location.file.rsplit("/", 1)[-1].removesuffix(".yaml"): w for w in pypa.warnings}
    assert set(warned) == set(broken)
    with snapshot.open_current(corpus.home) as snap:  # type: ignore[union-attr]
        for advisory_id, (pointer, ranges) in broken.items():
            warning = warned[advisory_id]
            assert warning.location.pointer.startswith(pointer + "/")
            assert f"dropped {pointer}" in warning.message
            stored = snap.record(FeedKind.OSV, advisory_id)
            kept = [r["type"] for r in stored["affected"][0]["ranges"]]
            assert len(kept) == ranges - 1 and "GIT" not in kept


def test_yaml_timestamps_stay_strings(shared_data: Path, corpus: Corpus) -> None:
    """Unquoted YAML timestamps (a datetime to plain safe_load) come through as written."""
    unquoted = re.compile(r"^published: (\d{4}-\S+)$", re.MULTILINE)
    files = sorted((shared_data / "pypa-advisory-database/vulns").rglob("*.yaml"))
    found = [(p.stem, m.group(1)) for p in files if (m := unquoted.search(p.read_text()))]
    assert len(found) > 100
    with snapshot.open_current(corpus.home) as snap:  # type: ignore[union-attr]
        for advisory_id, published in found:
            assert snap.record(FeedKind.OSV, advisory_id)["published"] == published


def test_lookup_normalises_names(corpus: Corpus) -> None:
    with snapshot.open_current(corpus.home) as snap:  # type: ignore[union-attr]
        plain = snap.advisories_for("PyPI", "django")
        assert plain and plain == snap.advisories_for("PyPI", "Django")
        assert snap.advisories_for("PyPI", "Jinja2") == snap.advisories_for("PyPI", "jinja2")
        assert snap.advisories_for("npm", "django") == ()
        assert all(p.affected.package and p.affected.package.name for p in plain)


def test_withdrawn_kept_and_flagged(shared_data: Path, corpus: Corpus) -> None:
    go = raw_json_records(shared_data / "golang-vulndb/data/osv")
    withdrawn = next(r for r in go if "withdrawn" in r and r.get("affected"))
    package = withdrawn["affected"][0]["package"]  # type: ignore[index]
    with snapshot.open_current(corpus.home) as snap:  # type: ignore[union-attr]
        entries = snap.advisories_for("Go", package["name"])
    flagged = [e for e in entries if e.advisory_id == withdrawn["id"]]
    assert flagged and all(e.withdrawn for e in flagged)


def test_alias_lookup(shared_data: Path, corpus: Corpus) -> None:
    rust = raw_json_records(shared_data / "rustsec-advisory-db-osv/crates")
    record = next(r for r in rust if r.get("aliases"))
    alias = record["aliases"][0]  # type: ignore[index]
    expected = sorted(r["id"] for r in rust if alias in (r.get("aliases") or []))
    with snapshot.open_current(corpus.home) as snap:  # type: ignore[union-attr]
        assert list(snap.keys(FeedKind.OSV, "alias", alias)) == expected


GOOD = {
    "schema_version": "1.6.0",
    "id": "PYSEC-0000-1",
    "modified": "2024-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}],
        }
    ],
}


def record(**changes: object) -> dict[str, object]:
    return {**json.loads(json.dumps(GOOD)), **changes}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": 5}, "`id` is not a non-empty string"),
        ({"affected": {"package": "x"}}, "`affected` is not a list"),
    ],
)
def test_unusable_record_rejected(tmp_path: Path, changes: dict[str, object], reason: str) -> None:
    path = write_record(tmp_path, record(**changes), "bad.json")
    feed = osv.read(tmp_path, "feed")
    assert feed.records == ()
    assert [r.message for r in feed.rejected] == [reason]
    assert feed.rejected[0].location.file == "feed/bad.json"
    assert path.exists()


def test_bad_parts_dropped_with_pointers(tmp_path: Path) -> None:
    bad = record(
        severity=[{"type": "CVSS_V3", "score": "not a vector"}],
        extra_field=1,
        references=[{"type": "WEB", "url": "https://x"}, {"type": "NOPE", "url": "https://y"}],
    )
    bad["affected"].append({"package": {"ecosystem": "NotAnEcosystem", "name": "x"}})  # type: ignore[attr-defined]
    write_record(tmp_path, bad)
    feed = osv.read(tmp_path, "feed")
    (advisory,) = feed.records
    pointers = sorted(w.location.pointer for w in feed.warnings)
    assert pointers == [
        "",
        "/affected/1/package/ecosystem",
        "/references/1/type",
        "/severity/0/score",
    ]
    assert all(w.location.file == "feed/PYSEC-0000-1.json" for w in feed.warnings)
    document = advisory.document  # type: ignore[attr-defined]
    assert "extra_field" not in document and "severity" in document and document["severity"] == []
    assert len(document["affected"]) == 1 and len(document["references"]) == 1


def test_not_json_is_rejected_with_position(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"id": ')
    with pytest.raises(IntelError, match="not recognised"):
        importer.read_input(tmp_path, "feed")
    with pytest.raises(
        IntelError, match=r"no usable osv records.*line 1, column \d+: not valid JSON"
    ):
        importer.read_input(tmp_path, "feed", kind=FeedKind.OSV)


def test_yaml_alias_bomb_refused(tmp_path: Path) -> None:
    lines = [
        "id: PYSEC-0000-2",
        'modified: "2024-01-01T00:00:00Z"',
        'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]',
    ]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    feed = osv.read(tmp_path, "feed")
    assert feed.records == ()
    assert "node limit" in feed.rejected[0].message


def test_names() -> None:
    assert normalise_name("PyPI", "Foo.Bar__baz") == "foo-bar-baz"
    assert normalise_name("crates.io", "Serde_JSON") == "serde-json"
    assert normalise_name("npm", "JSONStream") == "JSONStream"
    assert normalise_name("Go", "github.com/BurntSushi/toml") == "github.com/BurntSushi/toml"
    assert normalise_name("Debian:11", "OpenSSL") == "openssl"
    assert normalise_name("Maven", "org.Apache:Foo") == "org.Apache:Foo"


def test_worker_count_changes_nothing(shared_data: Path, corpus: Corpus, tmp_path: Path) -> None:
    """One worker gives the snapshot, warnings and rejections that two (the fixture) gave."""
    result = importer.import_paths([shared_data / c for c in CORPORA], home=tmp_path, workers=1)
    assert result.hash == corpus.result.hash
    assert result.sources == corpus.result.sources


def test_workers_keep_file_order(tmp_path: Path) -> None:
    """Warnings, rejections and duplicates come out in file order, across chunk boundaries."""
    for i in range(100):
        changes: dict[str, object] = {"id": f"PYSEC-0000-{i % 90}", "modified": f"2024-01-{i:02}"}
        if i % 7 == 0:
            changes["severity"] = [{"type": "CVSS_V3", "score": "not a vector"}]
        if i % 31 == 0:
            changes["id"] = ""
        write_record(tmp_path, record(**changes), f"r{i:03}.json")
    one = osv.read(tmp_path, "feed", workers=1)
    two = osv.read(tmp_path, "feed", workers=2)
    assert two.records == one.records
    assert [r.document for r in two.records] == [r.document for r in one.records]  # type: ignore[attr-defined]
    assert (two.warnings, two.rejected) == (one.warnings, one.rejected)
    assert len(one.rejected) == 4 and any(w.code == "duplicate" for w in one.warnings)


YAML_DOCUMENTS = [
    "a: [1, 2.5, .inf, ~, null, true, no, On, 0x1f, 0o17, 1_000, '1']",
    "a: 2020-01-01\nb: [2020-01-01T01:02Z, 2020-01-01 01:02:03.5 +01:00]",
    "a: &x [1]\nb: *x",
    "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2",
    "c:\n  <<: {x: 1}\n  y: 2",
    "1: a\n2.5: b\nnull: c\nfalse: d\n=: e\n? f",
    "1: a\ntrue: b",
    "x: !!str 123\ny: !!int '12'\nz: ! 12\nw: !!timestamp 2020-01-01\nv: !!binary aGk=",
    "x: !!set {a, b}\ny: !!map {a: 1}\nz: !!seq [1]",
    "- - - a\n- {b: [c, {d: e}]}\n- |\n  block\n- >\n  folded\n  text",
    "a: 1\na: 2",
    "a: [{b: 1, c: 2, b: 3}]",
    "a: " + "9" * 1_001,
    "%YAML 1.1\n---\na: 1\n...",
    "",
    "# a comment only",
]


def _loaded(load: Callable[[bytes, str], object], data: bytes) -> object:
    try:
        return load(data, "r.yaml")
    except InputError as exc:
        return str(exc)


@pytest.mark.parametrize("text", YAML_DOCUMENTS)
def test_yaml_read_as_the_careful_loader_reads_it(text: str) -> None:
    """The fast YAML path builds what the careful (safe) loader builds, and refuses what it
    refuses (a key given twice, an integer too long) with its message."""
    data = text.encode()
    assert _loaded(osv._parse, data) == _loaded(raw.load_yaml, data)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("? [1]\n: x", "found unhashable key"),
        ("--- a\n--- b", "but found another document"),
        ("x: !custom 1", "could not determine a constructor"),
        ("x: *nowhere", "found undefined alias"),
        ("x: [a", "not valid YAML"),
        ("x: " + "[" * 101 + "]" * 101, "nesting deeper than 100 levels"),
        ("x: " + "[" * 200_000 + "]" * 200_000, "nesting deeper than 100 levels"),
    ],
)
def test_unreadable_yaml_refused(text: str, message: str) -> None:
    """Refused with a message, never a crash (libyaml's own composer overflows the C stack)."""
    with pytest.raises(InputError, match=re.escape(message)):
        osv._parse(text.encode(), "r.yaml")


@pytest.mark.parametrize(
    "extra",
    ["{1: x}", "{x: 123456789012345678901234567890}", "{x: !!binary aGk=}"],
)
def test_record_json_cannot_hold_rejected(tmp_path: Path, extra: str) -> None:
    (tmp_path / "r.yaml").write_text(
        f"id: PYSEC-0000-1\nmodified: '2024-01-01T00:00:00Z'\ndatabase_specific: {extra}\n"
    )
    feed = osv.read(tmp_path, "feed")
    assert feed.records == ()
    assert feed.rejected[0].message.startswith("not representable as JSON")


def test_yaml_record_with_non_string_keys_is_checked_not_crashed(tmp_path: Path) -> None:
    """YAML allows `1:` and `~:` as keys; the compiled schema validator refuses such a value
    outright, so the reference validator reports it and the keys are dropped like any other
    unknown property."""
    (tmp_path / "r.yaml").write_text(
        "id: PYSEC-0000-1\nmodified: '2024-01-01T00:00:00Z'\n1: x\n~: y\n"
    )
    feed = osv.read(tmp_path, "feed")
    (advisory,) = feed.records
    assert [w.location.pointer for w in feed.warnings] == [""]
    assert "dropped /1, /None" in feed.warnings[0].message
    assert set(advisory.document) == {"id", "modified"}  # type: ignore[attr-defined]


def test_records_are_spooled_as_the_snapshot_stores_them(shared_data: Path) -> None:
    """The builder writes a spool's bodies as they are: each must be the record's canonical JSON."""
    feed = osv.read(shared_data / "rustsec-advisory-db-osv/crates", "crates")
    assert isinstance(feed.records, Spool) and feed.records.canonical
    pairs = list(feed.records.with_bodies())
    assert len(pairs) == len(feed.records) > 1000
    assert all(body == snapshot._body(record) for record, body in pairs)
