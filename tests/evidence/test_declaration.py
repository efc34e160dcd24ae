"""Tests of the declaration package reader and the overrides reader.

Expected values come from the fixture files themselves, read here with PyYAML, `json` and
`hashlib`; broken packages are made by editing a copy of the fixture, one fault each.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from chainreview import canonical, limits, raw
from chainreview.errors import InputError, InvalidPackage, Problem
from chainreview.evidence.declaration import Declaration, InputRole, load_declaration
from chainreview.evidence.overrides import read_overrides
from chainreview.evidence.questionnaire import QuestionnaireAnswer
from chainreview.levels import Level

MINIMAL = Path(__file__).parents[1] / "fixtures" / "declarations" / "minimal"
SCHEMAS = Path(__file__).parents[2] / "src" / "chainreview" / "schemas"


def _yaml(path: Path) -> Any:
    """The file read by PyYAML, with its dates turned back into the ISO strings written."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    return plain(yaml.safe_load(path.read_text(encoding="utf-8")))


def _assert_carried(expected: Any, actual: Any, where: str) -> None:
    """Every field of `expected` (from the YAML) has the same value in `actual` (the model)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}/{key} did not reach the model"
            _assert_carried(value, actual[key], f"{where}/{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for index, (value, item) in enumerate(zip(expected, actual, strict=True)):
            _assert_carried(value, item, f"{where}/{index}")
    else:
        assert actual == expected, where
        assert isinstance(actual, bool) == isinstance(expected, bool), where


@pytest.fixture(scope="module")
def declaration() -> Declaration:
    return load_declaration(MINIMAL)


# --- the fixture, read whole --------------------------------------------------------------------


def test_every_manifest_field_reaches_the_model(declaration: Declaration) -> None:
    manifest = _yaml(MINIMAL / "declaration.yaml")
    plain = canonical.to_plain(declaration)
    _assert_carried(manifest["declaration"], plain, "/declaration")
    _assert_carried(manifest["operator"], plain["operator"], "/operator")
    _assert_carried(manifest["cii_systems"], plain["cii_systems"], "/cii_systems")
    _assert_carried(manifest["purchase"], plain["purchase"], "/purchase")
    for index, product in enumerate(manifest["products"]):
        model = plain["products"][index]
        sboms, vex = product.pop("sboms"), product.pop("vex", [])
        _assert_carried(product, model, f"/products/{index}")
        assert model["sbom_files"] == [PurePosixPath(p).as_posix() for p in sboms]
        assert model["vex_files"] == vex
    assert [d["path"] for d in plain["documents"]] == [d["file"] for d in manifest["documents"]]
    assert [d["kind"] for d in plain["documents"]] == [d["kind"] for d in manifest["documents"]]
    assert declaration.questionnaire_file == manifest["questionnaire"]


def test_every_vendor_profile_field_reaches_the_model(declaration: Declaration) -> None:
    manifest = _yaml(MINIMAL / "declaration.yaml")
    assert [v.file for v in declaration.vendors] == [v["file"] for v in manifest["vendors"]]
    for vendor, entry in zip(declaration.vendors, manifest["vendors"], strict=True):
        _assert_carried(_yaml(MINIMAL / entry["file"]), canonical.to_plain(vendor), entry["file"])


def test_every_answer_reaches_the_model(declaration: Declaration) -> None:
    answers = _yaml(MINIMAL / "questionnaire.yaml")
    _assert_carried(answers, {"answers": canonical.to_plain(declaration.answers)}, "answers")
    assert [a.pointer for a in declaration.answers] == [
        f"/answers/{n}" for n in range(len(answers["answers"]))
    ]


def test_dates_stay_the_strings_written(declaration: Declaration) -> None:
    assert declaration.date == "2026-03-02"
    assert declaration.products[0].support_end == "2030-12-31"
    assert declaration.vendors[0].certifications[0].valid_until == "2028-06-30"


def test_regime_defaults_to_cn_crm_2022(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    _edit(package / "declaration.yaml", lambda m: m["declaration"].pop("regime"))
    assert load_declaration(package).regime == "cn-crm-2022"


def _walk_cyclonedx(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every entry under `key` (components or services), nested ones included."""
    found, stack = [], list(doc.get(key, []))
    while stack:
        entry = stack.pop()
        found.append(entry)
        stack.extend(entry.get(key, []))
    return found


def test_sboms_of_a_product_are_merged(declaration: Declaration) -> None:
    product = declaration.products[0]
    assert product.inventory is not None
    names, services = set(), set()
    for file in product.sbom_files:
        doc = json.loads((MINIMAL / file).read_text(encoding="utf-8"))
        names |= {c["name"] for c in _walk_cyclonedx(doc, "components")}
        if "component" in doc.get("metadata", {}):
            names.add(doc["metadata"]["component"]["name"])
        services |= {s["name"] for s in _walk_cyclonedx(doc, "services")}
    assert {c.name for c in product.inventory.components} == names
    assert {s.name for s in product.inventory.services} == services
    assert len(product.inventory.documents) == 2


def test_a_product_without_sbom_has_no_inventory(declaration: Declaration) -> None:
    assert declaration.products[1].sbom_files == ()
    assert declaration.products[1].inventory is None


def test_digests_match_hashlib(declaration: Declaration) -> None:
    expected = {
        "declaration.yaml",
        "vendor/northwind.yaml",
        "questionnaire.yaml",
        "documents/impact-analysis.md",
        "sbom/management-agent.cdx.json",
        "sbom/cloud-portal.cdx.json",
        "sbom/management-agent.vex.cdx.json",
    }
    assert [f.path for f in declaration.inputs] == sorted(expected)
    for record in declaration.inputs:
        data = (MINIMAL / record.path).read_bytes()
        assert record.sha256 == hashlib.sha256(data).hexdigest()
        assert record.size == len(data)
    roles = {f.path: f.roles for f in declaration.inputs}
    assert roles["sbom/management-agent.vex.cdx.json"] == (InputRole.VEX,)
    assert roles["documents/impact-analysis.md"] == (InputRole.DOCUMENT,)


def test_each_sbom_is_read_once_and_digested_as_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _copy(tmp_path)
    _edit(package / MANIFEST, _set("products", 1, "sboms", value=["sbom/cloud-portal.cdx.json"]))
    reads: list[str] = []
    read_bytes, digest_file = raw.read_bytes, raw.digest_file

    def counted_read(path: Path, display: str, max_bytes: int | None = None) -> bytes:
        reads.append(display)
        return read_bytes(path, display, max_bytes)

    def counted_digest(path: Path, display: str, max_bytes: int) -> tuple[str, int]:
        reads.append(display)
        return digest_file(path, display, max_bytes)

    monkeypatch.setattr(raw, "read_bytes", counted_read)
    monkeypatch.setattr(raw, "digest_file", counted_digest)
    declaration = load_declaration(package)
    sboms = ["sbom/cloud-portal.cdx.json", "sbom/management-agent.cdx.json"]
    assert [f.path for f in declaration.inputs if InputRole.SBOM in f.roles] == sboms
    assert [reads.count(name) for name in sboms] == [1, 1]
    recorded = {f.path: (f.sha256, f.size) for f in declaration.inputs}
    for product in declaration.products:
        assert product.inventory is not None
        for document in product.inventory.documents:
            assert recorded[document.file] == (document.sha256, document.size)


def test_no_absolute_path_is_recorded(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    result = load_declaration(package.resolve())
    dumped = canonical.dumps(canonical.to_plain(result)).decode()
    assert str(tmp_path.resolve()) not in dumped
    assert str(tmp_path) not in dumped
    for record in result.inputs:
        assert not PurePosixPath(record.path).is_absolute()
        assert ".." not in PurePosixPath(record.path).parts


def test_a_file_used_twice_is_recorded_once_with_both_roles(tmp_path: Path) -> None:
    # a CycloneDX BOM with components and vulnerabilities is both an SBOM and a VEX document
    package = _copy(tmp_path)
    sbom = json.loads((package / "sbom" / "management-agent.cdx.json").read_text())
    vex = json.loads((package / "sbom" / "management-agent.vex.cdx.json").read_text())
    both = {**sbom, "vulnerabilities": vex["vulnerabilities"]}
    (package / "sbom" / "management-agent.cdx.json").write_text(json.dumps(both))

    def reuse(manifest: dict[str, Any]) -> None:
        manifest["products"][0]["vex"].append("sbom/management-agent.cdx.json")

    _edit(package / "declaration.yaml", reuse)
    declaration = load_declaration(package)
    records = {f.path: f for f in declaration.inputs}
    assert records["sbom/management-agent.cdx.json"].roles == (InputRole.SBOM, InputRole.VEX)
    vex_files = declaration.products[0].vex_files
    assert [d.file for d in declaration.products[0].vex] == list(vex_files)


def test_a_sbom_given_as_vex_is_a_problem_of_the_package(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    _edit(
        package / "declaration.yaml",
        lambda m: m["products"][0]["vex"].append("sbom/management-agent.cdx.json"),
    )
    with pytest.raises(InputError) as caught:
        load_declaration(package)
    assert str(caught.value) == (
        "sbom/management-agent.cdx.json: CycloneDX BOM without vulnerabilities: not a VEX document"
    )


def test_a_huge_sparse_document_is_refused_without_reading_it(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    with (package / "documents" / "impact-analysis.md").open("wb") as handle:
        handle.truncate(64 * 1024**3)  # 64 GiB of holes: digesting them would take minutes
    started = time.monotonic()
    with pytest.raises(InvalidPackage) as caught:
        load_declaration(package)
    assert str(caught.value) == (
        "documents/impact-analysis.md: file is 68,719,476,736 bytes, over the "
        f"{limits.MAX_DOCUMENT_BYTES:,}-byte limit"
    )
    assert time.monotonic() - started < 5


# --- broken packages ------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    package = tmp_path / "package"
    shutil.copytree(MINIMAL, package)
    return package


def _edit(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    value = _yaml(path)
    change(value)
    path.write_text(yaml.safe_dump(value, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set(*keys: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return change


def _delete(*keys: str | int) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return change


MANIFEST = "declaration.yaml"
VENDOR = "vendor/northwind.yaml"
ANSWERS = "questionnaire.yaml"

BROKEN = [
    # (case, file edited, change, file named, pointer named, words in the message)
    (
        "missing required field",
        MANIFEST,
        _delete("operator", "sector"),
        MANIFEST,
        "/operator/sector",
        "required field is missing",
    ),
    (
        "wrong enum",
        MANIFEST,
        _set("products", 0, "category", value="toaster"),
        MANIFEST,
        "/products/0/category",
        "'toaster' is not one of",
    ),
    (
        "unknown field",
        MANIFEST,
        _set("purchase", "colour", value="red"),
        MANIFEST,
        "/purchase/colour",
        "unknown field",
    ),
    (
        "unquoted NO read as false",
        MANIFEST,
        _set("purchase", "alternatives", 1, "country", value=False),
        MANIFEST,
        "/purchase/alternatives/1/country",
        "quote it",
    ),
    (
        "invalid date",
        MANIFEST,
        _set("declaration", "date", value="2026-02-30"),
        MANIFEST,
        "/declaration/date",
        "'2026-02-30' is not a valid date",
    ),
    (
        "invalid date in a vendor profile",
        VENDOR,
        _set("certifications", 0, "valid_until", value="2028-13-01"),
        VENDOR,
        "/certifications/0/valid_until",
        "is not a valid date",
    ),
    (
        "missing SBOM file",
        MANIFEST,
        _set("products", 0, "sboms", 0, value="sbom/missing.cdx.json"),
        MANIFEST,
        "/products/0/sboms/0",
        "no such file 'sbom/missing.cdx.json'",
    ),
    (
        "../ escape",
        MANIFEST,
        _set("products", 0, "sboms", 0, value="../outside.cdx.json"),
        MANIFEST,
        "/products/0/sboms/0",
        "`..` leaves the package",
    ),
    (
        "../ escape hidden in the middle",
        MANIFEST,
        _set("products", 0, "vex", 0, value="sbom/../../outside.cdx.json"),
        MANIFEST,
        "/products/0/vex/0",
        "`..` leaves the package",
    ),
    (
        "backslash path",
        MANIFEST,
        _set("questionnaire", value="..\\outside.cdx.json"),
        MANIFEST,
        "/questionnaire",
        "may contain neither",
    ),
    (
        "Windows absolute path",
        MANIFEST,
        _set("documents", 0, "file", value="C:/Windows/win.ini"),
        MANIFEST,
        "/documents/0/file",
        "absolute path",
    ),
    (
        "unknown vendor",
        MANIFEST,
        _set("products", 0, "vendor", value="acme"),
        MANIFEST,
        "/products/0/vendor",
        "unknown vendor 'acme'",
    ),
    (
        "unknown system",
        MANIFEST,
        _set("products", 1, "deployments", 0, "system", value="SYS-NONE"),
        MANIFEST,
        "/products/1/deployments/0/system",
        "unknown system 'SYS-NONE'",
    ),
    (
        "duplicate product id",
        MANIFEST,
        lambda manifest: manifest["products"].append(manifest["products"][1]),
        MANIFEST,
        "/products/2/id",
        "product id 'P-CTRL' appears more than once",
    ),
    (
        "certificate covering an unknown product",
        VENDOR,
        _set("certifications", 0, "covers", 0, value="P-NONE"),
        VENDOR,
        "/certifications/0/covers/0",
        "unknown product 'P-NONE'",
    ),
    (
        "state link without its kind",
        VENDOR,
        _delete("ownership", 1, "state_link_kind"),
        VENDOR,
        "/ownership/1/state_link_kind",
        "required field is missing",
    ),
    (
        "owner of an unknown entity",
        VENDOR,
        _set("ownership", 0, "owns", value="Someone Else Ltd"),
        VENDOR,
        "/ownership/0/owns",
        "neither the vendor's legal name nor an owner",
    ),
    (
        "malformed question id",
        ANSWERS,
        _set("answers", 0, "question", value="F21.Q1"),
        ANSWERS,
        "/answers/0/question",
        "does not match",
    ),
    (
        "two answers to one question",
        ANSWERS,
        _set("answers", 1, "question", value="F05.Q1"),
        ANSWERS,
        "/answers/1/question",
        "answer to question 'F05.Q1' appears more than once",
    ),
    (
        "evidence file escaping the package",
        ANSWERS,
        _set("answers", 2, "evidence", 0, "file", value="../declaration.yaml"),
        ANSWERS,
        "/answers/2/evidence/0/file",
        "`..` leaves the package",
    ),
]


@pytest.mark.parametrize(
    ("edited", "change", "file", "pointer", "words"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_package_names_file_and_pointer(
    tmp_path: Path,
    edited: str,
    change: Callable[[dict[str, Any]], None],
    file: str,
    pointer: str,
    words: str,
) -> None:
    package = _copy(tmp_path)
    (tmp_path / "outside.cdx.json").write_bytes(
        (MINIMAL / "sbom/cloud-portal.cdx.json").read_bytes()
    )
    _edit(package / edited, change)
    with pytest.raises(InvalidPackage) as caught:
        load_declaration(package)
    message = str(caught.value)
    assert message.startswith(f"{file}: {pointer}: "), message
    assert words in message
    assert "\n" not in message
    # One problem: the message is its line alone, as before problems were collected.
    (problem,) = caught.value.problems
    assert (problem.file, problem.pointer, str(problem)) == (file, pointer, message)


def test_absolute_path_is_refused_even_inside_the_package(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    inside = str((package / "sbom" / "management-agent.cdx.json").resolve())
    _edit(package / MANIFEST, _set("products", 0, "sboms", 0, value=inside))
    with pytest.raises(InputError) as caught:
        load_declaration(package)
    assert str(caught.value).startswith(f"{MANIFEST}: /products/0/sboms/0: absolute path")


def test_link_leading_outside_is_refused(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    outside = tmp_path / "secret.json"
    outside.write_text("{}", encoding="utf-8")
    (package / "sbom" / "link.cdx.json").symlink_to(outside)
    _edit(package / MANIFEST, _set("products", 0, "sboms", 0, value="sbom/link.cdx.json"))
    with pytest.raises(InputError) as caught:
        load_declaration(package)
    assert str(caught.value) == (
        f"{MANIFEST}: /products/0/sboms/0: path 'sbom/link.cdx.json' refused: a link leads outside"
    )


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_declaration(tmp_path)
    assert str(caught.value) == f"{tmp_path}: no such file 'declaration.yaml' in the package"


def test_several_problems_are_counted(tmp_path: Path) -> None:
    package = _copy(tmp_path)

    def two_faults(manifest: dict[str, Any]) -> None:
        manifest["products"][0]["category"] = "toaster"
        manifest["products"][0]["quantity"] = 0

    _edit(package / MANIFEST, two_faults)
    with pytest.raises(InvalidPackage) as caught:
        load_declaration(package)
    assert str(caught.value).startswith(f"{MANIFEST}: /products/0/category: 'toaster' is not one")
    assert str(caught.value).endswith("(and 1 more problem)")
    assert [problem.pointer for problem in caught.value.problems] == [
        "/products/0/category",
        "/products/0/quantity",
    ]


# --- every problem at once ----------------------------------------------------------------------


def _problems(package: Path, **options: Any) -> InvalidPackage:
    """The error `load_declaration` raises on `package`."""
    with pytest.raises(InvalidPackage) as caught:
        load_declaration(package, **options)
    return caught.value


def _assert_problems(error: InvalidPackage, expected: list[tuple[str, str, str]]) -> None:
    """`error` lists exactly `expected` (file, pointer, words of the message), in that order."""
    found = [(p.file, p.pointer) for p in error.problems]
    assert found == [(file, pointer) for file, pointer, _ in expected]
    for problem, (file, pointer, words) in zip(error.problems, expected, strict=True):
        assert words in problem.message, problem
        assert str(problem) == f"{file}: {pointer}: {problem.message}"
        assert "\n" not in str(problem)


def test_a_problem_lists_at_most_twenty_declared_ids(tmp_path: Path) -> None:
    package = _copy(tmp_path)

    def many_systems(manifest: dict[str, Any]) -> None:
        extra = manifest["cii_systems"][1]
        manifest["cii_systems"] += [extra | {"id": f"SYS-{n:02}"} for n in range(25)]
        manifest["products"][1]["deployments"][0]["system"] = "SYS-NONE"

    _edit(package / MANIFEST, many_systems)
    (problem,) = _problems(package).problems
    shown = ", ".join(f"SYS-{n:02}" for n in range(20))
    assert problem.message == f"unknown system 'SYS-NONE' (declared: {shown} and 7 more)"


def test_thousands_of_problems_are_listed_quickly(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    with (package / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.writelines(f"field{n}: {n}\n" for n in range(20_000))
    started = time.monotonic()
    problems = _problems(package).problems
    assert time.monotonic() - started < 10  # sorting them by place was once quadratic: 47 s
    assert len(problems) == 20_000
    assert [p.pointer for p in problems[:2]] == ["/field0", "/field1"]


def test_every_schema_violation_of_every_file_is_reported(tmp_path: Path) -> None:
    package = _copy(tmp_path)

    def manifest_faults(manifest: dict[str, Any]) -> None:
        del manifest["declaration"]["title"], manifest["declaration"]["date"]
        del manifest["operator"]["sector"]
        manifest["purchase"] |= {"colour": "red", "size": "large"}
        manifest["products"][0]["category"] = "toaster"

    def vendor_faults(vendor: dict[str, Any]) -> None:
        vendor["sites"][1]["kind"] = "moon"
        vendor["certifications"][0]["valid_until"] = "2028-13-01"

    def answer_faults(answers: dict[str, Any]) -> None:
        answers["answers"][0]["answer"] = [1, 2]
        answers["answers"][2]["comment"] = "see annex"

    _edit(package / MANIFEST, manifest_faults)
    _edit(package / VENDOR, vendor_faults)
    _edit(package / ANSWERS, answer_faults)
    error = _problems(package)
    _assert_problems(
        error,
        [
            (MANIFEST, "/declaration/title", "required field is missing"),
            (MANIFEST, "/declaration/date", "required field is missing"),
            (MANIFEST, "/operator/sector", "required field is missing"),
            (MANIFEST, "/purchase/colour", "unknown field (allowed: reference,"),
            (MANIFEST, "/purchase/size", "unknown field (allowed: reference,"),
            (MANIFEST, "/products/0/category", "'toaster' is not one of"),
            (VENDOR, "/sites/1/kind", "'moon' is not one of"),
            (VENDOR, "/certifications/0/valid_until", "'2028-13-01' is not a valid date"),
            (ANSWERS, "/answers/0/answer", "[1, 2] is not of type 'boolean', 'string', 'number'"),
            (ANSWERS, "/answers/2/comment", "unknown field (allowed: question, answer,"),
        ],
    )
    assert str(error) == (
        "declaration.yaml: /declaration/title: required field is missing (and 9 more problems)"
    )


def test_every_bad_or_missing_path_is_reported(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    (package / "sbom" / "broken.cdx.json").write_text('{"bomFormat": "CycloneDX"', "utf-8")

    def manifest_faults(manifest: dict[str, Any]) -> None:
        manifest["products"][0]["sboms"] = ["sbom/missing.cdx.json", "sbom/broken.cdx.json"]
        manifest["products"][0]["vex"] = ["/etc/passwd"]
        manifest["documents"][0]["file"] = "documents/../../impact.md"

    def vendor_faults(vendor: dict[str, Any]) -> None:
        vendor["certifications"][0]["document"] = "certificates/missing.pdf"
        vendor["commitments"][0]["document"] = "C:/letters/commitment.pdf"

    _edit(package / MANIFEST, manifest_faults)
    _edit(package / VENDOR, vendor_faults)
    _edit(package / ANSWERS, _set("answers", 2, "evidence", 0, "file", value="documents\\a.md"))
    _assert_problems(
        _problems(package),
        [
            (MANIFEST, "/products/0/sboms/0", "no such file 'sbom/missing.cdx.json'"),
            (MANIFEST, "/products/0/vex/0", "absolute path '/etc/passwd' refused"),
            (MANIFEST, "/documents/0/file", "`..` leaves the package"),
            (VENDOR, "/certifications/0/document", "no such file 'certificates/missing.pdf'"),
            (VENDOR, "/commitments/0/document", "absolute path 'C:/letters/commitment.pdf'"),
            (ANSWERS, "/answers/2/evidence/0/file", "may contain neither `\\` nor NUL"),
            ("sbom/broken.cdx.json", "line 1, column 26", "not valid JSON"),
        ],
    )


def test_every_duplicate_id_is_reported(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    shutil.copy(package / VENDOR, package / "vendor" / "copy.yaml")

    def manifest_faults(manifest: dict[str, Any]) -> None:
        manifest["cii_systems"].append(manifest["cii_systems"][1])
        manifest["products"].append(manifest["products"][1])
        manifest["vendors"].append({"file": "vendor/copy.yaml"})

    _edit(package / MANIFEST, manifest_faults)
    _edit(package / ANSWERS, _set("answers", 2, "question", value="F05.Q1"))
    _assert_problems(
        _problems(package),
        [
            (MANIFEST, "/cii_systems/2/id", "system id 'SYS-BACKUP' appears more than once"),
            (MANIFEST, "/products/2/id", "product id 'P-CTRL' appears more than once"),
            ("vendor/copy.yaml", "/id", "vendor id 'northwind' is also used by vendor/northwind"),
            (ANSWERS, "/answers/2/question", "answer to question 'F05.Q1' appears more than once"),
        ],
    )


def test_every_dangling_reference_is_reported(tmp_path: Path) -> None:
    package = _copy(tmp_path)

    def manifest_faults(manifest: dict[str, Any]) -> None:
        manifest["purchase"]["alternatives"][0]["replaces"] = "P-NONE"
        manifest["products"][0]["vendor"] = "acme"
        manifest["products"][1]["deployments"][0]["system"] = "SYS-NONE"

    def vendor_faults(vendor: dict[str, Any]) -> None:
        vendor["ownership"][1]["owns"] = "Nobody Ltd"
        vendor["sites"][1]["products"] = ["P-LOST"]
        vendor["certifications"][0]["covers"] = ["P-CTRL", "P-GONE"]

    _edit(package / MANIFEST, manifest_faults)
    _edit(package / VENDOR, vendor_faults)
    error = _problems(package)
    assert [str(problem) for problem in error.problems] == [
        "declaration.yaml: /purchase/alternatives/0/replaces: unknown product 'P-NONE' "
        "(declared: P-ARRAY, P-CTRL)",
        "declaration.yaml: /products/0/vendor: unknown vendor 'acme' (declared: northwind)",
        "declaration.yaml: /products/1/deployments/0/system: unknown system 'SYS-NONE' "
        "(declared: SYS-BACKUP, SYS-DISPATCH)",
        "vendor/northwind.yaml: /ownership/1/owns: owns 'Nobody Ltd': neither the vendor's legal "
        "name nor an owner listed",
        "vendor/northwind.yaml: /sites/1/products/0: unknown product 'P-LOST' "
        "(declared: P-ARRAY, P-CTRL)",
        "vendor/northwind.yaml: /certifications/0/covers/1: unknown product 'P-GONE' "
        "(declared: P-ARRAY, P-CTRL)",
    ]


def test_a_value_the_schema_refuses_is_one_problem(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    _edit(package / MANIFEST, _set("products", 0, "vendor", value="acme corp"))
    # Not also "unknown vendor 'acme corp'": one problem per place, the schema's.
    (problem,) = _problems(package).problems
    assert (problem.pointer, problem.message) == (
        "/products/0/vendor",
        "'acme corp' does not match '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'",
    )


def test_an_unreadable_file_is_one_problem_and_the_others_are_still_checked(
    tmp_path: Path,
) -> None:
    package = _copy(tmp_path)
    (package / VENDOR).write_text("id: [northwind\n", encoding="utf-8")

    def manifest_faults(manifest: dict[str, Any]) -> None:
        manifest["products"][0]["category"] = "toaster"
        manifest["questionnaire"] = "answers/missing.yaml"

    _edit(package / MANIFEST, manifest_faults)
    error = _problems(package)
    # No "unknown vendor 'northwind'": the profile that may declare it could not be read.
    _assert_problems(
        error,
        [
            (MANIFEST, "/products/0/category", "'toaster' is not one of"),
            (MANIFEST, "/questionnaire", "no such file 'answers/missing.yaml'"),
            (VENDOR, "line 2, column 1", "not valid YAML"),
        ],
    )


def test_an_unreadable_manifest_is_the_only_problem(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    (package / MANIFEST).write_text("declaration: {id: [\n", encoding="utf-8")
    _edit(package / VENDOR, _set("sites", 1, "kind", value="moon"))
    (problem,) = _problems(package).problems
    assert (problem.file, problem.message.startswith("not valid YAML")) == (MANIFEST, True)


def test_answer_checks_see_the_answers_the_schema_accepts(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    seen: list[QuestionnaireAnswer] = []

    def check(answers: tuple[QuestionnaireAnswer, ...]) -> list[Problem]:
        seen.extend(answers)
        return [Problem(a.file, f"{a.pointer}/answer", f"checked {a.question}") for a in answers]

    def answer_faults(answers: dict[str, Any]) -> None:
        answers["answers"][1]["answer"] = {"days": 1}
        answers["answers"][2]["comment"] = "an unknown field does not hide the answer"

    _edit(package / ANSWERS, answer_faults)
    _edit(package / MANIFEST, _set("products", 0, "category", value="toaster"))
    _assert_problems(
        _problems(package, answer_checks=[check]),
        [
            (MANIFEST, "/products/0/category", "'toaster' is not one of"),
            (ANSWERS, "/answers/0/answer", "checked F05.Q1"),
            (ANSWERS, "/answers/1/answer", "{'days': 1} is not of type"),
            (ANSWERS, "/answers/2/answer", "checked F01.Q2"),
            (ANSWERS, "/answers/2/comment", "unknown field"),
        ],
    )
    assert [(a.question, a.pointer) for a in seen] == [
        ("F05.Q1", "/answers/0"),
        ("F01.Q2", "/answers/2"),
    ]


def test_answer_checks_that_find_nothing_let_the_package_load(tmp_path: Path) -> None:
    seen: list[str] = []

    def check(answers: tuple[QuestionnaireAnswer, ...]) -> tuple[Problem, ...]:
        seen.extend(a.question for a in answers)
        return ()

    declaration = load_declaration(MINIMAL, answer_checks=[check, check])
    assert seen == ["F05.Q1", "F06.Q2", "F01.Q2"] * 2
    assert declaration.answers[2].evidence[0].file == "documents/impact-analysis.md"


# --- the published schemas ------------------------------------------------------------------------


def _properties(schema: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Every property definition in `schema`, with its location (conditions in `if`/`not` aside)."""
    found = []
    if isinstance(schema, dict):
        for name, definition in schema.get("properties", {}).items():
            found.append((f"{where}/properties/{name}", definition))
        for key, value in schema.items():
            if key not in {"if", "not"}:
                found += _properties(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found += _properties(value, f"{where}/{index}")
    return found


@pytest.mark.parametrize("name", ["declaration.schema.json", "overrides.schema.json"])
def test_schema_documents_every_property(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://chainreview.dev/schema/")
    properties = _properties(schema, "")
    assert len(properties) >= 8
    for where, definition in properties:
        assert definition.get("title") and definition.get("description"), where


def test_product_categories_follow_the_measures() -> None:
    schema = json.loads((SCHEMAS / "declaration.schema.json").read_text(encoding="utf-8"))
    categories = schema["$defs"]["product"]["properties"]["category"]["enum"]
    # REGIMES.md §1.2: eight classes, the last a catch-all.
    assert len(categories) == 8
    assert categories[-1].startswith("other")


# --- overrides ------------------------------------------------------------------------------------


def _overrides(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "overrides.yaml"
    document = {"schema_version": "1.0", "overrides": entries}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


GOOD_OVERRIDE = {
    "factor": "F07",
    "level": "high",
    "reason": "Export-control exposure confirmed by the member units.",
    "reviewer": "Reviewer 3",
    "date": "2026-04-02",
}


def test_overrides_are_read(tmp_path: Path) -> None:
    withheld = {"factor": "F08", "reason": "Classified basis.", "reviewer": "R1"}
    withheld |= {"date": "2026-04-03", "basis_withheld": True}
    path = _overrides(tmp_path, [GOOD_OVERRIDE, withheld])
    first, second = read_overrides(path, "overrides.yaml").overrides
    assert (first.factor, first.level, first.reason) == ("F07", Level.HIGH, GOOD_OVERRIDE["reason"])
    assert (first.reviewer, first.date, first.basis_withheld) == ("Reviewer 3", "2026-04-02", False)
    assert (second.factor, second.level, second.basis_withheld) == ("F08", None, True)
    assert (second.file, second.pointer) == ("overrides.yaml", "/overrides/1")


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        ({"factor": "F21"}, "/overrides/0/factor", "'F21' is not one of"),
        ({"level": "severe"}, "/overrides/0/level", "'severe' is not one of"),
        ({"date": "2026-02-30"}, "/overrides/0/date", "'2026-02-30' is not a valid date"),
        ({"reason": ""}, "/overrides/0/reason", "should be non-empty"),
        ({"level": None}, "/overrides/0/level", "None is not one of"),
    ],
    ids=["unknown factor id", "wrong level", "invalid date", "empty reason", "null level"],
)
def test_broken_override_names_file_and_pointer(
    tmp_path: Path, change: dict[str, Any], pointer: str, words: str
) -> None:
    path = _overrides(tmp_path, [GOOD_OVERRIDE | change])
    with pytest.raises(InputError) as caught:
        read_overrides(path, "overrides.yaml")
    assert str(caught.value).startswith(f"overrides.yaml: {pointer}: ")
    assert words in str(caught.value)


def test_override_needs_a_level_unless_basis_withheld(tmp_path: Path) -> None:
    entry = {key: value for key, value in GOOD_OVERRIDE.items() if key != "level"}
    path = _overrides(tmp_path, [entry])
    with pytest.raises(InputError) as caught:
        read_overrides(path, "overrides.yaml")
    assert str(caught.value) == "overrides.yaml: /overrides/0/level: required field is missing"


def test_a_factor_is_overridden_once(tmp_path: Path) -> None:
    path = _overrides(tmp_path, [GOOD_OVERRIDE, GOOD_OVERRIDE | {"level": "low"}])
    with pytest.raises(InputError) as caught:
        read_overrides(path, "overrides.yaml")
    assert str(caught.value) == (
        "overrides.yaml: /overrides/1/factor: factor F07 is overridden more than once"
    )


def test_a_huge_value_or_key_gives_a_short_line(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    entry = {"factor": "F02", "level": "low", "reason": "r", "reviewer": "R", "date": "9" * 3000}
    path.write_text(yaml.safe_dump({"schema_version": "1.0", "overrides": [entry]}))
    with pytest.raises(InputError) as caught:
        read_overrides(path, "overrides.yaml")
    assert len(str(caught.value)) < 400 and "\n" not in str(caught.value)
    package = _copy(tmp_path)
    _edit(package / "declaration.yaml", lambda m: m["declaration"].update({"k" * 5000: 1}))
    with pytest.raises(InputError) as refused:
        load_declaration(package)
    assert len(str(refused.value)) < 700, str(refused.value)[:200]
