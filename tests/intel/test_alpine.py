"""Tests of the Alpine secdb reader on all 41 real secdb files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainreview.intel import alpine, importer
from chainreview.intel.interface import FeedKind, IntelError


def secdb_files(root: Path) -> list[Path]:
    return sorted(root.glob("alpine-secdb/alpine/*/*.json"))


def test_every_secdb_file(shared_data: Path) -> None:
    paths = secdb_files(shared_data)
    assert len(paths) == 41
    for path in paths:
        raw = json.loads(path.read_text(encoding="utf-8"))
        expected = [
            (pkg["pkg"]["name"], version, tuple(ids))
            for pkg in raw["packages"]
            for version, ids in pkg["pkg"]["secfixes"].items()
        ]
        feed = alpine.read(path, path.name)
        assert feed.kind is FeedKind.DISTRO
        assert feed.licence == "CC-BY-SA-4.0"
        assert (feed.warnings, feed.rejected) == ((), ()), path
        assert [(f.package, f.fixed_version, f.ids) for f in feed.records] == expected
        assert {f.ecosystem for f in feed.records} <= {f"Alpine:{raw['distroversion']}"}
        assert {f.repository for f in feed.records} <= {raw["reponame"]}


def test_not_affected_and_cve_ids(shared_data: Path) -> None:
    path = shared_data / "alpine-secdb/alpine/v3.16/main.json"
    feed = alpine.read(path, "main.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    zeros = sum(1 for p in raw["packages"] for v in p["pkg"]["secfixes"] if v == "0")
    assert sum(f.not_affected for f in feed.records) == zeros
    fix = next(f for f in feed.records if f.package == "apache2" and f.fixed_version == "2.4.26-r0")
    assert fix.key == "Alpine:v3.16/main/apache2@2.4.26-r0"
    assert "CVE-2017-3167" in fix.cves


def test_odd_ids_are_kept_and_cves_picked_out(tmp_path: Path) -> None:
    doc = {
        "distroversion": "v3.99",
        "reponame": "main",
        "packages": [
            {
                "pkg": {
                    "name": "x",
                    "secfixes": {"1-r0": ["GNUTLS-SA-1 CVE-2020-11501", "CVE_2019-2426", "XSA-1"]},
                }
            },
            {"pkg": {"name": "y", "secfixes": {"1-r0": "CVE-2020-0001", "2-r0": []}}},
            {"pkg": {"secfixes": {}}},
        ],
    }
    path = tmp_path / "main.json"
    path.write_text(json.dumps(doc))
    feed = alpine.read(path, "main.json")
    assert feed.records[0].cves == ("CVE-2020-11501", "CVE-2019-2426")
    assert feed.records[0].ids[2] == "XSA-1"
    assert [d.location.pointer for d in feed.rejected] == [
        "/packages/1/pkg/secfixes/1-r0",
        "/packages/2/pkg",
    ]
    assert [d.location.pointer for d in feed.warnings] == ["/packages/1/pkg/secfixes/2-r0"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"reponame": "main", "packages": []}',
        b"[1, 2]",
        b'{"distroversion": "v3.16", "packages": [',
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "main.json"
    path.write_bytes(content)
    with pytest.raises(IntelError) as caught:
        alpine.read(path, "main.json")
    assert caught.value.path == "main.json"
    assert "\n" not in str(caught.value)


def test_a_branch_without_packages_is_skipped_in_a_folder(shared_data: Path) -> None:
    """Alpine v3.3's community secdb lists no packages: a folder holding it still imports (the
    file skipped with a warning); given alone, it is an error, as any input with no record."""
    folder = shared_data / "alpine-secdb/alpine/v3.3"
    assert json.loads((folder / "community.json").read_text(encoding="utf-8"))["packages"] == []
    parts = importer.read_path(folder, "v3.3")
    assert [shown for shown, _ in parts] == ["v3.3/main.json"]
    skipped = [w for w in parts[0][1].warnings if w.code == "skipped"]
    assert [(w.location.file, w.message) for w in skipped] == [
        ("v3.3/community.json", "holds no distro records; skipped")
    ]
    with pytest.raises(IntelError, match="no usable distro records"):
        importer.read_path(folder / "community.json", "community.json")
