"""The Art. 8 declaration materials of every example package and test fixture, checked against the
package's own YAML and the review's `result.json`, from the JSON and from the PDF text.

Each package is reviewed under cn-crm-2022 on the bundled snapshot; its materials are written as
JSON (twice, from two independent runs: the same bytes) and as PDF, read back with poppler's
`pdftotext -raw` (content-stream order, one table cell after another). What the materials must
say is worked out here from the package read with plain `yaml`, the review's JSON, the profile's
YAML (which factors Art. 10 weighs under each item) and the words spelt out below, never from
the materials code: every form field holds the value at its place in the YAML (or is empty when
the YAML has none, apart from the two defaults the published schema documents); the fields the
form needs but the schema lets a package omit are listed to be supplied exactly when absent;
each Art. 10 item has its section listing its factors at the review's levels; every item of
missing evidence of the review is marked "to be supplied by the applicant".
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from chainreview import REVIEW_FORMATS, load_package, review
from chainreview.errors import InputError
from chainreview.formats import MATERIALS_FORMATS
from chainreview.report.materials import build_materials

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    **{p.parent.name: p.parent for p in sorted((ROOT / "examples").glob("*/declaration.yaml"))},
    **{
        f"fixture-{p.parent.name}": p.parent
        for p in sorted((ROOT / "tests" / "fixtures" / "declarations").glob("*/declaration.yaml"))
    },
}
AS_OF = date(2026, 12, 1)
SRC = ROOT / "src" / "chainreview"
SCHEMA = json.loads((SRC / "schemas" / "materials.schema.json").read_text())
DECLARATION_SCHEMA = json.loads((SRC / "schemas" / "declaration.schema.json").read_text())
CATALOGUE = yaml.safe_load((SRC / "factors" / "catalogue.yaml").read_text())
TITLES = {f["id"]: f["title"] for f in CATALOGUE["factors"]}
PROFILE = yaml.safe_load((SRC / "factors" / "profiles" / "cn-crm-2022.yaml").read_text())
SUPPLY = {
    "operator": "To be supplied by the applicant",
    "vendor": "To be supplied by the applicant (from the vendor)",
}
NEEDED = {
    "declaration.prepared_by": ("declaration", "prepared_by"),
    "operator.identifier": ("operator", "identifier"),
    "purchase.date": ("purchase", "date"),
    "purchase.value": ("purchase", "value"),
    "purchase.national_security_anticipation": ("purchase", "national_security_anticipation"),
}
"""Fields the form needs that the schema lets a package leave out (besides each product's
`support_end`), by key: where they sit in the manifest."""
DEFAULTS = {
    r"#/operator/ciio$": DECLARATION_SCHEMA["properties"]["operator"]["properties"]["ciio"],
    r"#/cii_systems/\d+/cii$": DECLARATION_SCHEMA["$defs"]["cii_system"]["properties"]["cii"],
}
"""The defaults the published schema documents for fields a package may omit."""


@dataclass(frozen=True)
class Drafted:
    """One package's materials (as JSON), its review (as JSON) and the PDF's text."""

    package: Path
    materials: dict[str, Any]
    result: dict[str, Any]
    json_runs: tuple[bytes, bytes]
    raw: str
    """`pdftotext -raw`, as printed."""
    pages: int


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _draft(package: Path, home: Path) -> tuple[bytes, bytes, bytes]:
    """materials.json, materials.pdf and result.json of one fresh run."""
    declaration = load_package(package)
    result = review(declaration, home=home, as_of=AS_OF, regime="cn-crm-2022")
    materials = build_materials(declaration, result)
    files = []
    for writer, value in (
        (MATERIALS_FORMATS["json"], materials),
        (MATERIALS_FORMATS["pdf"], materials),
        (REVIEW_FORMATS["json"], result),
    ):
        buffer = io.BytesIO()
        writer.write(value, buffer)  # type: ignore[arg-type]
        files.append(buffer.getvalue())
    return files[0], files[1], files[2]


def _read(pdf: bytes, path: Path) -> tuple[str, int]:
    path.write_bytes(pdf)
    raw = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    pages = re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M)
    assert pages is not None
    return raw, int(pages.group(1))


@pytest.fixture(scope="module")
def drafted(bundled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Drafted]:
    out = tmp_path_factory.mktemp("materials")
    found = {}
    for name, package in PACKAGES.items():
        first, pdf, result = _draft(package, bundled_home)
        second = _draft(package, bundled_home)[0]
        raw, pages = _read(pdf, out / f"{name}.pdf")
        found[name] = Drafted(
            package=package,
            materials=json.loads(first),
            result=json.loads(result),
            json_runs=(first, second),
            raw=raw,
            pages=pages,
        )
    return found


# --- the package's YAML, read plainly ---------------------------------------------------------


def _resolve(package: Path, source: str) -> tuple[bool, Any]:
    """Whether `file#pointer` exists in the package's YAML, and the value there."""
    file, _, pointer = source.partition("#")
    node: Any = yaml.safe_load((package / file).read_text(encoding="utf-8"))
    for part in pointer.split("/")[1:]:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def _plain(value: Any) -> Any:
    """A YAML value as the materials' JSON holds it (dates as text, lists as lists)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _fields(materials: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field of the form, its entries' parts included."""
    form = materials["form"]

    def entries(group: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for entry in group:
            found += entry["fields"] + entries(entry["parts"])
        return found

    found = form["declaration"] + form["applicant"] + form["purchase"]
    for group in ("cii_systems", "alternatives", "products", "vendors", "documents"):
        found += entries(form[group])
    return found


CODED = {
    "operator.sector",
    "cii_system.criticality",
    "purchase.national_security_anticipation.effect",
    "product.category",
    "product.security_product.category",
    "product.critical_equipment.kind",
    "document.kind",
    "site.kind",
    "commitment.commitment",
}
"""The form's fields whose value is a key of a vocabulary, shown as words in English."""
WORDED = {
    "r-and-d": "R&D",
    "packaging-test": "packaging and test",
    "plc": "PLC",
    "high-performance-computer-or-server": "high-performance computer or server",
    "e-government": "e-government",
}
"""The keys that do not read as themselves with their hyphens as spaces."""


def _shown(value: Any) -> list[str]:
    """How a value reads in the PDF: numbers with thousands separators, lists item by item."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [f"{int(value):,}" if float(value).is_integer() else str(value)]
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


# --- the form ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PACKAGES)
def test_every_form_field_holds_the_value_at_its_place_in_the_package(
    drafted: dict[str, Drafted], name: str
) -> None:
    page = drafted[name]
    for field in _fields(page.materials):
        if field["source"] is None:
            continue
        present, value = _resolve(page.package, field["source"])
        if not present:
            default = next((d for k, d in DEFAULTS.items() if re.search(k, field["source"])), None)
            expected = None if default is None else default["default"]
            if field["key"] == "product.vex":
                expected = []
            assert field["value"] == expected, field
        elif field["key"] in ("product.sboms", "product.vex"):
            assert field["value"] == [posixpath.normpath(path) for path in value], field
        else:
            assert field["value"] == _plain(value), field


@pytest.mark.parametrize("name", PACKAGES)
def test_the_form_covers_the_package(drafted: dict[str, Drafted], name: str) -> None:
    """Every part of the manifest the form must show is there, found by its place in the YAML."""
    page = drafted[name]
    manifest = yaml.safe_load((page.package / "declaration.yaml").read_text(encoding="utf-8"))
    sources = {f["source"]: f for f in _fields(page.materials)}
    wanted = [f"/declaration/{key}" for key in ("id", "title", "date", "prepared_by")] + [
        f"/operator/{key}" for key in ("name", "identifier", "sector", "ciio")
    ]
    wanted += [f"/purchase/{key}" for key in ("reference", "description", "date")]
    for n, _ in enumerate(manifest["cii_systems"]):
        wanted += [f"/cii_systems/{n}/{key}" for key in ("id", "name", "criticality")]
    for n, alternative in enumerate(manifest["purchase"]["alternatives"]):
        wanted += [f"/purchase/alternatives/{n}/{key}" for key in alternative]
    for n, product in enumerate(manifest["products"]):
        keys = ("id", "name", "version", "vendor", "category", "quantity", "support_end")
        wanted += [f"/products/{n}/{key}" for key in keys]
        wanted += [
            f"/products/{n}/deployments/{d}/system" for d in range(len(product["deployments"]))
        ]
    for n, _ in enumerate(manifest.get("documents", ())):
        wanted += [f"/documents/{n}/file", f"/documents/{n}/kind"]
    for pointer in wanted:
        assert f"declaration.yaml#{pointer}" in sources, pointer
    for entry in manifest["vendors"]:
        profile = yaml.safe_load((page.package / entry["file"]).read_text(encoding="utf-8"))
        for key in ("id", "legal_name", "jurisdiction"):
            assert sources[f"{entry['file']}#/{key}"]["value"] == profile[key]
        for n, _ in enumerate(profile["commitments"]):
            assert f"{entry['file']}#/commitments/{n}/signed" in sources


@pytest.mark.parametrize("name", PACKAGES)
def test_the_pdf_shows_every_value_of_the_form(drafted: dict[str, Drafted], name: str) -> None:
    page = drafted[name]
    text = _squash(page.raw)
    for field in _fields(page.materials):
        for shown in _shown(field["value"]):
            if field["key"] in CODED:  # a key of a vocabulary reads as words
                shown = WORDED.get(shown, shown.replace("-", " "))
            assert _squash(shown) in text, (field["key"], shown)


# --- what is to be supplied -------------------------------------------------------------------


def _expected_supply(page: Drafted) -> Counter[tuple[str, str, str, str | None]]:
    """What the applicant still has to supply, from the YAML and the review's JSON alone."""
    manifest = yaml.safe_load((page.package / "declaration.yaml").read_text(encoding="utf-8"))
    expected: Counter[tuple[str, str, str, str | None]] = Counter()
    for key, (section, field) in NEEDED.items():
        if field not in manifest[section]:
            expected["form", key, "operator", None] += 1
    for product in manifest["products"]:
        if "support_end" not in product:
            expected["form", "product.support_end", "operator", product["id"]] += 1
    kinds = {d["kind"] for d in manifest.get("documents", ())}
    if not kinds & {"procurement-document", "contract"}:
        expected["art8", "procurement-documents", "operator", None] += 1
    gaps = {
        (gap["what"], gap["party"])
        for assessment in page.result["determination"]["assessments"]
        for gap in assessment["missing_evidence"]
    }
    for what, party in gaps:
        expected["review", what, party, None] += 1
    return expected


@pytest.mark.parametrize("name", PACKAGES)
def test_what_is_to_be_supplied_is_the_missing_fields_and_evidence(
    drafted: dict[str, Drafted], name: str
) -> None:
    page = drafted[name]
    listed = Counter(
        (t["source"], t["what"], t["party"], t["entry"]) for t in page.materials["to_supply"]
    )
    assert listed == _expected_supply(page)
    for item in page.materials["to_supply"]:
        if item["source"] == "review":
            asking = {
                a["factor_id"]
                for a in page.result["determination"]["assessments"]
                if any(g["what"] == item["what"] for g in a["missing_evidence"])
            }
            assert set(item["factors"]) == asking


@pytest.mark.parametrize("name", PACKAGES)
def test_every_missing_evidence_item_is_marked_to_be_supplied_in_the_pdf(
    drafted: dict[str, Drafted], name: str
) -> None:
    page = drafted[name]
    text = _squash(page.raw)
    count = len(page.materials["to_supply"])
    assert _squash(f"{count} item{'s' if count != 1 else ''} still to be supplied") in text
    for assessment in page.result["determination"]["assessments"]:
        for gap in assessment["missing_evidence"]:
            marked = f"{SUPPLY[gap['party']]}: {gap['what']}"
            assert _squash(marked) in text, marked


# --- the analysis -----------------------------------------------------------------------------


def _weighed() -> dict[int, list[str]]:
    """The factors the profile weighs under each item of Art. 10."""
    items = {a["id"]: int(a["item"]) for a in PROFILE["articles"] if a["article"] == "Art. 10"}
    weighed: dict[int, list[str]] = {item: [] for item in items.values()}
    for mapping in PROFILE["factors"]:
        for article in mapping["articles"]:
            if article in items:
                weighed[items[article]].append(mapping["factor"])
    return weighed


def _level_words(assessment: dict[str, Any]) -> str:
    level, floor = assessment["level"], assessment["floor"]
    return (
        f"undetermined (at least {floor})" if level == "undetermined" and floor != "none" else level
    )


@pytest.mark.parametrize("name", PACKAGES)
def test_each_item_of_article_10_has_its_section_with_the_review_levels(
    drafted: dict[str, Drafted], name: str
) -> None:
    page = drafted[name]
    assessments = {a["factor_id"]: a for a in page.result["determination"]["assessments"]}
    analysis = page.materials["analysis"]
    factors = {f["factor"]: f for f in analysis["factors"]}
    weighed = _weighed()
    assert [s["item"] for s in analysis["items"]] == list(range(1, 8)) == sorted(weighed)
    starts = [re.search(rf"^\f?Art\. 10 item {n}: ", page.raw, re.M) for n in range(1, 8)]
    assert all(starts), name
    ends = [*(m.start() for m in starts[1:] if m), page.raw.index("Weighed under other articles")]
    for section, start, end in zip(analysis["items"], starts, ends, strict=True):
        expected = [f for f in assessments if f in weighed[section["item"]]]
        assert section["factors"] == expected
        assert start is not None
        text = _squash(page.raw[start.start() : end])
        for factor in expected:
            assert factors[factor]["level"] == assessments[factor]["level"]
            row = f"{factor} {TITLES[factor]} {_level_words(assessments[factor])}"
            assert _squash(row) in text, (section["item"], row)
    placed = {f for s in analysis["items"] for f in s["factors"]}
    assert analysis["related"] == [f for f in assessments if f not in placed]
    assert analysis["outcome"] == page.result["determination"]["outcome"]


@pytest.mark.parametrize("name", PACKAGES)
def test_the_json_follows_its_schema_and_is_the_same_bytes_twice(
    drafted: dict[str, Drafted], name: str
) -> None:
    page = drafted[name]
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(page.materials)
    first, second = page.json_runs
    assert first == second
    assert page.materials["schema_version"] == SCHEMA["properties"]["schema_version"]["const"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_page_is_numbered_and_headed(drafted: dict[str, Drafted], name: str) -> None:
    page = drafted[name]
    pages = page.raw.split("\f")[:-1]
    assert len(pages) == page.pages > 2
    declaration = page.materials["declaration"]["id"]
    for number, text in enumerate(pages, start=1):
        assert f"{declaration} · declaration materials (draft)" in text
        assert f"page {number} of {page.pages}" in text


# --- a package with fields removed ------------------------------------------------------------


def test_a_field_removed_from_the_package_is_marked_missing(
    bundled_home: Path, tmp_path: Path
) -> None:
    package = tmp_path / "package"
    shutil.copytree(PACKAGES["fixture-minimal"], package)
    manifest_path = package / "declaration.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    assert manifest["purchase"]["date"] and manifest["operator"]["identifier"]
    del manifest["purchase"]["date"], manifest["operator"]["identifier"]
    del manifest["products"][0]["support_end"]
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")

    materials_json, pdf, _ = _draft(package, bundled_home)
    materials = json.loads(materials_json)
    fields = {f["source"]: f for f in _fields(materials)}
    for pointer in ("/purchase/date", "/operator/identifier", "/products/0/support_end"):
        field = fields[f"declaration.yaml#{pointer}"]
        assert field["value"] is None and field["required"], field
    listed = {(t["source"], t["what"], t["entry"]) for t in materials["to_supply"]}
    assert {("form", "purchase.date", None), ("form", "operator.identifier", None)} <= listed
    assert ("form", "product.support_end", "P-ARRAY") in listed

    text = _squash(_read(pdf, tmp_path / "m.pdf")[0])
    for label in (
        "Contract to be signed on",
        "Unified social credit code",
        "Security support until",
    ):
        assert _squash(f"{label} {SUPPLY['operator']}") in text, label
    marked = f"{SUPPLY['operator']}: P-ARRAY: Security support until (declaration form)"
    assert _squash(marked) in text


def test_materials_need_a_review_of_the_same_package_under_the_chinese_measures(
    bundled_home: Path,
) -> None:
    declaration = load_package(PACKAGES["fixture-minimal"])
    other = review(declaration, home=bundled_home, as_of=AS_OF, regime="us-icts-791")
    with pytest.raises(InputError, match="cn-crm-2022"):
        build_materials(declaration, other)
    grid = load_package(PACKAGES["grid-storage"])
    with pytest.raises(InputError, match="not of"):
        build_materials(grid, review(declaration, home=bundled_home, as_of=AS_OF))


def test_hostile_text_in_the_package_is_escaped(bundled_home: Path, tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(PACKAGES["fixture-minimal"], package)
    manifest_path = package / "declaration.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    manifest["purchase"]["description"] = "<script>alert(1)</script>"
    manifest["purchase"]["alternatives"][0]["reason"] = '"><img src=x onerror=alert(2)>'
    manifest["cii_systems"][0]["name"] = "{{ 7 * 7 }} <style>body{display:none}</style>"
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    declaration = load_package(package)
    materials = build_materials(
        declaration, review(declaration, home=bundled_home, as_of=AS_OF, regime="cn-crm-2022")
    )
    buffer = io.BytesIO()
    MATERIALS_FORMATS["html"].write(materials, buffer)
    html = buffer.getvalue().decode("utf-8")
    assert "<script" not in html and "<img" not in html and html.count("<style") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "{{ 7 * 7 }} &lt;style&gt;" in html  # quoted, never evaluated as a template
