"""Read a declaration package: the folder whose `declaration.yaml` describes a purchase for review.

The manifest names the package's other files: SBOMs and VEX per product, vendor profiles, the
questionnaire answers and the Art. 8 documents. `load_declaration` reads them all and returns one
frozen `Declaration`:

* every YAML file is parsed safely (`raw.load_yaml`: no Python tags, timestamps kept as strings)
  and validated against the published `chainreview/schemas/declaration.schema.json` (vendor
  profiles and answers against its `$defs/vendor_profile` and `$defs/questionnaire`), dates
  included;
* every referenced path is relative to the package folder; absolute paths, `..` components,
  backslashes and links that lead outside the folder are refused (the package is hostile input);
* the SBOMs of each product are read with `read_sbom` and merged into one inventory; VEX files are
  recorded with their digests (VEX is parsed by a later stage);
* every input file is recorded with its sha256 digest and its package-relative path, never an
  absolute one, for the determination's input digests;
* ids must be unique and every cross-reference (product → vendor, deployment → system, …) resolve.

Any violation raises `InputError` whose one line names the file and the JSON pointer, e.g.
`declaration.yaml: /products/0/category: 'toaster' is not one of [...]`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import orjson
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from chainreview import limits, raw
from chainreview.errors import InputError
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.product import Product, product_from
from chainreview.evidence.questionnaire import QuestionnaireAnswer, answers_from
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.vendor_profile import VendorProfile, vendor_profile_from

MANIFEST = "declaration.yaml"
"""File name of the manifest at the root of a declaration package."""

DECLARATION_SCHEMA_ID = "https://chainreview.dev/schema/declaration-1.0.json"
"""`$id` of the published declaration schema."""

OVERRIDES_SCHEMA_ID = "https://chainreview.dev/schema/overrides-1.0.json"
"""`$id` of the published overrides schema."""

DEFAULT_REGIME = "cn-crm-2022"
"""Regime profile applied when the manifest names none."""

_SCHEMA_FILES = ("declaration.schema.json", "overrides.schema.json")
_MESSAGE_CHARS = 300
_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:")


class Sector(StrEnum):
    """CII sector of the operator (CII Security Protection Regulations, Art. 2)."""

    PUBLIC_COMMUNICATIONS = "public-communications-and-information-services"
    ENERGY = "energy"
    TRANSPORT = "transport"
    WATER_CONSERVANCY = "water-conservancy"
    FINANCE = "finance"
    PUBLIC_SERVICES = "public-services"
    E_GOVERNMENT = "e-government"
    DEFENCE_SCIENCE_AND_INDUSTRY = "national-defence-science-and-industry"
    OTHER = "other"


class Criticality(StrEnum):
    """Business impact of losing a CII system."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class DocumentKind(StrEnum):
    """What a supporting document is (Art. 8 items 1–3, or other)."""

    DECLARATION_FORM = "declaration-form"
    IMPACT_ANALYSIS_REPORT = "impact-analysis-report"
    PROCUREMENT_DOCUMENT = "procurement-document"
    CONTRACT = "contract"
    OTHER = "other"


class InputRole(StrEnum):
    """What an input file of the package is used as."""

    MANIFEST = "manifest"
    SBOM = "sbom"
    VEX = "vex"
    VENDOR_PROFILE = "vendor-profile"
    QUESTIONNAIRE = "questionnaire"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputFile:
    """One file of the package, as digested for the determination."""

    path: str
    """Path relative to the package folder, with `/` separators."""
    sha256: str
    """Lower-case hex sha256 of the file's bytes."""
    size: int
    """Size in bytes."""
    roles: tuple[InputRole, ...]
    """Every use of the file, in the order first met."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorListing:
    """A listing the operator seeks (Art. 7: declared above one million users, when abroad)."""

    venue: str
    country: str
    """ISO 3166-1 alpha-2 code of the exchange's country."""
    personal_information_users: int
    application_date: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Operator:
    """The operator making the purchase."""

    name: str
    sector: Sector
    identifier: str | None = None
    """Official registration number (e.g. unified social credit code)."""
    ciio: bool = True
    """A critical information infrastructure operator (stricter data-export rules)."""
    listing: OperatorListing | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CiiSystem:
    """A system of the operator that the purchase serves (a CII system unless `cii` is false)."""

    id: str
    name: str
    criticality: Criticality
    internet_facing: bool
    description: str | None = None
    cii: bool = True
    """The system is critical information infrastructure."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Alternative:
    """A supplier or product considered for the same function."""

    vendor: str
    country: str
    """ISO 3166-1 alpha-2 code."""
    qualified: bool
    product: str | None = None
    replaces: str | None = None
    """Id of the declared product it could replace."""
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Money:
    """An amount in a currency."""

    amount: float
    currency: str
    """ISO 4217 code."""


class Effect(StrEnum):
    """The operator's Art. 5 anticipation of the effect on national security."""

    NONE = "none"
    POSSIBLE = "possible"


@dataclass(frozen=True, slots=True, kw_only=True)
class Anticipation:
    """The operator's own anticipation of the national-security risks (Art. 5)."""

    effect: Effect
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Purchase:
    """The procurement being declared."""

    reference: str
    description: str
    alternatives: tuple[Alternative, ...]
    """Empty when the declaration says none were considered."""
    date: str | None = None
    """ISO 8601 date the contract is to be signed."""
    value: Money | None = None
    national_security_anticipation: Anticipation | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A supporting document (Art. 8 materials); its content is not parsed."""

    path: str
    """Package-relative path."""
    kind: DocumentKind
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Declaration:
    """A whole declaration package, read, validated and cross-checked."""

    id: str
    title: str
    date: str
    """ISO 8601 date the declaration was prepared."""
    regime: str
    """Regime profile id (`cn-crm-2022` when the manifest names none)."""
    operator: Operator
    cii_systems: tuple[CiiSystem, ...]
    purchase: Purchase
    products: tuple[Product, ...]
    vendors: tuple[VendorProfile, ...]
    answers: tuple[QuestionnaireAnswer, ...]
    """Empty when the package has no questionnaire."""
    documents: tuple[Document, ...]
    inputs: tuple[InputFile, ...]
    """Every file read, sorted by path, with its digest."""
    prepared_by: str | None = None
    questionnaire_file: str | None = None
    """Package-relative path of the answers file, when there is one."""


# --- schema validation ------------------------------------------------------------------------

_SCHEMA_DIR = resources.files("chainreview") / "schemas"


@functools.cache
def _registry() -> Registry[Any]:
    """The declaration and overrides schemas by `$id`; any other `$ref` fails, never fetched."""
    contents = [orjson.loads((_SCHEMA_DIR / name).read_bytes()) for name in _SCHEMA_FILES]
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in contents
    )


@functools.cache
def _validator(reference: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": reference}, registry=_registry(), format_checker=FormatChecker(formats=("date",))
    )


def check_schema(value: Any, reference: str, file: str) -> None:
    """Validate `value` read from `file` against the declaration or overrides schema at `reference`.

    Raises `InputError` as `raise_for_errors` does.
    """
    raise_for_errors(list(_validator(reference).iter_errors(value)), file)


def raise_for_errors(errors: Sequence[ValidationError], file: str) -> None:
    """Raise `InputError` for the most relevant of `errors` (if any) found in `file`.

    The message names the JSON pointer of the violation (of the missing or unknown field itself,
    for those) and counts the others.
    """
    if not errors:
        return
    error = best_match(errors)
    pointer, message = _explain(error)
    if len(errors) > 1:
        others = len(errors) - 1
        message += f" (and {others} more problem{'s' if others > 1 else ''})"
    raise InputError(file, message, pointer or "(root)")


def _explain(error: ValidationError) -> tuple[str, str]:
    """The pointer and a one-line message for one violation."""
    pointer = _pointer(error.absolute_path)
    instance, keyword, schema = error.instance, error.validator_value, error.schema
    if isinstance(instance, dict) and error.validator == "required" and isinstance(keyword, list):
        missing = next(name for name in keyword if name not in instance)
        return f"{pointer}/{_escape(missing)}", "required field is missing"
    if isinstance(instance, dict) and error.validator == "additionalProperties":
        allowed = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        extra = next(name for name in instance if name not in allowed)
        return f"{pointer}/{_escape(extra)}", f"unknown field (allowed: {', '.join(allowed)})"
    if error.validator == "format":
        return pointer, f"{instance!r} is not a valid {keyword} (YYYY-MM-DD)"
    message = error.message
    wants_text = keyword == "string" or (isinstance(keyword, list) and "string" in keyword)
    if error.validator == "type" and wants_text and isinstance(instance, (bool, int, float)):
        message += " (YAML reads unquoted yes/no/on/off as booleans and 1.10 as 1.1: quote it)"
    return pointer, raw.one_line(message, _MESSAGE_CHARS)


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[object]) -> str:
    return "".join("/" + _escape(part) for part in path)


# --- package files ----------------------------------------------------------------------------


class _Package:
    """The package folder: resolves its paths safely and digests every file it hands out."""

    def __init__(self, directory: Path) -> None:
        try:
            self.root = directory.resolve(strict=True)
        except OSError as exc:
            raise InputError(str(directory), "declaration folder not found") from exc
        if not self.root.is_dir():
            raise InputError(str(directory), "not a folder")
        self.inputs: dict[str, InputFile] = {}

    def locate(self, value: str, file: str, pointer: str) -> tuple[str, Path]:
        """The package-relative path and real location of `value`, named at `file` `pointer`."""
        if "\\" in value or "\x00" in value:
            raise InputError(file, f"path {value!r} may contain neither `\\` nor NUL", pointer)
        relative = PurePosixPath(value)
        if relative.is_absolute() or _WINDOWS_ABSOLUTE.match(value):
            raise InputError(file, f"absolute path {value!r} refused: use a package path", pointer)
        if ".." in relative.parts:
            raise InputError(file, f"path {value!r} refused: `..` leaves the package", pointer)
        name = relative.as_posix()
        target = self.root / relative
        try:
            real = target.resolve(strict=True)
        except FileNotFoundError as exc:
            raise InputError(file, f"no such file {name!r} in the package", pointer) from exc
        except (OSError, RuntimeError) as exc:
            raise InputError(file, f"cannot resolve {name!r}", pointer) from exc
        if not real.is_relative_to(self.root):
            raise InputError(file, f"path {name!r} refused: a link leads outside", pointer)
        if not real.is_file():
            raise InputError(file, f"{name!r} is not a regular file", pointer)
        return name, real

    def record(self, name: str, real: Path, role: InputRole, data: bytes | None = None) -> None:
        """Digest `real` (or the bytes already read from it) under `name` for `role`."""
        known = self.inputs.get(name)
        if known is not None:
            if role not in known.roles:
                self.inputs[name] = dataclasses.replace(known, roles=(*known.roles, role))
            return
        if data is None:
            digest, size = raw.digest_file(real, name, limits.MAX_DOCUMENT_BYTES)
        else:
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
        self.inputs[name] = InputFile(path=name, sha256=digest, size=size, roles=(role,))

    def path(self, value: str, file: str, pointer: str, role: InputRole) -> str:
        """Check, digest and return the package-relative path of a file the package names."""
        name, real = self.locate(value, file, pointer)
        self.record(name, real, role)
        return name

    def yaml(self, value: str, file: str, pointer: str, role: InputRole) -> tuple[str, Any]:
        """Read a YAML file the package names; return its relative path and parsed value."""
        name, real = self.locate(value, file, pointer)
        data = raw.read_bytes(real, name)
        self.record(name, real, role, data)
        return name, raw.load_yaml(data, name)


# --- loading ----------------------------------------------------------------------------------


def load_declaration(directory: Path) -> Declaration:
    """Read, validate and cross-check the declaration package in `directory`.

    Raises `InputError` naming the package-relative file and JSON pointer of the first problem.
    """
    package = _Package(directory)
    manifest, value = package.yaml(MANIFEST, str(directory), "", InputRole.MANIFEST)
    check_schema(value, DECLARATION_SCHEMA_ID, manifest)

    vendors = tuple(
        _vendor(package, item["file"], f"/vendors/{index}/file")
        for index, item in enumerate(value["vendors"])
    )
    seen_vendors: dict[str, str] = {}
    for vendor in vendors:
        if seen_vendors.setdefault(vendor.id, vendor.file) != vendor.file:
            message = f"vendor id {vendor.id!r} is also used by {seen_vendors[vendor.id]}"
            raise InputError(vendor.file, message, "/id")
    answers: tuple[QuestionnaireAnswer, ...] = ()
    questionnaire_file = None
    if "questionnaire" in value:
        questionnaire_file, answers = _answers(package, value["questionnaire"])

    systems = tuple(_cii_system(item) for item in value["cii_systems"])
    check_unique((s.id for s in systems), "system id", manifest, "/cii_systems/{}/id")
    products = tuple(
        _product(package, item, manifest, f"/products/{index}")
        for index, item in enumerate(value["products"])
    )
    check_unique((p.id for p in products), "product id", manifest, "/products/{}/id")
    declaration_info = value["declaration"]
    documents = tuple(
        Document(
            path=package.path(item["file"], manifest, f"/documents/{n}/file", InputRole.DOCUMENT),
            kind=DocumentKind(item["kind"]),
            title=item.get("title"),
        )
        for n, item in enumerate(value.get("documents", ()))
    )
    declaration = Declaration(
        id=declaration_info["id"],
        title=declaration_info["title"],
        date=declaration_info["date"],
        regime=declaration_info.get("regime", DEFAULT_REGIME),
        prepared_by=declaration_info.get("prepared_by"),
        operator=_operator(value["operator"]),
        cii_systems=systems,
        purchase=_purchase(value["purchase"]),
        products=products,
        vendors=vendors,
        answers=answers,
        questionnaire_file=questionnaire_file,
        documents=documents,
        inputs=tuple(package.inputs[name] for name in sorted(package.inputs)),
    )
    _check_references(declaration, manifest)
    return declaration


def _vendor(package: _Package, value: str, pointer: str) -> VendorProfile:
    name, data = package.yaml(value, MANIFEST, pointer, InputRole.VENDOR_PROFILE)
    check_schema(data, f"{DECLARATION_SCHEMA_ID}#/$defs/vendor_profile", name)
    profile = vendor_profile_from(
        data, name, lambda path, at: package.path(path, name, at, InputRole.DOCUMENT)
    )
    owned = {profile.legal_name} | {link.entity for link in profile.ownership}
    for index, link in enumerate(profile.ownership):
        if link.owns not in owned:
            message = f"owns {link.owns!r}: neither the vendor's legal name nor an owner listed"
            raise InputError(name, message, f"/ownership/{index}/owns")
    return profile


def _answers(package: _Package, value: str) -> tuple[str, tuple[QuestionnaireAnswer, ...]]:
    name, data = package.yaml(value, MANIFEST, "/questionnaire", InputRole.QUESTIONNAIRE)
    check_schema(data, f"{DECLARATION_SCHEMA_ID}#/$defs/questionnaire", name)
    answers = answers_from(
        data, name, lambda path, at: package.path(path, name, at, InputRole.DOCUMENT)
    )
    questions = (a.question for a in answers)
    check_unique(questions, "answer to question", name, "/answers/{}/question")
    return name, answers


def _product(package: _Package, item: Mapping[str, Any], manifest: str, pointer: str) -> Product:
    sbom_files = tuple(
        package.path(path, manifest, f"{pointer}/sboms/{n}", InputRole.SBOM)
        for n, path in enumerate(item["sboms"])
    )
    documents = [read_sbom(package.root / PurePosixPath(name), name) for name in sbom_files]
    return product_from(
        item,
        sbom_files=sbom_files,
        inventory=merge_documents(documents) if documents else None,
        vex_files=tuple(
            package.path(path, manifest, f"{pointer}/vex/{n}", InputRole.VEX)
            for n, path in enumerate(item.get("vex", ()))
        ),
    )


def _operator(item: Mapping[str, Any]) -> Operator:
    listing = item.get("listing")
    return Operator(
        name=item["name"],
        sector=Sector(item["sector"]),
        identifier=item.get("identifier"),
        ciio=item.get("ciio", True),
        listing=None
        if listing is None
        else OperatorListing(
            venue=listing["venue"],
            country=listing["country"],
            personal_information_users=listing["personal_information_users"],
            application_date=listing.get("application_date"),
        ),
    )


def _cii_system(item: Mapping[str, Any]) -> CiiSystem:
    return CiiSystem(
        id=item["id"],
        name=item["name"],
        criticality=Criticality(item["criticality"]),
        internet_facing=item["internet_facing"],
        description=item.get("description"),
        cii=item.get("cii", True),
    )


def _purchase(item: Mapping[str, Any]) -> Purchase:
    value = item.get("value")
    anticipation = item.get("national_security_anticipation")
    return Purchase(
        national_security_anticipation=None
        if anticipation is None
        else Anticipation(effect=Effect(anticipation["effect"]), reason=anticipation["reason"]),
        reference=item["reference"],
        description=item["description"],
        date=item.get("date"),
        value=None
        if value is None
        else Money(amount=float(value["amount"]), currency=value["currency"]),
        alternatives=tuple(
            Alternative(
                vendor=a["vendor"],
                country=a["country"],
                qualified=a["qualified"],
                product=a.get("product"),
                replaces=a.get("replaces"),
                reason=a.get("reason"),
            )
            for a in item["alternatives"]
        ),
    )


# --- cross-references -------------------------------------------------------------------------


def check_unique(ids: Iterable[str], what: str, file: str, pointer: str) -> None:
    """Refuse an id met twice in `file`; `pointer` has a `{}` where the entry's index goes."""
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            raise InputError(file, f"{what} {item!r} appears more than once", pointer.format(index))
        seen.add(item)


def _check_references(declaration: Declaration, manifest: str) -> None:
    """Every id a declaration refers to must be declared in it."""
    systems = {s.id for s in declaration.cii_systems}
    products = {p.id for p in declaration.products}
    vendors = {v.id for v in declaration.vendors}
    for n, product in enumerate(declaration.products):
        if product.vendor not in vendors:
            raise InputError(
                manifest, _unknown("vendor", product.vendor, vendors), f"/products/{n}/vendor"
            )
        for d, deployment in enumerate(product.deployments):
            if deployment.system not in systems:
                raise InputError(
                    manifest,
                    _unknown("system", deployment.system, systems),
                    f"/products/{n}/deployments/{d}/system",
                )
    for n, alternative in enumerate(declaration.purchase.alternatives):
        if alternative.replaces is not None and alternative.replaces not in products:
            raise InputError(
                manifest,
                _unknown("product", alternative.replaces, products),
                f"/purchase/alternatives/{n}/replaces",
            )
    for vendor in declaration.vendors:
        for n, certification in enumerate(vendor.certifications):
            for c, covered in enumerate(certification.covers):
                if covered not in products:
                    raise InputError(
                        vendor.file,
                        _unknown("product", covered, products),
                        f"/certifications/{n}/covers/{c}",
                    )
        for n, site in enumerate(vendor.sites):
            for p, product_id in enumerate(site.products):
                if product_id not in products:
                    raise InputError(
                        vendor.file,
                        _unknown("product", product_id, products),
                        f"/sites/{n}/products/{p}",
                    )


def _unknown(what: str, value: str, known: set[str]) -> str:
    return f"unknown {what} {value!r} (declared: {', '.join(sorted(known))})"
