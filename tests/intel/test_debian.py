"""Tests of the Debian DSA/DLA list reader on the real tracker lists and on broken copies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chainreview.intel import debian
from chainreview.intel.interface import FeedKind, IntelError

HEADER = re.compile(r"^\[\d\d \w{3} \d{4}\] (D[SL]A-\d+(?:-\d+)?)", re.M)
FIX = re.compile(r"^\s+\[(\w+)\] - ", re.M)
CVE = re.compile(r"CVE-\d{4}-\d+")


@pytest.mark.parametrize("name", ["DSA", "DLA"])
def test_real_list(shared_data: Path, name: str) -> None:
    path = shared_data / f"debian-security-tracker/data/{name}/list"
    text = path.read_text(encoding="utf-8")
    feed = debian.read(path, f"{name}/list")
    assert feed.kind is FeedKind.DISTRO
    assert feed.source == f"debian:{name.lower()}"
    assert (feed.warnings, feed.rejected) == ((), ())
    assert [a.advisory_id for a in feed.records] == HEADER.findall(text)
    fixes = [f for a in feed.records for f in a.fixes]
    assert len(fixes) == len(FIX.findall(text))
    assert all(f.ecosystem == f"Debian:{debian.RELEASES[f.release]}" for f in fixes)
    cve_lines = re.findall(r"^\s+\{([^}]*)\}", text, re.M)
    assert sum(len(a.cves) for a in feed.records) == sum(
        len(set(CVE.findall(c))) for c in cve_lines
    )


def test_dsa_details(shared_data: Path) -> None:
    path = shared_data / "debian-security-tracker/data/DSA/list"
    text = path.read_text(encoding="utf-8")
    feed = debian.read(path, "DSA/list")
    first = feed.records[0]
    assert (first.advisory_id, first.date, first.packages) == (
        "DSA-5380-1",
        "2023-03-29",
        ("xorg-server",),
    )
    assert first.cves == ("CVE-2023-1393",)
    fix = first.fixes[0]
    assert (fix.release, fix.ecosystem, fix.package, fix.fixed_version, fix.status) == (
        "bullseye",
        "Debian:11",
        "xorg-server",
        "2:1.20.11-1+deb11u6",
        "fixed",
    )
    bullseye = len(re.findall(r"^\s+\[bullseye\] - ", text, re.M))
    assert sum(f.release == "bullseye" for a in feed.records for f in a.fixes) == bullseye
    not_affected = len(re.findall(r"^\s+\[\w+\] - \S+ <not-affected>", text, re.M))
    assert sum(f.status == "not-affected" for a in feed.records for f in a.fixes) == not_affected
    assert all(
        f.fixed_version is None for a in feed.records for f in a.fixes if f.status != "fixed"
    )
    assert feed.newest == "2023-03-29"


def test_malformed_lines_are_warnings_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "list"
    path.write_text(
        "\t{CVE-2020-0001}\n"
        "[01 Jan 2023] DSA-9999-1 foo - security update\n"
        "\t{CVE-2023-0001 CVE-2023-0002}\n"
        "\t[bullseye] - foo 1.0-1+deb11u1\n"
        "\tthis is garbage\n"
        "\t[zzz] - foo 1.0\n"
        "[31 Foo 2023] DSA-9998-1 bar - security update\n"
        "\t[buster] - bar <not-affected> (vulnerable code not present)\n"
    )
    feed = debian.read(path, "list")
    assert [a.advisory_id for a in feed.records] == ["DSA-9999-1"]
    assert [d.location.pointer for d in feed.warnings] == [
        "line 1",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
    ]
    advisory = feed.records[0]
    assert advisory.cves == ("CVE-2023-0001", "CVE-2023-0002")
    assert [f.ecosystem for f in advisory.fixes] == ["Debian:11", None]


def test_garbage_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "list"
    path.write_text("hello\nworld\n")
    with pytest.raises(IntelError) as caught:
        debian.read(path, "list")
    assert (caught.value.path, caught.value.location) == ("list", "line 1")


def test_not_affected_status_and_note(tmp_path: Path) -> None:
    path = tmp_path / "list"
    path.write_text(
        "[02 Feb 2010] DLA-1-1 baz - security update\n"
        "\t[squeeze] - baz <not-affected> (vulnerable code not present)\n"
        "\t[wheezy] - baz 1.2-3 (bug #1234; medium)\n"
    )
    fixes = debian.read(path, "list").records[0].fixes
    assert [(f.status, f.fixed_version, f.note) for f in fixes] == [
        ("not-affected", None, "vulnerable code not present"),
        ("fixed", "1.2-3", "bug #1234; medium"),
    ]
