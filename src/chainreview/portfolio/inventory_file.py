"""Read an operator inventory, YAML or CSV, into a `Portfolio`.

The format is recognised from the content: a first line (comments and blank lines aside) with
commas and no colon is a CSV header, anything else YAML. Both follow the published schema
`chainreview/schemas/inventory.schema.json`: the YAML document as a whole, each CSV row against
`$defs/csv_row` (one row per product deployed in one system, `function` the deployment's, a
system's its first row's; facts repeated on several rows must agree). Paths to SBOMs are
relative to the inventory's folder and may not leave it (`evidence.folder_paths`); each SBOM
file is read once, without schema validation, and a product's SBOMs are merged into one
inventory.

The first problem refuses the file: one `InputError` naming the file and the JSON pointer
(YAML) or the line and column (CSV), e.g. `inventory.csv: line 4, column quantity: -2 is less
than the minimum of 1`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from chainreview import limits, raw
from chainreview.components.model import Inventory, SbomDocument
from chainreview.errors import InputError
from chainreview.evidence.declaration import Criticality
from chainreview.evidence.folder_paths import locate
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.schema_checks import (
    INVENTORY_SCHEMA_ID,
    check_schema,
    check_unique,
    duplicates,
    schema_problems,
)
from chainreview.evidence.vendor_profile import SiteKind
from chainreview.evidence.vex import VexDocument, VexStatement, read_vex
from chainreview.portfolio.model import (
    DeployedProduct,
    Deployment,
    Portfolio,
    System,
    Vendor,
    VendorSite,
)

__all__ = ["CSV_COLUMNS", "read_inventory"]

CSV_COLUMNS: Final = (
    "operator",
    "system",
    "system_name",
    "criticality",
    "function",
    "product",
    "product_name",
    "quantity",
    "vendor",
    "vendor_name",
    "vendor_country",
    "sboms",
    "sites",
    "case",
    "alternatives",
    "vex",
)
"""The columns of the CSV form; all but `sites`, `case`, `alternatives` and `vex` are
required."""
_OPTIONAL_COLUMNS: Final = frozenset({"sites", "case", "alternatives", "vex"})
_CSV_ROW: Final = f"{INVENTORY_SCHEMA_ID}#/$defs/csv_row"
_INTEGER: Final = re.compile(r"[+-]?[0-9]{1,18}")
_IDS_SHOWN: Final = 20

Where = Callable[[int, str, int], str]
"""The place of a path a product lists in the file: from the product's index, the field
(`sboms` or `vex`) and the path's index."""


def read_inventory(path: Path, display: str | None = None) -> Portfolio:
    """Read the inventory at `path` (`display` names it in messages; default: as given), with
    every product's SBOMs; raises `InputError` at the first problem."""
    shown = str(path) if display is None else display
    data = raw.read_bytes(path, shown, limits.MAX_INVENTORY_BYTES)
    text = raw.decode_utf8(data, shown)
    if _is_csv(text):
        document, where = _csv_document(text, shown)
    else:
        document = raw.load_yaml(data, shown)
        if document is None:
            raise InputError(shown, "empty inventory")
        check_schema(document, INVENTORY_SCHEMA_ID, shown)
        where = _yaml_place
    _check_references(document, shown)
    try:
        root = path.resolve(strict=True).parent
    except OSError as exc:  # the file was read: only a race removes it
        raise InputError(shown, "cannot resolve the inventory's folder") from exc
    products = _SbomReader(root, shown, where).products(document)
    return Portfolio(
        operator=document["operator"],
        source=shown,
        systems=tuple(_system(item) for item in document["systems"]),
        vendors=tuple(_vendor(item) for item in document["vendors"]),
        products=products,
    )


def _is_csv(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return "," in stripped and ":" not in stripped
    return False


def _yaml_place(product: int, field: str, index: int) -> str:
    return f"/products/{product}/{field}/{index}"


# --- CSV ----------------------------------------------------------------------------------------


def _csv_document(text: str, display: str) -> tuple[dict[str, Any], Where]:
    """The YAML-shaped document of a CSV inventory, and where each product's SBOMs are given."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = _header(next(reader, None), display)
        builder = _CsvBuilder(display)
        for fields in reader:
            if not fields or fields == [""]:
                continue
            line = reader.line_num
            if len(fields) != len(header):
                message = f"{len(fields)} fields, the header has {len(header)}"
                raise InputError(display, message, f"line {line}")
            builder.add(_row(dict(zip(header, fields, strict=True)), display, line), line)
    except csv.Error as exc:
        raise InputError(display, f"not valid CSV: {exc}", f"line {reader.line_num}") from exc
    return builder.document(), builder.place


def _header(fields: list[str] | None, display: str) -> list[str]:
    if fields is None:
        raise InputError(display, "empty CSV: no header line")
    header = [name.strip().removeprefix("\ufeff") for name in fields]
    for name in header:
        if name not in CSV_COLUMNS:
            message = f"unknown column {raw.preview(name)} (columns: {', '.join(CSV_COLUMNS)})"
            raise InputError(display, message, "line 1")
    for index, name in duplicates(header):
        message = f"column {raw.preview(name)} appears more than once"
        raise InputError(display, message, f"line 1, column {index + 1}")
    missing = [n for n in CSV_COLUMNS if n not in header and n not in _OPTIONAL_COLUMNS]
    if missing:
        raise InputError(display, f"missing column {', '.join(missing)}", "line 1")
    return header


def _row(fields: Mapping[str, str], display: str, line: int) -> dict[str, Any]:
    """One row as the schema's `csv_row`, checked: numbers as integers, lists split, empty
    optional cells left out."""
    row: dict[str, Any] = {}
    for name, cell in fields.items():
        value = cell.strip()
        if name == "quantity" and _INTEGER.fullmatch(value):
            row[name] = int(value)
        elif name in ("sboms", "alternatives", "vex"):
            row[name] = [part.strip() for part in value.split(";") if part.strip()]
        elif name == "sites":
            row[name] = value.split()
        elif value or name not in _OPTIONAL_COLUMNS:
            row[name] = value
    problems = schema_problems(row, _CSV_ROW, display)
    if problems:
        column = problems[0].pointer.split("/")[1] if problems[0].pointer != "(root)" else ""
        where = f"line {line}, column {column}" if column else f"line {line}"
        raise InputError(display, problems[0].message, where)
    return row


class _CsvBuilder:
    """Gathers rows into systems, vendors and products, checking that repeated facts agree."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.first: dict[tuple[str, str], tuple[Mapping[str, Any], int]] = {}
        """The first row of each (entity, id), with its line."""
        self.operator: str | None = None
        self.systems: list[dict[str, Any]] = []
        self.vendors: dict[str, dict[str, Any]] = {}
        self.products: dict[str, tuple[dict[str, Any], int]] = {}
        self.deployed: dict[tuple[str, str], int] = {}
        self.lines: list[int] = []
        """The first line of each product, in order (made when first asked)."""

    def add(self, row: Mapping[str, Any], line: int) -> None:
        """Take one checked row (from `line`)."""
        if self._first("operator", "", row, line, ("operator",)):
            self.operator = row["operator"]
        if self._first("system", row["system"], row, line, _SYSTEM_COLUMNS):
            system = {"id": row["system"], "name": row["system_name"]}
            self.systems.append(system | {k: row[k] for k in ("criticality", "function")})
        if self._first("vendor", row["vendor"], row, line, _VENDOR_COLUMNS):
            self.vendors[row["vendor"]] = {
                "id": row["vendor"],
                "name": row["vendor_name"],
                "country": row["vendor_country"],
                "sites": [],
            }
        product_id = row["product"]
        if self._first("product", product_id, row, line, _PRODUCT_COLUMNS):
            product = {"id": product_id, "name": row["product_name"], "vendor": row["vendor"]}
            product |= {"sboms": row["sboms"], "deployments": []}
            product |= {k: row[k] for k in ("case", "alternatives", "vex") if k in row}
            self.products[product_id] = (product, line)
            sites = self.vendors[row["vendor"]]["sites"]
            sites += [{"country": c, "products": [product_id]} for c in row.get("sites", ())]
        first = self.deployed.setdefault((product_id, row["system"]), line)
        if first != line:
            message = f"product {product_id!r} is listed in system {row['system']!r} twice"
            raise InputError(self.display, f"{message} (first on line {first})", f"line {line}")
        deployment = {"system": row["system"], "quantity": row["quantity"]}
        deployment["function"] = row["function"]
        self.products[product_id][0]["deployments"].append(deployment)

    def _first(
        self, entity: str, key: str, row: Mapping[str, Any], line: int, columns: Iterable[str]
    ) -> bool:
        """True the first time `entity` `key` is met; after that, refuse a row whose `columns`
        differ from its first row's."""
        found = self.first.setdefault((entity, key), (row, line))
        if found[1] == line:
            return True
        earlier, earlier_line = found
        for column in columns:
            if row.get(column) != earlier.get(column):
                subject = f"{entity} {key!r}" if key else "the inventory"
                message = (
                    f"{column} {raw.preview(row.get(column))} differs from "
                    f"{raw.preview(earlier.get(column))} given for {subject} on line {earlier_line}"
                )
                raise InputError(self.display, message, f"line {line}, column {column}")
        return False

    def document(self) -> dict[str, Any]:
        """The YAML-shaped document of the rows taken."""
        if self.operator is None:
            raise InputError(self.display, "no deployment rows after the header")
        return {
            "schema_version": "1.0",
            "operator": self.operator,
            "systems": self.systems,
            "vendors": list(self.vendors.values()),
            "products": [product for product, _ in self.products.values()],
        }

    def place(self, product: int, field: str, index: int) -> str:
        """Where the paths of `field` of the `product`-th product are given (the `index`-th
        is in that cell)."""
        del index
        if len(self.lines) != len(self.products):
            self.lines = [line for _, line in self.products.values()]
        return f"line {self.lines[product]}, column {field}"


_SYSTEM_COLUMNS: Final = ("system_name", "criticality")
_VENDOR_COLUMNS: Final = ("vendor_name", "vendor_country")
_PRODUCT_COLUMNS: Final = (
    "product_name",
    "vendor",
    "sboms",
    "case",
    "sites",
    "alternatives",
    "vex",
)


# --- cross-references and records -----------------------------------------------------------


def _check_references(document: Mapping[str, Any], display: str) -> None:
    """Ids unique; every vendor, system and product an entry names is declared."""
    systems = [item["id"] for item in document["systems"]]
    vendors = [item["id"] for item in document["vendors"]]
    products = [item["id"] for item in document["products"]]
    check_unique(systems, "system id", display, "/systems/{}/id")
    check_unique(vendors, "vendor id", display, "/vendors/{}/id")
    check_unique(products, "product id", display, "/products/{}/id")
    vendor_of = {item["id"]: item["vendor"] for item in document["products"]}
    for n, product in enumerate(document["products"]):
        _refer("vendor", product["vendor"], vendors, display, f"/products/{n}/vendor")
        seen: dict[str, int] = {}
        for d, deployment in enumerate(product["deployments"]):
            pointer = f"/products/{n}/deployments/{d}/system"
            _refer("system", deployment["system"], systems, display, pointer)
            first = seen.setdefault(deployment["system"], d)
            if first != d:
                message = f"system {deployment['system']!r} is listed twice"
                raise InputError(display, f"{message} (first at deployment {first})", pointer)
    for n, vendor in enumerate(document["vendors"]):
        for s, site in enumerate(vendor.get("sites", ())):
            for p, product in enumerate(site.get("products", ())):
                pointer = f"/vendors/{n}/sites/{s}/products/{p}"
                _refer("product", product, products, display, pointer)
                if vendor_of[product] != vendor["id"]:
                    message = (
                        f"product {product!r} is made by vendor {vendor_of[product]!r}, "
                        f"not {vendor['id']!r}"
                    )
                    raise InputError(display, message, pointer)


def _refer(what: str, value: str, known: list[str], display: str, pointer: str) -> None:
    if value in known:
        return
    listed = sorted(known)
    declared = ", ".join(listed[:_IDS_SHOWN])
    if len(listed) > _IDS_SHOWN:
        declared += f" and {len(listed) - _IDS_SHOWN:,} more"
    message = f"unknown {what} {raw.preview(value)} (declared: {declared or 'none'})"
    raise InputError(display, message, pointer)


def _system(item: Mapping[str, Any]) -> System:
    return System(
        id=item["id"],
        name=item["name"],
        criticality=Criticality(item["criticality"]),
        function=item["function"],
        cii=item.get("cii", True),
    )


def _vendor(item: Mapping[str, Any]) -> Vendor:
    return Vendor(
        id=item["id"],
        name=item["name"],
        country=item["country"],
        sites=tuple(
            VendorSite(
                country=site["country"],
                kind=SiteKind(site["kind"]) if "kind" in site else None,
                products=tuple(site.get("products", ())),
            )
            for site in item.get("sites", ())
        ),
    )


class _SbomReader:
    """Reads each SBOM and VEX file once and merges each product's SBOMs into one inventory."""

    def __init__(self, root: Path, display: str, where: Where) -> None:
        self.root = root
        self.display = display
        self.folder = Path(display).parent
        self.where = where
        self.documents: dict[str, SbomDocument] = {}
        self.merged: dict[tuple[str, ...], Inventory] = {}
        self.vex: dict[str, VexDocument] = {}

    def products(self, document: Mapping[str, Any]) -> tuple[DeployedProduct, ...]:
        """The products of the checked `document`, with their SBOMs read."""
        functions = {item["id"]: item["function"] for item in document["systems"]}
        return tuple(
            DeployedProduct(
                id=item["id"],
                name=item["name"],
                vendor=item["vendor"],
                deployments=tuple(
                    Deployment(
                        system=d["system"],
                        quantity=d["quantity"],
                        function=d.get("function", functions[d["system"]]),
                    )
                    for d in item["deployments"]
                ),
                case=item.get("case"),
                alternatives=tuple(item.get("alternatives", ())),
                vex=self._statements(n, item.get("vex", ())),
                **self._read(n, item.get("sboms", ())),
            )
            for n, item in enumerate(document["products"])
        )

    def _statements(self, product: int, paths: Iterable[str]) -> tuple[VexStatement, ...]:
        """The statements of the product's VEX documents, in the order listed."""
        statements: list[VexStatement] = []
        for n, value in enumerate(paths):
            place = self.where(product, "vex", n)
            name, real = locate(self.root, value, self.display, place, folder="folder")
            if name not in self.vex:
                self.vex[name] = read_vex(real, (self.folder / name).as_posix())
            statements += self.vex[name].statements
        return tuple(statements)

    def _read(self, product: int, paths: Iterable[str]) -> dict[str, Any]:
        names = []
        for n, value in enumerate(paths):
            place = self.where(product, "sboms", n)
            name, real = locate(self.root, value, self.display, place, folder="folder")
            if name not in self.documents:
                shown = (self.folder / name).as_posix()
                self.documents[name] = read_sbom(real, shown, validate=False)
            names.append(name)
        key = tuple(names)
        if key and key not in self.merged:
            self.merged[key] = merge_documents([self.documents[name] for name in key])
        return {"sboms": key, "inventory": self.merged.get(key)}
