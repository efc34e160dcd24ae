"""The Art. 8 declaration materials of a declaration package: the declaration form and a draft
analysis report on the impact or possible impact on national security.

`build_materials(declaration, result)` takes a package as read (`evidence.declaration`) and the
review of it under `cn-crm-2022` (`reviewer.ReviewResult`) and returns a frozen `Materials`:

* the **form**: every field filled from the package, each with the JSON pointer it was read from
  (`declaration.yaml#/purchase/date`, `vendor/x.yaml#/legal_name`); a field the package does not
  give is left empty (`value` None), never guessed. Fields the form needs are `required`: an
  empty one is an item the applicant still has to supply; an optional one reads "not declared";
* the Art. 8 checklist: items 1 and 2 are drafted here (and any copy the package supplies is
  named); item 3 (procurement documents, agreements, contracts to be signed) is to be supplied
  when the package names none; item 4 lists the package's other documents and evidence files;
* the **analysis**: one section per item of Art. 10 listing the catalogue factors the regime
  maps to it, each factor once in `factors` with the review's level, rule, reasons, evidence,
  what would lower it, the evidence still missing and what the review could not assess; factors
  weighed under other articles only (Arts. 5, 6, 16, 19, 21) are `related`;
* `to_supply`: everything the applicant still has to supply, in one list: the empty required
  fields, a missing Art. 8 item, and every missing-evidence item of the review (once each, with
  the factors that ask for it and who holds it: the operator, or the vendor through it).

The JSON (`canonical.dumps`) follows `chainreview/schemas/materials.schema.json`; it holds keys
and values, no human label, so it is the same in every language. Human words are the
renderer's (`materials_render`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Final, TypeAlias

from chainreview.determination.model import Outcome
from chainreview.errors import InputError
from chainreview.evidence.declaration import MANIFEST, Declaration, DocumentKind, InputRole
from chainreview.evidence.product import Product
from chainreview.evidence.vendor_profile import VendorProfile
from chainreview.factors.catalogue import RegimeProfile, load_profile
from chainreview.factors.interface import EvidenceRef, Mitigation, Party
from chainreview.levels import Level
from chainreview.reviewer import DeclarationRef, ReviewResult

__all__ = [
    "MATERIALS_REGIME",
    "MATERIALS_SCHEMA_VERSION",
    "Analysis",
    "Art8Item",
    "ArticleSection",
    "DeclarationForm",
    "FactorSection",
    "FormEntry",
    "FormField",
    "Materials",
    "Supply",
    "SupplySource",
    "ToSupply",
    "build_materials",
]

MATERIALS_SCHEMA_VERSION: Final = "1.0"
MATERIALS_REGIME: Final = "cn-crm-2022"
"""The regime whose Art. 8 the materials answer."""
_ART10: Final = "Art. 10"

Value: TypeAlias = str | int | float | bool | tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FormField:
    """One field of the declaration form, as the package gives it."""

    key: str
    """Stable id of the field, e.g. `purchase.date` (the renderer's label key)."""
    value: Value | None
    """None when the package does not give it."""
    required: bool
    """The form needs it: empty, it is to be supplied."""
    source: str | None
    """`file#pointer` it was read from (or would be), None for a value computed from a file."""

    @property
    def missing(self) -> bool:
        """Required and not given."""
        return self.required and self.value is None


@dataclass(frozen=True, slots=True, kw_only=True)
class FormEntry:
    """One of a repeated group of the form (a CII system, a product, a vendor, …)."""

    kind: str
    fields: tuple[FormField, ...]
    parts: tuple[FormEntry, ...] = ()
    """Entries belonging to this one (a product's deployments, a vendor's sites, …)."""


class Art8Item(StrEnum):
    """The materials of Art. 8, items 1–4 (REGIMES §1.5)."""

    DECLARATION_FORM = "declaration-form"
    IMPACT_ANALYSIS_REPORT = "impact-analysis-report"
    PROCUREMENT_DOCUMENTS = "procurement-documents"
    OTHER_MATERIALS = "other-materials"


@dataclass(frozen=True, slots=True, kw_only=True)
class Supply:
    """One Art. 8 item: what the package supplies for it, and whether it is still missing."""

    item: Art8Item
    number: int
    drafted: bool
    """Drafted in these materials (items 1 and 2)."""
    files: tuple[str, ...]
    """Package-relative paths of the files the package supplies for it."""
    missing: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarationForm:
    """The declaration form (Art. 8 item 1), filled from the package."""

    declaration: tuple[FormField, ...]
    applicant: tuple[FormField, ...]
    cii_systems: tuple[FormEntry, ...]
    purchase: tuple[FormField, ...]
    alternatives: tuple[FormEntry, ...]
    """Empty when the package says none were considered."""
    products: tuple[FormEntry, ...]
    vendors: tuple[FormEntry, ...]
    documents: tuple[FormEntry, ...]
    art8: tuple[Supply, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorSection:
    """One catalogue factor as the review assessed it."""

    factor: str
    level: Level
    floor: Level
    rule: str
    reasons: tuple[str, ...]
    evidence: tuple[EvidenceRef, ...]
    """Empty when the reviewer withheld the basis."""
    measures: tuple[Mitigation, ...]
    """What would lower the level."""
    to_supply: tuple[str, ...]
    """The `what` of each missing-evidence item (in `Materials.to_supply`)."""
    not_assessed: tuple[str, ...]
    """Gaps in the review tool's own data."""
    citations: tuple[str, ...]
    basis_withheld: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleSection:
    """One item of Art. 10 and the factors the regime weighs under it, in catalogue order."""

    article: str
    """Article id of the regime profile, e.g. `A10.1`."""
    item: int
    factors: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """The draft analysis report on the impact or possible impact on national security."""

    as_of: str
    """The review date."""
    outcome: Outcome
    rule: str
    final: bool
    provisional: tuple[str, ...]
    deciding: tuple[str, ...]
    """The sentences of the rationale that decide the outcome."""
    items: tuple[ArticleSection, ...]
    related: tuple[str, ...]
    """Factors weighed under other articles only."""
    factors: tuple[FactorSection, ...]


class SupplySource(StrEnum):
    """Where an item to be supplied comes from."""

    FORM = "form"
    """A required field of the form the package does not give (`what` is its key)."""
    ART8 = "art8"
    """An Art. 8 item the package supplies nothing for (`what` is the item)."""
    REVIEW = "review"
    """Evidence the review found missing (`what` is the review's words)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToSupply:
    """Something the applicant still has to supply."""

    source: SupplySource
    what: str
    party: Party
    """Who holds it: the operator, or the vendor (obtained through the applicant)."""
    factors: tuple[str, ...] = ()
    """The factors whose assessment asks for it (review items)."""
    entry: str | None = None
    """For a field of a repeated group of the form: whose it is (the product's id, the
    system's, the vendor's; an alternative's vendor, a document's file)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Materials:
    """The Art. 8 declaration materials drafted from one package and its review."""

    schema_version: str
    declaration: DeclarationRef
    form: DeclarationForm
    analysis: Analysis
    to_supply: tuple[ToSupply, ...]


# --- the form ---------------------------------------------------------------------------------


def _plain(value: object) -> Value | None:
    """A field's value as the form holds it: enums as their value, lists as tuples of text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, tuple):
        return tuple(str(_plain(item)) for item in value)
    raise TypeError(f"not a form value: {value!r}")


def _fields(
    item: object | None,
    prefix: str,
    source: str,
    names: Iterable[str],
    optional: Sequence[str] = (),
) -> list[FormField]:
    """The fields `names` of `item` (attributes named as the YAML keys), keyed `prefix.name` and
    read from `source/name`; those in `optional` are not required."""
    return [
        FormField(
            key=f"{prefix}.{name}",
            value=None if item is None else _plain(getattr(item, name)),
            required=name not in optional,
            source=f"{source}/{name}",
        )
        for name in names
    ]


def _group(
    item: object | None,
    prefix: str,
    source: str,
    names: Iterable[str],
    *,
    required: bool = True,
    optional: Sequence[str] = (),
) -> list[FormField]:
    """The fields of an object the package may leave out as a whole: one empty field `prefix`
    when it does, else its fields."""
    if item is None:
        return [FormField(key=prefix, value=None, required=required, source=source)]
    return _fields(item, prefix, source, names, optional)


def _entry(kind: str, items: Iterable[FormField], parts: Iterable[FormEntry] = ()) -> FormEntry:
    return FormEntry(kind=kind, fields=tuple(items), parts=tuple(parts))


def _form(declaration: Declaration) -> DeclarationForm:
    d, m = declaration, f"{MANIFEST}#"
    operator, purchase = d.operator, d.purchase
    digests = {f.path: f.sha256 for f in d.inputs}
    return DeclarationForm(
        declaration=tuple(
            _fields(d, "declaration", f"{m}/declaration", ("id", "title", "date", "prepared_by"))
        ),
        applicant=tuple(
            _fields(operator, "operator", f"{m}/operator", ("name", "identifier", "sector", "ciio"))
            + _group(
                operator.listing,
                "operator.listing",
                f"{m}/operator/listing",
                ("venue", "country", "personal_information_users", "application_date"),
                required=False,
                optional=("application_date",),
            )
        ),
        cii_systems=tuple(
            _entry(
                "cii-system",
                _fields(
                    system,
                    "cii_system",
                    f"{m}/cii_systems/{n}",
                    ("id", "name", "criticality", "internet_facing", "cii", "description"),
                    optional=("description",),
                ),
            )
            for n, system in enumerate(d.cii_systems)
        ),
        purchase=tuple(
            _fields(purchase, "purchase", f"{m}/purchase", ("reference", "description", "date"))
            + _group(
                purchase.value, "purchase.value", f"{m}/purchase/value", ("amount", "currency")
            )
            + _group(
                purchase.national_security_anticipation,
                "purchase.national_security_anticipation",
                f"{m}/purchase/national_security_anticipation",
                ("effect", "reason"),
            )
        ),
        alternatives=tuple(
            _entry(
                "alternative",
                _fields(
                    alternative,
                    "alternative",
                    f"{m}/purchase/alternatives/{n}",
                    ("vendor", "product", "country", "qualified", "replaces", "reason"),
                    optional=("product", "replaces", "reason"),
                ),
            )
            for n, alternative in enumerate(purchase.alternatives)
        ),
        products=tuple(
            _product(product, f"{m}/products/{n}") for n, product in enumerate(d.products)
        ),
        vendors=tuple(_vendor(vendor) for vendor in d.vendors),
        documents=tuple(
            _entry(
                "document",
                [
                    FormField(
                        key="document.file",
                        value=document.path,
                        required=True,
                        source=f"{m}/documents/{n}/file",
                    ),
                    *_fields(
                        document,
                        "document",
                        f"{m}/documents/{n}",
                        ("kind", "title"),
                        optional=("title",),
                    ),
                    FormField(
                        key="document.sha256",
                        value=digests[document.path],
                        required=True,
                        source=None,
                    ),
                ],
            )
            for n, document in enumerate(d.documents)
        ),
        art8=_art8(declaration),
    )


def _product(product: Product, source: str) -> FormEntry:
    names = ("id", "name", "version", "model", "vendor", "category", "quantity", "support_end")
    extra: list[FormField] = []
    if product.critical_equipment is not None:
        equipment = f"{source}/critical_equipment"
        extra += _fields(
            product.critical_equipment, "product.critical_equipment", equipment, ("kind",)
        )
    if product.security_product is not None:
        security = f"{source}/security_product"
        extra += _fields(
            product.security_product, "product.security_product", security, ("category",)
        )
    return _entry(
        "product",
        [
            *_fields(product, "product", source, names, optional=("model",)),
            *extra,
            FormField(
                key="product.sboms",
                value=product.sbom_files,
                required=True,
                source=f"{source}/sboms",
            ),
            FormField(
                key="product.vex", value=product.vex_files, required=False, source=f"{source}/vex"
            ),
        ],
        (
            _entry(
                "deployment",
                _fields(
                    deployment,
                    "deployment",
                    f"{source}/deployments/{n}",
                    ("system", "function", "share_percent"),
                    optional=("share_percent",),
                ),
            )
            for n, deployment in enumerate(product.deployments)
        ),
    )


def _vendor(vendor: VendorProfile) -> FormEntry:
    f = f"{vendor.file}#"
    names = ("id", "legal_name", "other_names", "jurisdiction", "headquarters")
    return _entry(
        "vendor",
        _fields(vendor, "vendor", f, names, optional=("other_names", "headquarters")),
        [
            *(
                _entry(
                    "listing",
                    _fields(
                        listing,
                        "listing",
                        f"{f}/listings/{n}",
                        ("venue", "country", "ticker"),
                        optional=("ticker",),
                    ),
                )
                for n, listing in enumerate(vendor.listings)
            ),
            *(
                _entry(
                    "ownership",
                    _fields(
                        link,
                        "ownership",
                        f"{f}/ownership/{n}",
                        ("entity", "country", "owns", "share_percent", "state_link"),
                    ),
                )
                for n, link in enumerate(vendor.ownership)
            ),
            *(
                _entry(
                    "site",
                    _fields(
                        site,
                        "site",
                        f"{f}/sites/{n}",
                        ("kind", "country", "entity", "location", "in_country"),
                        optional=("location",),
                    ),
                )
                for n, site in enumerate(vendor.sites)
            ),
            *(
                _entry(
                    "commitment",
                    _fields(
                        commitment,
                        "commitment",
                        f"{f}/commitments/{n}",
                        ("commitment", "signed", "date", "signatory", "document"),
                        optional=("date", "signatory", "document"),
                    ),
                )
                for n, commitment in enumerate(vendor.commitments)
            ),
        ],
    )


_ART8_KINDS: Final = {
    Art8Item.DECLARATION_FORM: (DocumentKind.DECLARATION_FORM,),
    Art8Item.IMPACT_ANALYSIS_REPORT: (DocumentKind.IMPACT_ANALYSIS_REPORT,),
    Art8Item.PROCUREMENT_DOCUMENTS: (DocumentKind.PROCUREMENT_DOCUMENT, DocumentKind.CONTRACT),
    Art8Item.OTHER_MATERIALS: (DocumentKind.OTHER,),
}
_EVIDENCE_ROLES: Final = {
    InputRole.SBOM,
    InputRole.VEX,
    InputRole.VENDOR_PROFILE,
    InputRole.QUESTIONNAIRE,
}
"""Files of the package that are evidence for the review (Art. 8 item 4, other materials)."""


def _art8(declaration: Declaration) -> tuple[Supply, ...]:
    """What the package supplies for each Art. 8 item; items 1 and 2 are drafted here."""
    supplies = []
    for number, (item, kinds) in enumerate(_ART8_KINDS.items(), start=1):
        files = [d.path for d in declaration.documents if d.kind in kinds]
        if item is Art8Item.OTHER_MATERIALS:
            files += [f.path for f in declaration.inputs if _EVIDENCE_ROLES & set(f.roles)]
        drafted = item in (Art8Item.DECLARATION_FORM, Art8Item.IMPACT_ANALYSIS_REPORT)
        supplies.append(
            Supply(
                item=item,
                number=number,
                drafted=drafted,
                files=tuple(dict.fromkeys(files)),
                missing=item is Art8Item.PROCUREMENT_DOCUMENTS and not files,
            )
        )
    return tuple(supplies)


# --- the analysis -----------------------------------------------------------------------------


def _analysis(result: ReviewResult, profile: RegimeProfile) -> Analysis:
    d = result.determination
    withheld = {o.factor for o in d.overrides if o.basis_withheld}
    assessed = [a.factor_id for a in d.assessments]
    items = []
    for article in profile.articles:
        if article.article != _ART10 or article.item is None:
            continue
        weighed = {m.factor for m in profile.factors if article.id in {a.id for a in m.articles}}
        items.append(
            ArticleSection(
                article=article.id,
                item=int(article.item),
                factors=tuple(f for f in assessed if f in weighed),
            )
        )
    placed = {f for section in items for f in section.factors}
    return Analysis(
        as_of=d.as_of,
        outcome=d.outcome,
        rule=d.rule,
        final=d.final,
        provisional=d.provisional,
        deciding=d.rationale[: max(d.deciding, 1)],
        items=tuple(items),
        related=tuple(f for f in assessed if f not in placed),
        factors=tuple(
            FactorSection(
                factor=a.factor_id,
                level=a.level,
                floor=a.floor,
                rule=a.rule,
                reasons=a.reasons,
                evidence=() if a.factor_id in withheld else a.evidence,
                measures=a.mitigations,
                to_supply=tuple(dict.fromkeys(gap.what for gap in a.missing_evidence)),
                not_assessed=tuple(dict.fromkeys(limit.what for limit in a.limitations)),
                citations=a.citations,
                basis_withheld=a.factor_id in withheld,
            )
            for a in d.assessments
        ),
    )


# --- what is still to be supplied ------------------------------------------------------------


def _form_fields(form: DeclarationForm) -> Iterable[tuple[str | None, FormField]]:
    """Every field of the form in form order, with whose it is in a repeated group (the value
    of its entry's first field, the id where there is one; a part's is its owner's)."""

    def entries(
        group: Iterable[FormEntry], owner: str | None = None
    ) -> Iterable[tuple[str | None, FormField]]:
        for entry in group:
            whose = owner if owner is not None else str(entry.fields[0].value)
            yield from ((whose, field) for field in entry.fields)
            yield from entries(entry.parts, whose)

    yield from ((None, field) for field in (*form.declaration, *form.applicant))
    yield from entries(form.cii_systems)
    yield from ((None, field) for field in form.purchase)
    for group in (form.alternatives, form.products, form.vendors, form.documents):
        yield from entries(group)


def _to_supply(form: DeclarationForm, result: ReviewResult) -> tuple[ToSupply, ...]:
    items = [
        ToSupply(
            source=SupplySource.FORM,
            what=field.key,
            party=Party.OPERATOR
            if (field.source or "").startswith(f"{MANIFEST}#")
            else Party.VENDOR,
            entry=owner,
        )
        for owner, field in _form_fields(form)
        if field.missing
    ]
    items += [
        ToSupply(source=SupplySource.ART8, what=supply.item.value, party=Party.OPERATOR)
        for supply in form.art8
        if supply.missing
    ]
    asked: dict[tuple[str, Party], list[str]] = {}
    for a in result.determination.assessments:
        for gap in a.missing_evidence:
            factors = asked.setdefault((gap.what, gap.party), [])
            if a.factor_id not in factors:
                factors.append(a.factor_id)
    items += [
        ToSupply(source=SupplySource.REVIEW, what=what, party=party, factors=tuple(factors))
        for (what, party), factors in asked.items()
    ]
    return tuple(items)


# --- the materials ----------------------------------------------------------------------------


def build_materials(declaration: Declaration, result: ReviewResult) -> Materials:
    """The Art. 8 materials of `declaration`, its analysis filled from `result`, its review
    under `cn-crm-2022`; raises `InputError` for a review of another package or regime."""
    if result.declaration.id != declaration.id:
        message = f"the review is of {result.declaration.id}, not of {declaration.id}"
        raise InputError(MANIFEST, message, "/declaration/id")
    if result.determination.regime != MATERIALS_REGIME:
        message = (
            f"Art. 8 materials need a review under {MATERIALS_REGIME}, "
            f"not {result.determination.regime}"
        )
        raise InputError(MANIFEST, message, "/declaration/regime")
    form = _form(declaration)
    return Materials(
        schema_version=MATERIALS_SCHEMA_VERSION,
        declaration=result.declaration,
        form=form,
        analysis=_analysis(result, load_profile(MATERIALS_REGIME)),
        to_supply=_to_supply(form, result),
    )
