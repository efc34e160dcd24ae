"""The factor catalogue (F01–F20) and the regime profiles, read from YAML shipped in the package.

`catalogue.yaml` lists the factors of REGIMES.md §4 with their signals, evidence and question
banks; `profiles/<regime>.yaml` maps them to a regime's articles, attaches the national-standard
clauses they rest on, and carries the procedure with its deadlines and the equipment that must be
certified by a listed body. Both are validated against the schemas in `factors/schemas/` and then
cross-checked: ids unique, question and signal ids prefixed by their factor's id, every profile
factor in the catalogue, every catalogue factor either mapped by each profile or out of its scope
with a reason, every article and procedure step referred to declared, and certification thresholds
stated in fields the declaration has. Any violation raises `InputError` naming the file and the
JSON pointer.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

import orjson
from jsonschema import Draft202012Validator, FormatChecker

from chainreview import raw
from chainreview.errors import InputError
from chainreview.evidence.declaration import DEFAULT_REGIME
from chainreview.evidence.product import CriticalEquipment, EquipmentKind, SecurityProductCategory
from chainreview.evidence.schema_checks import check_unique, raise_for_errors

__all__ = [
    "AnswerType",
    "ArticleRef",
    "Catalogue",
    "CertificationRule",
    "ClockStop",
    "Concern",
    "DataExportRules",
    "DayUnit",
    "Deadline",
    "EquipmentScope",
    "Factor",
    "FactorMapping",
    "LegalSource",
    "ListingRule",
    "OutOfScope",
    "Procedure",
    "ProcedureStep",
    "Question",
    "RegimeProfile",
    "Signal",
    "SourceRef",
    "StandardClause",
    "Threshold",
    "load_catalogue",
    "load_profile",
    "parse_catalogue",
    "parse_profile",
    "profile_ids",
]

_PACKAGE = resources.files("chainreview.factors")
_UNVERIFIED_MARKS = "*†"
"""Suffixes REGIMES.md §4 puts on references it could not verify."""


class AnswerType(StrEnum):
    """The kind of answer a question expects."""

    YES_NO = "yes-no"
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"
    NUMBER = "number"


class DayUnit(StrEnum):
    """How the days of a deadline are counted."""

    WORKING_DAYS = "working-days"
    CALENDAR_DAYS = "calendar-days"


@dataclass(frozen=True, slots=True, kw_only=True)
class Concern:
    """Which answer to a question raises concern; unset criteria do not apply."""

    when: bool | None = None
    """The yes-no answer that raises concern."""
    when_any: tuple[str, ...] = ()
    """Choice options that raise concern."""
    above: float | None = None
    below: float | None = None
    within_days: int | None = None
    """A date before the review date plus this many days raises concern."""
    older_than_days: int | None = None
    """A date more than this many days before the review date raises concern."""
    note: str | None = None
    """What a worrying answer looks like; the only criterion for text answers."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """One question of a factor's question bank."""

    id: str
    """`<factor id>.Q<n>`, e.g. `F07.Q1`."""
    text: str
    answer: AnswerType
    concern: Concern
    options: tuple[str, ...] = ()
    """The options of a choice question."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRef:
    """A reference of one regime the factor comes from (REGIMES.md §4 "Regimes")."""

    regime: str
    """Regime key: CN, US, FCC, EU5G, NIST or CRA."""
    ref: str | None
    """The article or element as §4 writes it; None for the regime as a whole."""
    unverified: bool = False
    """§4 marks it `*` or `†`: from the part of the source it could not verify."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """A machine-checkable signal of a factor."""

    id: str
    """`<factor id>.S<n>`."""
    text: str
    inputs: tuple[str, ...]
    """The evidence or feeds it needs (`sbom`, `kev`, `vendor-profile`, …)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Factor:
    """One factor of the catalogue."""

    id: str
    title: str
    description: str
    sources: tuple[SourceRef, ...]
    evidence: tuple[str, ...]
    signals: tuple[Signal, ...]
    manual: bool
    """True when the factor has no evaluator: the questionnaire and the reviewer assess it."""
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalogue:
    """The factor catalogue, factors in file order."""

    version: str
    factors: tuple[Factor, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """The factor ids, in catalogue order."""
        return tuple(factor.id for factor in self.factors)

    def factor(self, factor_id: str) -> Factor:
        """The factor with id `factor_id`; `KeyError` if there is none."""
        for factor in self.factors:
            if factor.id == factor_id:
                return factor
        raise KeyError(factor_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleRef:
    """An article (or item of one) of a regime's legal source."""

    id: str
    """Id factors refer to, e.g. `A10.1`."""
    article: str
    """The article as cited, e.g. `Art. 10`."""
    text: str
    item: str | None = None
    original: str | None = None
    """The text in the original language."""
    unverified: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class StandardClause:
    """A clause of a national standard (or legal instrument) a factor rests on."""

    standard: str
    """Number and year, e.g. `GB 40050-2021`."""
    clause: str
    """Clause with its letters, e.g. `5.3(a)`."""
    requirement: str
    mandatory: bool
    """True for mandatory (GB) instruments, False for recommended (GB/T) ones."""
    unverified: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorMapping:
    """A catalogue factor as one regime weighs it."""

    factor: str
    articles: tuple[ArticleRef, ...]
    standards: tuple[StandardClause, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutOfScope:
    """A catalogue factor a regime does not weigh, and why."""

    factor: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Deadline:
    """Time allowed for a procedure step."""

    days: int
    unit: DayUnit
    extension_days: int | None = None
    """Further days allowed when the case is complex."""
    open_extension: bool = False
    """May be extended without a stated limit."""
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcedureStep:
    """One step of a regime's procedure."""

    id: str
    title: str
    article: str
    deadline: Deadline | None = None
    follows: tuple[str, ...] = ()
    """Ids of the steps that lead to this one."""
    unverified: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockStop:
    """A period not counted towards deadlines."""

    article: str
    rule: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Procedure:
    """A regime's procedure: its steps, their deadlines and the clock stops."""

    calendar: str
    """`cn-working-days` or `calendar-days`."""
    steps: tuple[ProcedureStep, ...]
    clock_stops: tuple[ClockStop, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    """A scope threshold of a catalogue device kind, in a `CriticalEquipment` field."""

    field: str
    text: str
    """The catalogue's wording (the Chinese text governs)."""
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EquipmentScope:
    """A device kind of the critical-equipment catalogue and its scope thresholds."""

    kind: EquipmentKind
    name: str
    thresholds: tuple[Threshold, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificationRule:
    """What must be certified or tested by a listed institution (REGIMES §7.3)."""

    legal_basis: str
    thresholds_cumulative: str
    """`all`, `any`, or `unverified` (REGIMES could not confirm how the thresholds combine)."""
    equipment: tuple[EquipmentScope, ...]
    security_products: tuple[SecurityProductCategory, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalSource:
    """The legal instrument a regime profile encodes."""

    instrument: str
    citation: str
    in_force: str
    """ISO 8601 date."""
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataExportRules:
    """When data held abroad needs a completed export security assessment (profile data)."""

    citation: str
    cite: str
    """The short citation a reason names, e.g. `CSL Art. 37; PIPL Art. 40`."""
    operator_any_amount: bool
    """A CII operator needs it for any personal information or important data abroad."""
    important_data: bool
    """Important data abroad always needs it."""
    personal_individuals: int
    """Other operators: personal information of more people than this needs it."""
    sensitive_individuals: int
    """Other operators: sensitive personal information of more people than this needs it."""
    large_personal: int
    """People from which personal information is "a large amount" (Art. 10 item 5)."""
    large_sensitive: int
    unverified: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingRule:
    """The declaration duty of a platform operator listing abroad (profile data)."""

    article: str
    users: int
    """Users whose personal information the operator holds above which it must declare."""
    citation: str
    not_abroad: tuple[str, ...]
    """Exchange countries the duty does not count as abroad."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RegimeProfile:
    """A regime: its articles, the factors mapped to them, its procedure, certification and data
    rules."""

    id: str
    title: str
    jurisdiction: str
    timezone: str
    """IANA time zone: a review's default date is today's date there."""
    legal_source: LegalSource
    articles: tuple[ArticleRef, ...]
    factors: tuple[FactorMapping, ...]
    out_of_scope: tuple[OutOfScope, ...]
    procedure: Procedure
    certification: CertificationRule | None = None
    data_export: DataExportRules | None = None
    listing: ListingRule | None = None

    def mapping(self, factor_id: str) -> FactorMapping | None:
        """How this regime weighs `factor_id`; None when the factor is out of its scope."""
        return next((m for m in self.factors if m.factor == factor_id), None)


# --- loading ----------------------------------------------------------------------------------


@functools.cache
def _validator(schema_name: str) -> Draft202012Validator:
    schema = orjson.loads((_PACKAGE / "schemas" / schema_name).read_bytes())
    return Draft202012Validator(schema, format_checker=FormatChecker(formats=("date",)))


def _read(*parts: str) -> tuple[str, Any]:
    """Parse a packaged YAML file; return its display name and value."""
    display = "/".join(("chainreview", "factors", *parts))
    resource = _PACKAGE.joinpath(*parts)
    if not resource.is_file():
        raise InputError(display, "not found in the installed package")
    return display, raw.load_yaml(resource.read_bytes(), display)


@functools.cache
def load_catalogue() -> Catalogue:
    """The packaged factor catalogue, validated and cross-checked (read once per process)."""
    display, value = _read("catalogue.yaml")
    return parse_catalogue(value, display)


def profile_ids() -> tuple[str, ...]:
    """Ids of the packaged regime profiles, sorted."""
    folder = _PACKAGE / "profiles"
    return tuple(
        sorted(e.name[: -len(".yaml")] for e in folder.iterdir() if e.name.endswith(".yaml"))
    )


@functools.cache
def load_profile(regime_id: str = DEFAULT_REGIME) -> RegimeProfile:
    """The packaged profile `regime_id`, cross-checked against the catalogue."""
    known = profile_ids()
    if regime_id not in known:
        message = f"unknown regime profile {regime_id!r} (known: {', '.join(known)})"
        raise InputError("chainreview/factors/profiles", message)
    display, value = _read("profiles", f"{regime_id}.yaml")
    profile = parse_profile(value, display, load_catalogue())
    if profile.id != regime_id:
        raise InputError(display, f"id {profile.id!r} differs from the file name", "/id")
    return profile


# --- catalogue --------------------------------------------------------------------------------


def parse_catalogue(value: Any, file: str) -> Catalogue:
    """Build a catalogue from YAML read from `file`, validating it; raises `InputError`."""
    raise_for_errors(list(_validator("catalogue.schema.json").iter_errors(value)), file)
    factors = [_factor(item, file, f"/factors/{n}") for n, item in enumerate(value["factors"])]
    check_unique((f.id for f in factors), "factor id", file, "/factors/{}/id")
    return Catalogue(version=value["catalogue_version"], factors=tuple(factors))


def _factor(item: Mapping[str, Any], file: str, pointer: str) -> Factor:
    factor_id = item["id"]
    for kind, key in (("signal", "signals"), ("question", "questions")):
        ids = [entry["id"] for entry in item[key]]
        for n, entry_id in enumerate(ids):
            if not entry_id.startswith(f"{factor_id}."):
                message = f"{kind} id {entry_id!r} does not start with its factor id {factor_id}."
                raise InputError(file, message, f"{pointer}/{key}/{n}/id")
        check_unique(ids, f"{kind} id", file, f"{pointer}/{key}/{{}}/id")
    return Factor(
        id=factor_id,
        title=item["title"],
        description=item["description"],
        sources=tuple(
            _source_ref(regime, ref)
            for regime, refs in item["sources"].items()
            for ref in refs or [None]
        ),
        evidence=tuple(item["evidence"]),
        signals=tuple(
            Signal(id=s["id"], text=s["text"], inputs=tuple(s["inputs"])) for s in item["signals"]
        ),
        manual=item["manual"],
        questions=tuple(
            _question(q, file, f"{pointer}/questions/{n}") for n, q in enumerate(item["questions"])
        ),
    )


def _source_ref(regime: str, ref: str | None) -> SourceRef:
    if ref is None:
        return SourceRef(regime=regime, ref=None)
    text = ref.rstrip(_UNVERIFIED_MARKS)
    return SourceRef(regime=regime, ref=text, unverified=text != ref)


def _question(item: Mapping[str, Any], file: str, pointer: str) -> Question:
    options = tuple(item.get("options", ()))
    concern = item["concern"]
    for n, option in enumerate(concern.get("when_any", ())):
        if option not in options:
            message = f"{option!r} is not one of the question's options {list(options)}"
            raise InputError(file, message, f"{pointer}/concern/when_any/{n}")
    return Question(
        id=item["id"],
        text=item["text"],
        answer=AnswerType(item["answer"]),
        options=options,
        concern=Concern(**{**concern, "when_any": tuple(concern.get("when_any", ()))}),
    )


# --- profiles ---------------------------------------------------------------------------------


def parse_profile(value: Any, file: str, catalogue: Catalogue) -> RegimeProfile:
    """Build a regime profile from YAML read from `file`, cross-checked against `catalogue`."""
    raise_for_errors(list(_validator("profile.schema.json").iter_errors(value)), file)
    articles = {a["id"]: _article(a) for a in value["articles"]}
    check_unique((a["id"] for a in value["articles"]), "article id", file, "/articles/{}/id")
    known = set(catalogue.ids)
    mappings = []
    for n, item in enumerate(value["factors"]):
        _check_factor(item["factor"], known, file, f"/factors/{n}/factor")
        for a, article_id in enumerate(item["articles"]):
            if article_id not in articles:
                message = f"unknown article {article_id!r} (declared: {', '.join(articles)})"
                raise InputError(file, message, f"/factors/{n}/articles/{a}")
        mappings.append(
            FactorMapping(
                factor=item["factor"],
                articles=tuple(articles[a] for a in item["articles"]),
                standards=tuple(StandardClause(**s) for s in item.get("standards", ())),
                note=item.get("note"),
            )
        )
    excluded = [OutOfScope(factor=o["factor"], reason=o["reason"]) for o in value["out_of_scope"]]
    for n, entry in enumerate(excluded):
        _check_factor(entry.factor, known, file, f"/out_of_scope/{n}/factor")
    listed = [m.factor for m in mappings] + [o.factor for o in excluded]
    pointers = [f"/factors/{n}/factor" for n in range(len(mappings))]
    pointers += [f"/out_of_scope/{n}/factor" for n in range(len(excluded))]
    for index, factor_id in enumerate(listed):
        if factor_id in listed[:index]:
            message = f"factor {factor_id} is mapped or excluded more than once"
            raise InputError(file, message, pointers[index])
    missing = [factor_id for factor_id in catalogue.ids if factor_id not in listed]
    if missing:
        message = f"factors {', '.join(missing)} are neither mapped nor out of scope with a reason"
        raise InputError(file, message, "/factors")
    certification = value.get("certification")
    exports, listing = value.get("data_export"), value.get("listing")
    return RegimeProfile(
        id=value["id"],
        title=value["title"],
        jurisdiction=value["jurisdiction"],
        timezone=value["timezone"],
        data_export=None if exports is None else DataExportRules(**exports),
        listing=None
        if listing is None
        else ListingRule(**{**listing, "not_abroad": tuple(listing["not_abroad"])}),
        legal_source=LegalSource(**value["legal_source"]),
        articles=tuple(articles.values()),
        factors=tuple(mappings),
        out_of_scope=tuple(excluded),
        procedure=_procedure(value["procedure"], file),
        certification=None if certification is None else _certification(certification, file),
    )


def _article(item: Mapping[str, Any]) -> ArticleRef:
    item_number = item.get("item")
    return ArticleRef(
        id=item["id"],
        article=item["article"],
        text=item["text"],
        item=None if item_number is None else str(item_number),
        original=item.get("original"),
        unverified=item.get("unverified", False),
    )


def _check_factor(factor_id: str, known: set[str], file: str, pointer: str) -> None:
    if factor_id not in known:
        raise InputError(file, f"factor {factor_id} is not in the catalogue", pointer)


def _procedure(item: Mapping[str, Any], file: str) -> Procedure:
    steps = []
    for step in item["steps"]:
        deadline = step.get("deadline")
        steps.append(
            ProcedureStep(
                id=step["id"],
                title=step["title"],
                article=step["article"],
                deadline=None
                if deadline is None
                else Deadline(**{**deadline, "unit": DayUnit(deadline["unit"])}),
                follows=tuple(step.get("follows", ())),
                unverified=step.get("unverified", False),
            )
        )
    check_unique((s.id for s in steps), "step id", file, "/procedure/steps/{}/id")
    ids = {s.id for s in steps}
    for n, step in enumerate(steps):
        for f, previous in enumerate(step.follows):
            if previous not in ids:
                message = f"follows unknown step {previous!r}"
                raise InputError(file, message, f"/procedure/steps/{n}/follows/{f}")
    return Procedure(
        calendar=item["calendar"],
        steps=tuple(steps),
        clock_stops=tuple(ClockStop(**stop) for stop in item["clock_stops"]),
    )


_EQUIPMENT_FIELDS = frozenset(f.name for f in dataclasses.fields(CriticalEquipment)) - {"kind"}


def _certification(item: Mapping[str, Any], file: str) -> CertificationRule:
    kinds = {kind.value for kind in EquipmentKind}
    categories = {category.value for category in SecurityProductCategory}
    equipment = []
    for n, entry in enumerate(item["equipment"]):
        if entry["kind"] not in kinds:
            message = f"{entry['kind']!r} is not a declaration equipment kind ({', '.join(kinds)})"
            raise InputError(file, message, f"/certification/equipment/{n}/kind")
        for t, threshold in enumerate(entry["thresholds"]):
            if threshold["field"] not in _EQUIPMENT_FIELDS:
                message = f"{threshold['field']!r} is not a declaration critical_equipment field"
                raise InputError(
                    file, message, f"/certification/equipment/{n}/thresholds/{t}/field"
                )
        equipment.append(
            EquipmentScope(
                kind=EquipmentKind(entry["kind"]),
                name=entry["name"],
                thresholds=tuple(Threshold(**threshold) for threshold in entry["thresholds"]),
            )
        )
    for n, category in enumerate(item["security_products"]):
        if category not in categories:
            message = f"{category!r} is not a declaration security product category"
            raise InputError(file, message, f"/certification/security_products/{n}")
    return CertificationRule(
        legal_basis=item["legal_basis"],
        thresholds_cumulative=item["thresholds_cumulative"],
        equipment=tuple(equipment),
        security_products=tuple(SecurityProductCategory(c) for c in item["security_products"]),
    )
