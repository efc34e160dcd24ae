"""`chainreview sbom inspect` end to end, in a real subprocess: output, formats and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RESOURCES = "cyclonedx-specification/tools/src/test/resources"


def run(args: list[str], home: Path, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI (or `code` that ends by calling it) with its own data directory."""
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    command = (
        [sys.executable, "-c", code, *args]
        if code
        else [sys.executable, "-m", "chainreview", *args]
    )
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )


def count_components(node: dict[str, object]) -> int:
    """Count named components, nested ones included, by walking the raw CycloneDX JSON."""
    children = node.get("components", [])
    assert isinstance(children, list)
    return sum(1 + count_components(child) for child in children if child.get("name"))


def test_json_report_counts_components_independently(shared_data: Path, tmp_path: Path) -> None:
    sbom = shared_data / "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.json"
    raw = json.loads(sbom.read_text())
    expected = count_components(raw) + (1 if raw.get("metadata", {}).get("component") else 0)

    result = run(["sbom", "inspect", "--format", "json", str(sbom)], tmp_path)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["components"] == expected
    everything = [*raw["components"], raw.get("metadata", {}).get("component", {})]
    assert report["summary"]["by_ecosystem"]["Packagist"] == sum(
        1 for c in everything if c.get("purl", "").startswith("pkg:composer/")
    )
    assert report["summary"]["documents"][0]["format"] == "cyclonedx"


def test_table_output_names_the_file_and_the_ntia_elements(
    shared_data: Path, tmp_path: Path
) -> None:
    sbom = (
        shared_data / "cyclonedx-bom-examples/SaaSBOM/apigateway-microservices-datastores/bom.json"
    )
    result = run(["sbom", "inspect", str(sbom)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "NTIA minimum elements" in result.stdout
    assert "API Gateway" in result.stdout  # a service from the SaaSBOM


def test_spdx3_is_inspected(shared_data: Path, tmp_path: Path) -> None:
    spdx3 = shared_data / "spdx-examples/software/example11/spdx3.0/sbom.spdx3.json"
    result = run(["sbom", "inspect", "--format", "json", str(spdx3)], tmp_path)
    assert result.returncode == 0, result.stderr
    (document,) = json.loads(result.stdout)["summary"]["documents"]
    # hello-server-src, hyper, tokio, pretty_env_logger; one file (hello-server)
    assert (document["format"], document["spec_version"]) == ("spdx", "3.0.1")
    assert (document["components"], document["files"], document["warnings"]) == (4, 1, 0)


def test_spdx4_is_refused_with_one_line(tmp_path: Path) -> None:
    spdx4 = tmp_path / "sbom.spdx4.json"
    spdx4.write_text('{"@context": "https://spdx.org/rdf/4.0/spdx-context.jsonld", "@graph": []}')
    result = run(["sbom", "inspect", str(spdx4)], tmp_path)
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SPDX '4.0' is not supported" in lines[0]
    assert str(spdx4) in lines[0]


def test_invalid_bom_warns_and_strict_makes_it_bad_input(shared_data: Path, tmp_path: Path) -> None:
    invalid = shared_data / RESOURCES / "1.6/invalid-hash-alg-1.6.json"
    lenient = run(["sbom", "inspect", "--format", "json", str(invalid)], tmp_path)
    assert lenient.returncode == 0, lenient.stderr
    warnings = json.loads(lenient.stdout)["warnings"]
    assert any(
        w["code"] == "schema" and "/hashes/0/alg" in w["location"]["pointer"] for w in warnings
    )

    strict = run(["sbom", "inspect", "--strict", str(invalid)], tmp_path)
    assert strict.returncode == 3
    assert "under --strict" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_garbage_is_bad_input_without_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\xff\xfe not an sbom")
    result = run(["sbom", "inspect", str(garbage)], tmp_path)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1
    assert "garbage.bin" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = run(["sbom", "inspect", str(tmp_path / "nope.json")], tmp_path)
    assert result.returncode == 3
    assert "no such file" in result.stderr


@pytest.mark.parametrize(
    "args", [["sbom", "inspect"], ["sbom", "inspect", "--no-such-option", "x"], ["nope"]]
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    assert run(args, tmp_path).returncode == 2


def test_version_and_help(tmp_path: Path) -> None:
    version = run(["--version"], tmp_path)
    assert version.returncode == 0
    assert version.stdout.startswith("chainreview ")
    help_text = run(["sbom", "inspect", "--help"], tmp_path)
    assert help_text.returncode == 0
    assert "--strict" in help_text.stdout
    assert "--format" in help_text.stdout


def test_internal_error_exits_4_and_logs_the_traceback(shared_data: Path, tmp_path: Path) -> None:
    sbom = shared_data / "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.json"
    code = (
        "import sys\n"
        "import chainreview.evidence.sbom as evidence_sbom\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('simulated bug')\n"
        "evidence_sbom.read_sbom = broken  # `sbom inspect` imports it when it runs\n"
        "from chainreview.cli.app import main\n"
        "sys.argv = ['chainreview', *sys.argv[1:]]\n"
        "main()\n"
    )
    result = run(["sbom", "inspect", str(sbom)], tmp_path, code=code)
    assert result.returncode == 4
    assert len(result.stderr.strip().splitlines()) == 1
    assert "simulated bug" in result.stderr
    log = (tmp_path / "logs" / "chainreview.log").read_text()
    assert "Traceback" in log
    assert "RuntimeError: simulated bug" in log


HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\r\x08[blink]markup\n"
"""Terminal title, screen clear, C1 CSI, right-to-left override, carriage return, backspace,
Rich markup and a line feed: what a vendor's SBOM may put in any string."""
CONTROLS = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0x202E)}


def _printed_safely(text: str) -> None:
    assert not (set(text) - {"\n"}) & CONTROLS
    assert "\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202eevil\\x0d\\x08[blink]markup" in text


def test_input_text_is_printed_escaped_never_interpreted(tmp_path: Path) -> None:
    """Names, versions, refs, services, ecosystems, warnings quoting input and the file name
    itself: every control character shows as its escape and markup as written."""
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {"type": "library", "bom-ref": HOSTILE, "name": HOSTILE, "version": HOSTILE},
            {"type": "library", "bom-ref": "b", "name": HOSTILE, "version": HOSTILE},
            {"type": "library", "name": "p", "purl": f"pkg:{HOSTILE}/x@1"},
            {"type": "library", "name": "q", "purl": "pkg:npm/q@1"},
        ],
        "services": [
            {
                "name": HOSTILE,
                "provider": {"name": HOSTILE},
                "endpoints": [HOSTILE],
                "trustZone": HOSTILE,
                "data": [{"flow": "inbound", "classification": HOSTILE}],
            }
        ],
        "dependencies": [{"ref": "b", "dependsOn": [HOSTILE + "ghost"]}],
    }
    sbom = tmp_path / f"vendor{HOSTILE.strip()}.json"
    sbom.write_text(json.dumps(bom))

    result = run(["sbom", "inspect", str(sbom)], tmp_path)

    assert result.returncode == 0, result.stderr
    _printed_safely(result.stdout)
    assert result.stdout.count("owned") >= 6  # file, ref, services, warnings, duplicates
    assert "Warnings" in result.stdout and "Merged duplicates" in result.stdout


def test_an_error_quoting_input_stays_one_escaped_line(tmp_path: Path) -> None:
    result = run(["sbom", "inspect", str(tmp_path / f"missing{HOSTILE}")], tmp_path)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1
    _printed_safely(result.stderr)
    assert "no such file" in result.stderr


def test_long_lists_are_cut_in_the_table_and_whole_in_json(tmp_path: Path) -> None:
    """130 nameless entries: the table lists the first 100 and counts the rest (printing each
    line through Rich made 100,000 of them take most of a minute); JSON lists all 130."""
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [{"type": "library", "version": str(n)} for n in range(130)],
    }
    sbom = tmp_path / "nameless.json"
    sbom.write_text(json.dumps(bom))

    table = run(["sbom", "inspect", "--no-validate", str(sbom)], tmp_path)
    report = run(["sbom", "inspect", "--no-validate", "--format", "json", str(sbom)], tmp_path)

    assert table.returncode == 0, table.stderr
    assert "Skipped entries (130)" in table.stdout
    listed = [line for line in table.stdout.splitlines() if "nameless.json: /components/" in line]
    assert len(listed) == 100
    assert "… and 30 more: --format json lists them all" in table.stdout
    assert len(json.loads(report.stdout)["skipped"]) == 130
