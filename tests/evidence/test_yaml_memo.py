"""`YamlMemo`: parsed YAML kept by the digest of its bytes, handed out as copies; and the
package reader's path check, whose common case (no link below the package folder) no longer
resolves the whole path.

Expected values come from PyYAML's own safe loader (an independent reader of the same bytes)
or are written here by hand."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from chainreview.errors import InputError
from chainreview.evidence.declaration import load_declaration
from chainreview.evidence.folder_paths import locate
from chainreview.evidence.yaml_memo import YamlMemo

MINIMAL = Path(__file__).parents[1] / "fixtures" / "declarations" / "minimal"

DOCUMENT = b"""\
name: Northwind
owners:
  - &owner {entity: Northwind Holdings LLC, share: 62.5}
  - *owner
tags: !!set {a, b}
pairs: !!omap [{x: [1, 2]}]
"""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_kept_document_reads_as_pyyaml_reads_it_each_time() -> None:
    memo = YamlMemo()
    expected = yaml.safe_load(DOCUMENT)
    first = memo.load(DOCUMENT, _digest(DOCUMENT), "doc.yaml")
    second = memo.load(DOCUMENT, _digest(DOCUMENT), "doc.yaml")
    assert first == expected
    assert second == expected


def test_changing_a_copy_handed_out_changes_no_later_one() -> None:
    memo = YamlMemo()
    first = memo.load(DOCUMENT, _digest(DOCUMENT), "doc.yaml")
    first["name"] = "changed"
    first["owners"][0]["entity"] = "changed"
    first["tags"].add("c")
    first["pairs"][0][1].append(3)
    second = memo.load(DOCUMENT, _digest(DOCUMENT), "doc.yaml")
    assert second == yaml.safe_load(DOCUMENT)
    # an alias still shares its collection in the copy, as in what the loader built
    assert second["owners"][0] is second["owners"][1]


def test_other_bytes_are_parsed_afresh() -> None:
    memo = YamlMemo()
    before, after = b"legal_name: Northwind\n", b"legal_name: Southwind\n"
    assert memo.load(before, _digest(before), "v.yaml") == {"legal_name": "Northwind"}
    assert memo.load(after, _digest(after), "v.yaml") == {"legal_name": "Southwind"}


def test_bytes_that_fail_are_refused_every_time() -> None:
    memo = YamlMemo()
    broken = b"a: 1\na: 2\n"
    for _ in range(2):
        with pytest.raises(InputError, match="duplicate key 'a'"):
            memo.load(broken, _digest(broken), "broken.yaml")


def test_the_oldest_document_is_dropped_past_the_bound() -> None:
    memo = YamlMemo(entries=2)
    documents = [f"n: {n}\n".encode() for n in range(3)]
    for data in documents:
        memo.load(data, _digest(data), "n.yaml")
    for data in documents:
        memo.found_valid(_digest(data), "schema")
    assert not memo.valid(_digest(documents[0]), "schema")  # dropped: not noted either
    assert memo.valid(_digest(documents[2]), "schema")
    assert not memo.valid(_digest(documents[2]), "another schema")


def test_a_package_reread_through_a_memo_reads_as_without_one(tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(MINIMAL, package)
    memo = YamlMemo()
    assert load_declaration(package, memo=memo) == load_declaration(package)
    vendor = package / "vendor" / "northwind.yaml"
    vendor.write_text(
        vendor.read_text(encoding="utf-8").replace("jurisdiction: US", "jurisdiction: CA"),
        encoding="utf-8",
    )
    again = load_declaration(package, memo=memo)
    assert again == load_declaration(package)
    assert again.vendors[0].jurisdiction == "CA"


def test_a_schema_violation_is_found_again_when_the_bytes_are_read_again(tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(MINIMAL, package)
    memo = YamlMemo()
    load_declaration(package, memo=memo)  # the valid vendor profile noted valid
    vendor = package / "vendor" / "northwind.yaml"
    vendor.write_text(vendor.read_text(encoding="utf-8") + "surprise: field\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(
            InputError, match=re.escape("vendor/northwind.yaml: /surprise: unknown field")
        ):
            load_declaration(package, memo=memo)


# --- locate: the plain case and the links ---------------------------------------------------


def test_a_plain_path_is_its_own_real_location(tmp_path: Path) -> None:
    (tmp_path / "sbom").mkdir()
    (tmp_path / "sbom" / "a.json").write_text("{}", encoding="utf-8")
    assert locate(tmp_path.resolve(), "sbom/./a.json", "m.yaml", "/p") == (
        "sbom/a.json",
        tmp_path.resolve() / "sbom" / "a.json",
    )


def test_a_link_inside_the_folder_leads_to_its_target(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "real").mkdir()
    (root / "real" / "a.json").write_text("{}", encoding="utf-8")
    (root / "linked").symlink_to(root / "real", target_is_directory=True)
    assert locate(root, "linked/a.json", "m.yaml", "/p") == (
        "linked/a.json",
        root / "real" / "a.json",
    )


def test_a_folder_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "sbom").mkdir()
    with pytest.raises(InputError, match="'sbom' is not a regular file"):
        locate(root, "sbom", "m.yaml", "/p")
    with pytest.raises(InputError, match=re.escape("no such file 'sbom/b.json' in the package")):
        locate(root, "sbom/b.json", "m.yaml", "/p")
    with pytest.raises(InputError, match=re.escape("no such file 'x/b.json' in the package")):
        locate(root, "x/b.json", "m.yaml", "/p")
