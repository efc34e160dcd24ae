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
* the SBOMs of each product are read with `read_sbom` and merged into one inventory, its VEX
  documents with `read_vex`, each file once: the digest recorded is of the very bytes parsed;
* every input file is recorded with its sha256 digest and its package-relative path, never an
  absolute one, for the determination's input digests; a YAML file or SBOM is read once, and its
  digest is of the very bytes parsed;
* ids must be unique and every cross-reference (product → vendor, deployment → system, …) resolve.

Every problem is found in one pass and reported at once: `InvalidPackage` (an `InputError`) lists
them all, one line each naming the package-relative file and the JSON pointer, e.g.
`declaration.yaml: /products/0/category: 'toaster' is not one of [...]`; its own message is the
first line and how many more there are. Each file is checked on its own, so one problem never
hides another: a file that cannot be read or parsed is one problem and only the checks that need
it are skipped (references to a vendor when a vendor profile is unreadable, for one). The caller
may add checks of the answers (`answer_checks`: the review checks them against the factor
catalogue), whose problems come in the same list.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeAlias

from chainreview import limits, raw
from chainreview.components.model import SbomDocument
from chainreview.errors import InputError, InvalidPackage, Problem
from chainreview.evidence.folder_paths import locate
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.product import Product, product_from
from chainreview.evidence.questionnaire import ANSWER_FIELDS, QuestionnaireAnswer, answer_from
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.schema_checks import DECLARATION_SCHEMA_ID, duplicates, schema_problems
from chainreview.evidence.vendor_profile import VendorProfile, vendor_profile_from
from chainreview.evidence.vex import VexDocument, read_vex
from chainreview.evidence.yaml_memo import YamlMemo

MANIFEST = "declaration.yaml"
"""File name of the manifest at the root of a declaration package."""

DEFAULT_REGIME = "cn-crm-2022"
"""Regime profile applied when the manifest names none."""

_IDS_SHOWN = 20
"""Most declared ids an "unknown id" problem lists."""


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


# --- reading order of problems ----------------------------------------------------------------


def _position(
    document: Any, pointer: str, tables: dict[int, dict[str, tuple[int, Any]]]
) -> tuple[int, ...]:
    """Where `pointer` lies in `document` in reading order (a missing field after its siblings).

    `tables` keeps each mapping's fields by name, made once per mapping (id) for all pointers.
    """
    position: list[int] = []
    node = document
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            table = tables.get(id(node))
            if table is None:
                table = tables[id(node)] = {}
                for index, (name, item) in enumerate(node.items()):
                    table.setdefault(str(name), (index, item))
            index, node = table.get(key, (len(node), None))
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            index = int(key)
            node = node[index]
        else:
            break
        position.append(index)
    return tuple(position)


# --- package files ----------------------------------------------------------------------------


class _Package:
    """The package folder: resolves its paths safely, digests every file it hands out and collects
    the problems met on the way."""

    def __init__(self, directory: Path, memo: YamlMemo | None = None) -> None:
        self.memo = memo
        try:
            self.root = directory.resolve(strict=True)
        except OSError as exc:
            problem = Problem(str(directory), "", "declaration folder not found")
            raise InvalidPackage([problem]) from exc
        if not self.root.is_dir():
            raise InvalidPackage([Problem(str(directory), "", "not a folder")])
        self.inputs: dict[str, InputFile] = {}
        self.checked: dict[str, str] = {}
        """The package-relative path of every path value that passed its checks."""
        self.yaml_files: dict[str, Any] = {}
        """Every YAML file parsed, by package-relative path."""
        self.sboms: dict[str, SbomDocument] = {}
        self.vex_documents: dict[str, VexDocument] = {}
        self.problems: list[Problem] = []

    def add(self, file: str, pointer: str, message: str) -> None:
        """Record a problem at `pointer` of `file`."""
        self.problems.append(Problem(file, pointer, message))

    def refuse(self, error: InputError) -> None:
        """Record the problem `error` names."""
        self.add(error.path, error.location, error.message)

    def check_schema(self, value: Any, reference: str, file: str) -> list[Problem]:
        """Record and return the violations of the schema at `reference` by `value`, the YAML
        file `file` as read (none when the memo knows its bytes valid)."""
        digest = self.inputs[file].sha256
        if self.memo is not None and self.memo.valid(digest, reference):
            return []
        problems = schema_problems(value, reference, file)
        if self.memo is not None and not problems:
            self.memo.found_valid(digest, reference)
        self.problems += problems
        return problems

    def invalid(self) -> InvalidPackage:
        """The error listing the problems by file in the order the package names them (the
        manifest first), each file's in reading order; one per place, the first found (a value
        the schema refuses is not also reported as an unknown id or a missing file)."""
        rank = {name: index for index, name in enumerate(self.inputs)}
        for problem in self.problems:
            rank.setdefault(problem.file, len(rank))

        tables: dict[int, dict[str, tuple[int, Any]]] = {}

        def key(problem: Problem) -> tuple[int, tuple[int, ...]]:
            document = self.yaml_files.get(problem.file)
            return rank[problem.file], _position(document, problem.pointer, tables)

        first: dict[tuple[str, str], Problem] = {}
        for problem in self.problems:
            first.setdefault((problem.file, problem.pointer), problem)
        return InvalidPackage(sorted(first.values(), key=key))

    def locate(self, value: str, file: str, pointer: str) -> tuple[str, Path]:
        """The package-relative path and real location of `value`, named at `file` `pointer`."""
        return locate(self.root, value, file, pointer)

    def record(
        self, name: str, real: Path, role: InputRole, digest: tuple[str, int] | None = None
    ) -> None:
        """Record `real` under `name` for `role` with the sha256 and size of the bytes already
        read from it, or else digest it."""
        known = self.inputs.get(name)
        if known is not None:
            if role not in known.roles:
                self.inputs[name] = dataclasses.replace(known, roles=(*known.roles, role))
            return
        sha256, size = digest or raw.digest_file(real, name, limits.MAX_DOCUMENT_BYTES)
        self.inputs[name] = InputFile(path=name, sha256=sha256, size=size, roles=(role,))

    def path(self, value: Any, file: str, pointer: str, role: InputRole) -> str | None:
        """Check and digest a file the package names; its package-relative path, or None (the
        problem recorded) when it cannot be used or `value` is not a path (the schema says so)."""
        if not isinstance(value, str):
            return None
        try:
            name, real = self.locate(value, file, pointer)
            self.record(name, real, role)
        except InputError as error:
            self.refuse(error)
            return None
        self.checked[value] = name
        return name

    def name(self, value: str, pointer: str) -> str:
        """The package-relative path of a path value already checked (`pointer` is not needed)."""
        return self.checked[value]

    def yaml(self, value: Any, file: str, pointer: str, role: InputRole) -> tuple[str, Any] | None:
        """Read a YAML file the package names: its package-relative path and parsed value, or
        None (the problem recorded) when it cannot be read or parsed."""
        if not isinstance(value, str):
            return None
        try:
            name, real = self.locate(value, file, pointer)
            data = raw.read_bytes(real, name)
            digest = hashlib.sha256(data).hexdigest()
            self.record(name, real, role, (digest, len(data)))
            parsed = (
                raw.load_yaml(data, name)
                if self.memo is None
                else self.memo.load(data, digest, name)
            )
        except InputError as error:
            self.refuse(error)
            return None
        self.checked[value] = name
        self.yaml_files[name] = parsed
        return name, parsed

    def sbom(self, value: Any, file: str, pointer: str) -> None:
        """Check and read an SBOM the package names, once however often it is named; its digest
        is of the bytes parsed."""
        if not isinstance(value, str):
            return
        try:
            name, real = self.locate(value, file, pointer)
            document = self.sboms.get(name) or read_sbom(real, name)
            self.record(name, real, InputRole.SBOM, (document.sha256, document.size))
        except InputError as error:
            self.refuse(error)
            return
        self.sboms[name] = document
        self.checked[value] = name

    def vex(self, value: Any, file: str, pointer: str) -> None:
        """Check and read a VEX document the package names, once however often it is named; its
        digest is of the bytes parsed."""
        if not isinstance(value, str):
            return
        try:
            name, real = self.locate(value, file, pointer)
            document = self.vex_documents.get(name) or read_vex(real, name)
            self.record(name, real, InputRole.VEX, (document.sha256, document.size))
        except InputError as error:
            self.refuse(error)
            return
        self.vex_documents[name] = document
        self.checked[value] = name


# --- loading ----------------------------------------------------------------------------------

AnswerCheck: TypeAlias = Callable[[tuple[QuestionnaireAnswer, ...]], Iterable[Problem]]
"""A check of the answers the schema accepts, returning their problems (e.g. against the factor
catalogue: `chainreview.factors.answers.answer_problems`)."""

_VENDOR_SCHEMA = f"{DECLARATION_SCHEMA_ID}#/$defs/vendor_profile"
_QUESTIONNAIRE_SCHEMA = f"{DECLARATION_SCHEMA_ID}#/$defs/questionnaire"


def load_declaration(
    directory: Path, *, answer_checks: Sequence[AnswerCheck] = (), memo: YamlMemo | None = None
) -> Declaration:
    """Read, validate and cross-check the declaration package in `directory`.

    Every file is checked, and `answer_checks` are run on the answers the schema accepts; raises
    `InvalidPackage` listing every problem found, each naming its package-relative file and JSON
    pointer. With a `memo`, YAML files whose bytes it has parsed before are not parsed again.
    """
    package = _Package(directory, memo)
    read = package.yaml(MANIFEST, str(directory), "", InputRole.MANIFEST)
    if read is None:
        raise package.invalid()
    manifest, value = read
    package.check_schema(value, DECLARATION_SCHEMA_ID, manifest)
    profiles = [
        _check_vendor(package, _field(item, "file"), f"/vendors/{index}/file")
        for index, item in _entries(value, "vendors")
    ]
    questionnaire = package.yaml(
        _field(value, "questionnaire"), manifest, "/questionnaire", InputRole.QUESTIONNAIRE
    )
    answers = () if questionnaire is None else _check_answers(package, *questionnaire)
    for check in answer_checks:
        package.problems += check(answers)
    for index, item in _entries(value, "products"):
        pointer = f"/products/{index}"
        for number, path in _entries(item, "sboms"):
            package.sbom(path, manifest, f"{pointer}/sboms/{number}")
        for number, path in _entries(item, "vex"):
            package.vex(path, manifest, f"{pointer}/vex/{number}")
    for index, item in _entries(value, "documents"):
        package.path(_field(item, "file"), manifest, f"/documents/{index}/file", InputRole.DOCUMENT)
    _check_references(package, value, profiles)
    if package.problems:
        raise package.invalid()
    return _declaration(package, value, profiles, questionnaire, answers)


def _declaration(
    package: _Package,
    value: Mapping[str, Any],
    profiles: Sequence[tuple[str, Any] | None],
    questionnaire: tuple[str, Any] | None,
    answers: tuple[QuestionnaireAnswer, ...],
) -> Declaration:
    """Build the declaration of a package in which no problem was found."""
    info = value["declaration"]
    return Declaration(
        id=info["id"],
        title=info["title"],
        date=info["date"],
        regime=info.get("regime", DEFAULT_REGIME),
        prepared_by=info.get("prepared_by"),
        operator=_operator(value["operator"]),
        cii_systems=tuple(_cii_system(item) for item in value["cii_systems"]),
        purchase=_purchase(value["purchase"]),
        products=tuple(_product(package, item) for item in value["products"]),
        vendors=tuple(
            vendor_profile_from(data, name, package.name) for name, data in filter(None, profiles)
        ),
        answers=answers,
        questionnaire_file=None if questionnaire is None else questionnaire[0],
        documents=tuple(
            Document(
                path=package.checked[item["file"]],
                kind=DocumentKind(item["kind"]),
                title=item.get("title"),
            )
            for item in value.get("documents", ())
        ),
        inputs=tuple(package.inputs[name] for name in sorted(package.inputs)),
    )


def _check_vendor(package: _Package, value: Any, pointer: str) -> tuple[str, Any] | None:
    """Read and check one vendor profile: its path and parsed value, or None when unreadable."""
    read = package.yaml(value, MANIFEST, pointer, InputRole.VENDOR_PROFILE)
    if read is None:
        return None
    name, data = read
    package.check_schema(data, _VENDOR_SCHEMA, name)
    for key in ("certifications", "commitments"):
        for index, item in _entries(data, key):
            document = _field(item, "document")
            package.path(document, name, f"/{key}/{index}/document", InputRole.DOCUMENT)
    links = _entries(data, "ownership")
    owned = _known([_text(data, "legal_name"), *(_text(link, "entity") for _, link in links)])
    for index, link in links:
        owns = _text(link, "owns")
        if owned is not None and owns is not None and owns not in owned:
            message = f"owns {owns!r}: neither the vendor's legal name nor an owner listed"
            package.add(name, f"/ownership/{index}/owns", message)
    return read


def _check_answers(package: _Package, name: str, data: Any) -> tuple[QuestionnaireAnswer, ...]:
    """Check the answers file `name`; return the answers whose fields the schema accepts (an
    unknown field aside).

    An evidence file that fails its check is kept as written: the package is refused then.
    """
    refused = package.check_schema(data, _QUESTIONNAIRE_SCHEMA, name)
    entries = _entries(data, "answers")
    for index, item in entries:
        for number, ref in _entries(item, "evidence"):
            pointer = f"/answers/{index}/evidence/{number}/file"
            package.path(_field(ref, "file"), name, pointer, InputRole.DOCUMENT)
    questions = (_text(item, "question") for _, item in entries)
    _check_unique(package, questions, "answer to question", name, "/answers/{}/question")

    def document(path: str, pointer: str) -> str:
        return package.checked.get(path, path)

    # The field each schema problem lies in: /answers/3/evidence/0/file → /answers/3/evidence.
    spoilt = {"/".join(problem.pointer.split("/", 4)[:4]) for problem in refused}
    return tuple(
        answer_from(item, name, f"/answers/{index}", document)
        for index, item in entries
        if isinstance(item, dict)
        and not any(f"/answers/{index}/{field}" in spoilt for field in ANSWER_FIELDS)
    )


def _product(package: _Package, item: Mapping[str, Any]) -> Product:
    sbom_files = tuple(package.checked[path] for path in item["sboms"])
    vex_files = tuple(package.checked[path] for path in item.get("vex", ()))
    documents = [package.sboms[name] for name in sbom_files]
    return product_from(
        item,
        sbom_files=sbom_files,
        inventory=merge_documents(documents) if documents else None,
        vex_files=vex_files,
        vex=tuple(package.vex_documents[name] for name in vex_files),
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


def _check_references(
    package: _Package, value: Any, profiles: Sequence[tuple[str, Any] | None]
) -> None:
    """Ids unique, and every id the package refers to declared in it (checked only where every id
    it could refer to is known)."""
    systems = [_text(item, "id") for _, item in _entries(value, "cii_systems")]
    _check_unique(package, systems, "system id", MANIFEST, "/cii_systems/{}/id")
    products = [_text(item, "id") for _, item in _entries(value, "products")]
    _check_unique(package, products, "product id", MANIFEST, "/products/{}/id")
    known_systems, known_products = _known(systems), _known(products)
    vendors = _vendor_ids(package, profiles)
    for n, item in _entries(value, "products"):
        vendor = (f"/products/{n}/vendor", _field(item, "vendor"))
        _refer(package, MANIFEST, "vendor", vendors, [vendor])
        deployments = [
            (f"/products/{n}/deployments/{d}/system", _field(deployment, "system"))
            for d, deployment in _entries(item, "deployments")
        ]
        _refer(package, MANIFEST, "system", known_systems, deployments)
    alternatives = [
        (f"/purchase/alternatives/{n}/replaces", _field(alternative, "replaces"))
        for n, alternative in _entries(_field(value, "purchase"), "alternatives")
    ]
    _refer(package, MANIFEST, "product", known_products, alternatives)
    for name, data in filter(None, profiles):
        covered = [
            (f"/certifications/{n}/covers/{c}", product)
            for n, certification in _entries(data, "certifications")
            for c, product in _entries(certification, "covers")
        ]
        served = [
            (f"/sites/{n}/products/{p}", product)
            for n, site in _entries(data, "sites")
            for p, product in _entries(site, "products")
        ]
        _refer(package, name, "product", known_products, covered + served)


def _vendor_ids(package: _Package, profiles: Sequence[tuple[str, Any] | None]) -> set[str] | None:
    """Check that no two profiles share a vendor id; the ids, or None when some are unknown."""
    seen: dict[str, str] = {}
    ids = [None if read is None else _text(read[1], "id") for read in profiles]
    for read, vendor_id in zip(profiles, ids, strict=True):
        if read is None or vendor_id is None:
            continue
        first = seen.setdefault(vendor_id, read[0])
        if first != read[0]:
            package.add(read[0], "/id", f"vendor id {vendor_id!r} is also used by {first}")
    return _known(ids)


def _refer(
    package: _Package,
    file: str,
    what: str,
    known: set[str] | None,
    references: Iterable[tuple[str, Any]],
) -> None:
    """Record each reference (a pointer and the value there) to a `what` not in `known`; nothing
    when `known` is None (some ids are unknown) or for a value that is not an id."""
    if known is None:
        return
    listed = sorted(known)
    declared = ", ".join(listed[:_IDS_SHOWN])
    if len(listed) > _IDS_SHOWN:
        declared += f" and {len(listed) - _IDS_SHOWN:,} more"
    for pointer, reference in references:
        if isinstance(reference, str) and reference not in known:
            message = f"unknown {what} {raw.preview(reference)} (declared: {declared})"
            package.add(file, pointer, message)


def _check_unique(
    package: _Package, ids: Iterable[str | None], what: str, file: str, pointer: str
) -> None:
    """Record every id met twice in `file`, as `check_unique` would refuse the first."""
    for index, item in duplicates(ids):
        package.add(file, pointer.format(index), f"{what} {item!r} appears more than once")


# --- reading what the schema may have refused ----------------------------------------------------


def _field(value: Any, key: str) -> Any:
    """`value[key]` when `value` is a mapping that has it, else None."""
    return value.get(key) if isinstance(value, dict) else None


def _text(value: Any, key: str) -> str | None:
    """`value[key]` when it is a string, else None."""
    item = _field(value, key)
    return item if isinstance(item, str) else None


def _entries(value: Any, key: str) -> list[tuple[int, Any]]:
    """The items of the list `value[key]` with their indexes; none when it is not a list."""
    items = _field(value, key)
    return list(enumerate(items)) if isinstance(items, list) else []


def _known(ids: Sequence[str | None]) -> set[str] | None:
    """The ids declared, or None when some are not known (a file unreadable, an id missing)."""
    return None if None in ids else {item for item in ids if item is not None}
