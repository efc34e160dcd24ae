"""`chainreview declare` in a real subprocess: the files written, the summary, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "declarations" / "minimal"


def run(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "declare", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=180,
    )


def test_json_and_html_in_the_default_folder_and_the_count_to_supply(
    bundled_home: Path, tmp_path: Path
) -> None:
    done = run([str(MINIMAL), "--as-of", "2026-12-01"], bundled_home, tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    out = tmp_path / "materials-DECL-2026-0007"
    assert sorted(p.name for p in out.iterdir()) == ["materials.html", "materials.json"]
    materials = json.loads((out / "materials.json").read_bytes())
    to_supply = materials["to_supply"]
    # the minimal fixture names no procurement document and leaves P-CTRL's support end out
    assert {(t["source"], t["what"]) for t in to_supply} >= {
        ("art8", "procurement-documents"),
        ("form", "product.support_end"),
    }
    text = " ".join(done.stdout.decode().split())
    assert f"{len(to_supply)} item(s) still to be supplied by the applicant" in text
    assert "materials.json" in text and "materials.html" in text
    html = (out / "materials.html").read_text(encoding="utf-8")
    assert "To be supplied by the applicant" in html


def test_pdf_alone_and_force(bundled_home: Path, tmp_path: Path) -> None:
    args = [str(MINIMAL), "-o", "o", "--format", "pdf", "--as-of", "2026-12-01"]
    first = run(args, bundled_home, tmp_path)
    assert first.returncode == 0, first.stderr.decode()
    pdf = tmp_path / "o" / "materials.pdf"
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["materials.pdf"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    again = run(args, bundled_home, tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr.decode()
    assert run([*args, "--force"], bundled_home, tmp_path).returncode == 0


def test_bad_input_and_bad_date(bundled_home: Path, tmp_path: Path) -> None:
    assert run([str(tmp_path / "nowhere")], bundled_home, tmp_path).returncode == 3
    assert run([str(MINIMAL), "--as-of", "soon"], bundled_home, tmp_path).returncode == 2
    assert run([str(MINIMAL), "--format", "docx"], bundled_home, tmp_path).returncode == 2


def test_demo_intelligence_is_accepted_only_when_asked(bundled_home: Path, tmp_path: Path) -> None:
    args = [str(MINIMAL), "--format", "json", "--as-of", "2026-12-01"]
    plain = run([*args, "-o", "plain"], bundled_home, tmp_path)
    accepted = run([*args, "-o", "accepted", "--allow-demo-intel"], bundled_home, tmp_path)
    assert plain.returncode == accepted.returncode == 0, accepted.stderr.decode()
    final = {
        name: json.loads((tmp_path / name / "materials.json").read_bytes())["analysis"]["final"]
        for name in ("plain", "accepted")
    }
    assert final == {"plain": False, "accepted": True}
    assert "provisional review" in plain.stdout.decode()
    assert "provisional review" not in accepted.stdout.decode()
