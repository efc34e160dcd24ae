"""Start-up cost: what the CLI imports before any work, and what a JSON scan imports at all.

Every run of `chainreview` loads `chainreview.cli.app`, and Typer builds every command from its
signature, so each command module must keep its readers, network code and Rich inside the
command. These tests run a fresh interpreter (`-S`: no `.pth` start-up hooks of the machine
running the tests, which may import anything; the parent's `sys.path` instead) and list the
modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import chainreview

CYCLONEDX_JSON = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"

NEVER_AT_START = (
    "pydantic",  # Typer 0.29 validates arguments through it: pinned below 0.29
    "rich",  # only tables, progress bars and error lines use it
    "yaml",
    "lxml",
    "certifi",
    "asyncio",
    "http.client",
    "urllib.request",
    "tomllib",
    "tarfile",
    "platformdirs",
    "jsonschema",
    "jsonschema_rs",
    "jinja2",
    "cryptography",
    "chainreview.intel.importer",
    "chainreview.intel.sync",
    "chainreview.reviewer",
    "chainreview.report",
    "chainreview.determination",
    "chainreview.factors",
    "chainreview.case",
    "chinese_calendar",
    "holidays",
    "chainreview.store",  # the case database: only `audit` (and later `case`) commands
    "sqlalchemy",
    "alembic",
    "chainreview.portfolio",  # the `portfolio` commands only
    "rustworkx",
    "weasyprint",  # `review --pdf` only: about a second to import
    "chainreview.api",  # `serve` only: the web stack
    "fastapi",
    "starlette",
    "uvicorn",
    "itsdangerous",
    "argon2",  # passwords: `user add --password…`, `user password`
)
"""Nothing `import chainreview.cli.app` may load: other commands' or formats' dependencies."""

NEVER_IN_JSON_SCAN = (
    "pydantic",
    "rich",
    "yaml",  # YAML documents only
    "lxml",  # XML documents only
    "certifi",
    "asyncio",
    "http.client",
    "urllib.request",
    "tomllib",  # ignore files only (`--ignore`)
    "tarfile",  # installing the bundle only
    "platformdirs",  # $CHAINREVIEW_HOME is set
    "jsonschema",  # `scan` reads SBOMs without schema validation
    "jsonschema_rs",
    "jinja2",
    "cryptography",
    "chainreview.evidence.validation",
    "chainreview.intel.importer",
    "chainreview.intel.sync",
    "chainreview.reviewer",
    "chainreview.report",
    "chainreview.matches.cpe",  # every component has a purl ecosystem
    "chainreview.matches.distro",  # no OS packages
    "chainreview.intel.nvd",
    "chainreview.intel.debian",
    "chainreview.intel.alpine",
    "weasyprint",
)
"""Nothing `scan --format json` of a CycloneDX JSON SBOM of Python packages, with a snapshot
present, may load."""


def _python(code: str, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    # The package's own folder first: an editable install may find it through a `.pth` hook.
    path = [str(Path(chainreview.__file__).parents[1]), *(p for p in sys.path if p)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    for name in os.environ:
        if name.startswith("CHAINREVIEW_"):
            env.pop(name, None)
    if home is not None:
        env["CHAINREVIEW_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-S", "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _loaded(modules: Iterable[str], forbidden: Iterable[str]) -> list[str]:
    """The modules of `modules` that are, or are inside, a package of `forbidden`."""
    return sorted(m for m in modules for f in forbidden if m == f or m.startswith(f + "."))


def test_forbidden_prefix_matching() -> None:
    assert _loaded(["yaml.cyaml", "yamlish", "rich"], ["yaml", "rich.console"]) == ["yaml.cyaml"]


def test_loading_the_app_imports_no_command_dependencies() -> None:
    code = "import json, sys\nimport chainreview.cli.app\nprint(json.dumps(sorted(sys.modules)))"
    result = _python(code)
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    assert "chainreview.cli.app" in modules and "typer" in modules
    assert _loaded(modules, NEVER_AT_START) == []


def test_json_scan_imports_only_what_it_uses(
    shared_data: Path, bundled_home: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "modules.json"
    code = (
        "import atexit, json, sys\n"
        "out = sys.argv[1]\n"
        "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules))))\n"
        "sys.argv = ['chainreview', *sys.argv[2:]]\n"
        "from chainreview.cli.app import main\n"
        "main()\n"
    )
    sbom = str(shared_data / CYCLONEDX_JSON)
    result = _python(code, str(listing), "scan", "--format", "json", sbom, home=bundled_home)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["counts"]["components"] == 1750
    modules = json.loads(listing.read_text())
    assert "chainreview.findings.scan" in modules
    assert _loaded(modules, NEVER_IN_JSON_SCAN) == []


def test_a_review_loads_weasyprint_only_for_the_pdf(bundled_home: Path, tmp_path: Path) -> None:
    package = Path(__file__).resolve().parents[2] / "examples" / "office-video-conferencing"
    code = (
        "import atexit, json, sys\n"
        "out = sys.argv[1]\n"
        "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules))))\n"
        "sys.argv = ['chainreview', *sys.argv[2:]]\n"
        "from chainreview.cli.app import main\n"
        "main()\n"
    )
    for options in ([], ["--pdf"]):
        listing = tmp_path / f"modules{len(options)}.json"
        out = str(tmp_path / f"out{len(options)}")
        done = _python(
            code, str(listing), "review", str(package), "-o", out, *options, home=bundled_home
        )
        assert done.returncode == 0, done.stderr
        loaded = _loaded(json.loads(listing.read_text()), ["weasyprint"])
        assert bool(loaded) is bool(options), options
        assert (Path(out) / "report.pdf").is_file() is bool(options)
