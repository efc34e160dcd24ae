"""Review policies: YAML files that map factor assessments to an outcome, one per regime.

A policy is data (`policies/<regime>.yaml` in the package, or a file the user gives): an ordered
list of rules, each an outcome, the sentence the rationale gives for it, and a `when` whose
conditions must all hold (`schemas/policy.schema.json` lists them). The first rule that holds
decides; `default` decides when none does. It also lists the supplier commitments a conditional
outcome requires, and whether a review on demo intelligence may be final (`on_demo_intel`). The
policy's digest is the sha256 of its file's bytes, recorded in every determination with its id
and version.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import orjson
from jsonschema import Draft202012Validator

from chainreview import raw
from chainreview.determination.model import Outcome
from chainreview.errors import InputError
from chainreview.evidence.declaration import Criticality, Effect
from chainreview.evidence.schema_checks import raise_for_errors
from chainreview.evidence.vendor_profile import Art6Commitment
from chainreview.factors.catalogue import load_catalogue
from chainreview.factors.interface import Due, Mitigation, Party
from chainreview.factors.mitigations import commitment
from chainreview.levels import Level

__all__ = [
    "FactorTest",
    "Policy",
    "PolicyCommitment",
    "PolicyRule",
    "When",
    "load_policy",
    "policy_ids",
]

_PACKAGE = resources.files("chainreview.determination")


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorTest:
    """Some of `factors` (every factor the profile weighs, when empty) meets a test."""

    factors: tuple[str, ...] = ()
    level: Level | None = None
    """`factors_at_least`: the level to reach."""
    mitigable: bool | None = None
    """`factors_at_least`: only factors with (True) or without (False) mitigations count."""


@dataclass(frozen=True, slots=True, kw_only=True)
class When:
    """The conditions of a rule; unset ones do not apply, all set ones must hold."""

    kev_affected: bool | None = None
    factors_at_least: FactorTest | None = None
    factors_undetermined: FactorTest | None = None
    factors_at_most: FactorTest | None = None
    """`level`: the ceiling; `factors`: the factors it applies to (empty: all)."""
    all_determined: bool | None = None
    systems_at_most: Criticality | None = None
    internet_facing: bool | None = None
    serves_cii: bool | None = None
    anticipated_effect: Effect | None = None
    """With `undeclared_effect`: the Art. 5 anticipation the declaration must give."""
    undeclared_effect: bool = False
    """The rule holds only when the declaration gives no Art. 5 anticipation."""
    sensitive_data: bool | None = None
    listing_declared: bool | None = None

    def declaration_only(self) -> bool:
        """Whether the conditions read the declaration alone (no finding, no factor level)."""
        return (
            self.kev_affected is None
            and self.factors_at_least is None
            and self.factors_undetermined is None
            and self.factors_at_most is None
            and self.all_determined is None
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRule:
    """One rule: when `when` holds, `outcome`, for the reason `text`."""

    id: str
    outcome: Outcome
    text: str
    when: When


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyCommitment:
    """A supplier commitment a conditional outcome requires."""

    kind: Art6Commitment | None
    """The Art. 6 commitment a vendor profile records; None for a free-text commitment."""
    mitigation: Mitigation


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A parsed, validated policy."""

    id: str
    version: str
    regime: str
    title: str
    rules: tuple[PolicyRule, ...]
    default: Outcome
    commitments: tuple[PolicyCommitment, ...]
    sha256: str
    description: str = ""
    demo_final: bool = False
    """A review on demo intelligence may be final (`on_demo_intel: final`)."""

    def rests_on_declaration(self, rule_id: str | None) -> bool:
        """Whether the outcome rule `rule_id` gave rests on the declaration alone: it and every
        rule before it test no finding and no factor level (either may rest on intelligence,
        and other intelligence could have made an earlier rule decide). The default never does.
        """
        for rule in self.rules:
            if not rule.when.declaration_only():
                return False
            if rule.id == rule_id:
                return True
        return False


@functools.cache
def _validator() -> Draft202012Validator:
    schema = orjson.loads((_PACKAGE / "schemas" / "policy.schema.json").read_bytes())
    return Draft202012Validator(schema)


def policy_ids() -> tuple[str, ...]:
    """Ids of the policies shipped in the package (one per regime profile)."""
    folder = _PACKAGE / "policies"
    return tuple(
        sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
    )


def load_policy(path: Path | None, regime: str, display: str | None = None) -> Policy:
    """The policy at `path`, or the package's policy for `regime` when `path` is None.

    Raises `InputError` naming the file and JSON pointer of the first problem (schema violation,
    a factor the catalogue lacks), or when no policy ships for `regime`.
    """
    if path is None:
        return _shipped(regime)
    file = display if display is not None else path.name
    return _policy(raw.read_bytes(path, file), file)


@functools.cache
def _shipped(regime: str) -> Policy:
    """The package's policy for `regime`, read once per process (a policy given as a file is
    read each time: it may change between reviews)."""
    resource = _PACKAGE / "policies" / f"{regime}.yaml"
    if not resource.is_file():
        known = ", ".join(policy_ids())
        raise InputError(regime, f"no policy ships for this regime (policies: {known})")
    return _policy(resource.read_bytes(), f"policies/{regime}.yaml")


def _policy(data: bytes, file: str) -> Policy:
    """The policy `data` read from `file` holds, checked."""
    value = raw.load_yaml(data, file)
    raise_for_errors(list(_validator().iter_errors(value)), file)
    known_factors = set(load_catalogue().ids)
    rules = []
    for n, item in enumerate(value["rules"]):
        when = item["when"]
        for key in ("factors_at_least", "factors_undetermined", "factors_at_most"):
            test = when.get(key)
            for f, factor in enumerate(test.get("factors", ()) if isinstance(test, dict) else ()):
                if factor not in known_factors:
                    pointer = f"/rules/{n}/when/{key}/factors/{f}"
                    raise InputError(file, f"{factor} is not in the factor catalogue", pointer)
        rules.append(
            PolicyRule(
                id=item["id"], outcome=Outcome(item["outcome"]), text=item["text"], when=_when(when)
            )
        )
    return Policy(
        id=value["id"],
        version=value["version"],
        regime=value["regime"],
        title=value["title"],
        description=value.get("description", ""),
        rules=tuple(rules),
        default=Outcome(value["default"]),
        commitments=tuple(_commitment(c) for c in value.get("commitments", ())),
        sha256=hashlib.sha256(data).hexdigest(),
        demo_final=value.get("on_demo_intel", "provisional") == "final",
    )


def _commitment(item: str | dict[str, str]) -> PolicyCommitment:
    if isinstance(item, str):
        text = Mitigation(
            text=item,
            party=Party.VENDOR,
            due=Due.BEFORE_CONTRACT,
            verification="signed by the supplier and annexed to the contract",
        )
        return PolicyCommitment(kind=None, mitigation=text)
    kind = Art6Commitment(item["commitment"])
    return PolicyCommitment(kind=kind, mitigation=commitment(kind))


def _when(item: dict[str, object]) -> When:
    at_least = item.get("factors_at_least")
    undetermined = item.get("factors_undetermined")
    at_most, systems = item.get("factors_at_most"), item.get("systems_at_most")
    kev, determined, facing, cii, sensitive, listing = (
        item.get(k)
        for k in (
            "kev_affected",
            "all_determined",
            "internet_facing",
            "serves_cii",
            "sensitive_data",
            "listing_declared",
        )
    )
    effect = item.get("anticipated_effect")
    return When(
        kev_affected=kev if isinstance(kev, bool) else None,
        factors_at_least=None
        if not isinstance(at_least, dict)
        else FactorTest(
            factors=tuple(at_least.get("factors", ())),
            level=Level(at_least["level"]),
            mitigable=at_least.get("mitigable"),
        ),
        factors_undetermined=None
        if not isinstance(undetermined, dict)
        else FactorTest(factors=tuple(undetermined.get("factors", ()))),
        factors_at_most=None
        if at_most is None
        else FactorTest(level=Level(str(at_most)))
        if not isinstance(at_most, dict)
        else FactorTest(factors=tuple(at_most.get("factors", ())), level=Level(at_most["level"])),
        all_determined=determined if isinstance(determined, bool) else None,
        systems_at_most=None if systems is None else Criticality(str(systems)),
        internet_facing=facing if isinstance(facing, bool) else None,
        serves_cii=cii if isinstance(cii, bool) else None,
        anticipated_effect=None if effect in (None, "undeclared") else Effect(str(effect)),
        undeclared_effect=effect == "undeclared",
        sensitive_data=sensitive if isinstance(sensitive, bool) else None,
        listing_declared=listing if isinstance(listing, bool) else None,
    )
