"""`chainreview review` in a real subprocess: files written, JSON output, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "declarations" / "minimal"


def run(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "160"}
    env.pop("CHAINREVIEW_REVIEW_FAIL_ON", None)
    env.pop("CHAINREVIEW_REVIEW_FORMAT", None)
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "review", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=180,
    )


def test_summary_and_files_in_the_default_folder(bundled_home: Path, tmp_path: Path) -> None:
    done = run([str(MINIMAL)], bundled_home, tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    out = tmp_path / "review-DECL-2026-0007"
    assert (out / "result.json").is_file() and (out / "report.html").is_file()
    text = done.stdout.decode()
    assert "Refer to special review" in text
    assert "F02" in text and "undetermined" in text


def test_json_format_prints_the_result(bundled_home: Path, tmp_path: Path) -> None:
    done = run([str(MINIMAL), "--format", "json", "--out", "o"], bundled_home, tmp_path)
    assert done.returncode == 0
    assert done.stdout == (tmp_path / "o" / "result.json").read_bytes()
    assert json.loads(done.stdout)["determination"]["outcome"] == "refer_to_special_review"


@pytest.mark.parametrize(("fail_on", "code"), [("fail", 0), ("refer", 1), ("conditions", 1)])
def test_fail_on(bundled_home: Path, tmp_path: Path, fail_on: str, code: int) -> None:
    done = run([str(MINIMAL), "--fail-on", fail_on, "--out", "o"], bundled_home, tmp_path)
    assert done.returncode == code, done.stderr.decode()


def test_bad_as_of_is_a_usage_error(bundled_home: Path, tmp_path: Path) -> None:
    assert run([str(MINIMAL), "--as-of", "tomorrow"], bundled_home, tmp_path).returncode == 2


def test_missing_package_is_bad_input(bundled_home: Path, tmp_path: Path) -> None:
    assert run([str(tmp_path / "nowhere")], bundled_home, tmp_path).returncode == 3


def test_every_problem_of_a_package_is_printed_on_its_own_line(tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(MINIMAL, package)
    edits = {
        "declaration.yaml": [
            ("category: mass-storage-device", "category: toaster"),
            ("- sbom/management-agent.cdx.json", "- sbom/missing.cdx.json"),
        ],
        "vendor/northwind.yaml": [("covers: [P-CTRL]", "covers: [P-NONE]")],
        "questionnaire.yaml": [("question: F06.Q2", "question: F05.Q1")],
    }
    for name, replacements in edits.items():
        text = (package / name).read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text
            text = text.replace(old, new)
        (package / name).write_text(text, encoding="utf-8")
    # The package is refused before any intelligence is needed: an empty home will do.
    done = run([str(package)], tmp_path / "home", tmp_path)
    assert done.returncode == 3
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert lines[0].startswith("error: declaration.yaml: /products/0/category: 'toaster' is not")
    assert lines[1:] == [
        "error: declaration.yaml: /products/0/sboms/0: no such file 'sbom/missing.cdx.json' in "
        "the package",
        "error: vendor/northwind.yaml: /certifications/0/covers/0: unknown product 'P-NONE' "
        "(declared: P-ARRAY, P-CTRL)",
        "error: questionnaire.yaml: /answers/1/question: answer to question 'F05.Q1' appears "
        "more than once",
        # the review checks every answer against its question's type (F05.Q1 is a yes-no one)
        "error: questionnaire.yaml: /answers/1/answer: F05.Q1 expects yes or no (true or false), "
        "got the number 1",
    ]


def test_an_earlier_result_is_replaced_only_with_force(bundled_home: Path, tmp_path: Path) -> None:
    first = run([str(MINIMAL), "-o", "o"], bundled_home, tmp_path)
    assert first.returncode == 0, first.stderr.decode()
    kept = (tmp_path / "o" / "result.json").read_bytes()
    (tmp_path / "o" / "result.json").write_bytes(kept + b" ")  # marks the earlier file
    again = run([str(MINIMAL), "-o", "o"], bundled_home, tmp_path)
    assert again.returncode == 2
    assert "holds a result already" in again.stderr.decode() and "--force" in again.stderr.decode()
    assert (tmp_path / "o" / "result.json").read_bytes() == kept + b" "
    forced = run([str(MINIMAL), "-o", "o", "--force"], bundled_home, tmp_path)
    assert forced.returncode == 0, forced.stderr.decode()
    assert (tmp_path / "o" / "result.json").read_bytes() == kept


def test_the_regime_help_lists_the_shipped_profiles(bundled_home: Path, tmp_path: Path) -> None:
    done = run(["--help"], bundled_home, tmp_path)
    text = " ".join(done.stdout.decode().split())
    for profile in ("cn-crm-2022", "us-icts-791", "eu-5g-toolbox", "nist-800-161"):
        assert profile in text


def test_the_summary_gives_the_deciding_reasons_and_leaves_the_rest_to_the_report(
    bundled_home: Path, tmp_path: Path
) -> None:
    package = Path(__file__).resolve().parents[2] / "examples" / "grid-storage"
    done = run(
        [str(package), "-o", str(tmp_path / "out"), "--as-of", "2026-11-30"], bundled_home, tmp_path
    )
    assert done.returncode == 0, done.stderr.decode()
    determination = json.loads((tmp_path / "out" / "result.json").read_bytes())["determination"]
    rationale, deciding = determination["rationale"], determination["deciding"]
    bullets = [line[2:] for line in done.stdout.decode().splitlines() if line.startswith("• ")]
    # grid-storage fails on CN.1: its rule and the KEV findings that made it hold (2 of 15)
    assert deciding == 2
    assert bullets == rationale[:2]
    assert f"({len(rationale) - 2} more reasons in the report)" in done.stdout.decode()


def test_lang_zh_cn_writes_the_report_and_summary_in_chinese_and_the_same_result(
    bundled_home: Path, tmp_path: Path
) -> None:
    package = Path(__file__).resolve().parents[2] / "examples" / "grid-storage"
    outputs = {}
    for lang in ("en", "zh-CN"):
        out = tmp_path / lang
        done = run(
            [str(package), "-o", str(out), "--as-of", "2026-11-30", "--lang", lang],
            bundled_home,
            tmp_path,
        )
        assert done.returncode == 0, done.stderr.decode()
        outputs[lang] = (done.stdout.decode(), out)
    english, chinese = outputs["en"][0], outputs["zh-CN"][0]
    assert "Outcome:  Fail  (rule CN.1)" in " ".join(english.split("\n"))
    # grid-storage fails on CN.1 on demo intel: 不予通过, provisional, dated the Chinese way
    assert "结论： 不予通过 （规则 CN.1）（临时）" in chinese
    assert "审查日期 2026年11月30日（指定日期）" in chinese
    assert "• 存在已被在野利用的漏洞（CISA KEV），且未被 VEX 排除。（规则 CN.1）" in chinese
    assert "Outcome" not in chinese and "reasons in the report" not in chinese
    results = [(out / "result.json").read_bytes() for _, out in outputs.values()]
    assert results[0] == results[1]
    assert '<html lang="zh-CN">' in (outputs["zh-CN"][1] / "report.html").read_text()


def test_an_unknown_lang_is_a_usage_error(bundled_home: Path, tmp_path: Path) -> None:
    done = run([str(MINIMAL), "-o", str(tmp_path / "out"), "--lang", "fr"], bundled_home, tmp_path)
    assert done.returncode == 2
    assert "fr" in done.stderr.decode() and not (tmp_path / "out").exists()
