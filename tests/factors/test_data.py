"""F10 on the minimal declaration (its SaaSBOM's services cross the trust boundary) and variants,
and the property that removing evidence never turns an undetermined factor into `none`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from factor_kit import MINIMAL, by_id, edit_yaml, gaps, make_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainreview.evidence.declaration import Declaration, load_declaration
from chainreview.evidence.product import Product
from chainreview.factors.data import DataEvaluator
from chainreview.factors.interface import FactorAssessment
from chainreview.factors.registry import assess_all
from chainreview.levels import Level


def _assess(package: Path) -> dict[str, FactorAssessment]:
    return by_id(DataEvaluator().assess(make_context(package)))


def _telemetry(package: Path, categories: list[str]) -> None:
    def change(value: dict[str, Any]) -> None:
        value["products"][0]["capabilities"]["telemetry"]["destinations"][0]["data_categories"] = (
            categories
        )

    edit_yaml(package / "declaration.yaml", change)


def test_personal_data_across_the_trust_boundary_is_high(package: Path) -> None:
    f10 = _assess(package)["F10"]
    assert (f10.level, f10.rule.split()[0]) == (Level.HIGH, "F10.R5")
    assert f10.evidence[0].ref == "sbom/cloud-portal.cdx.json: /services/0"
    assert (
        "missing evidence: the jurisdiction of P-ARRAY's service endpoints "
        "https://s3-example.amazon.com" in gaps(f10)
    )
    assert "P-ARRAY: telemetry abroad is on by default" in f10.reasons
    assert f10.citations == ("cn-crm-2022 Art. 10 item 5",)


def test_core_data_sent_abroad_is_critical(package: Path) -> None:
    # the fixture's core data is declared stored and processed in CN; its telemetry now sends it
    # to the US: core data held abroad (DSL core data; CSL Art. 37)
    _telemetry(package, ["core"])
    f10 = _assess(package)["F10"]
    assert (f10.level, f10.rule.split()[0]) == (Level.CRITICAL, "F10.R7")
    assert f10.evidence[0].ref == "declaration.yaml#/products/0/capabilities/data/0"
    assert "P-ARRAY's core data is held abroad (US): core data" in f10.reasons


@pytest.mark.parametrize(
    # a CII operator sending personal information abroad with no export security assessment
    # declared: critical (PIPL Art. 40; Provisions 2024 Art. 7(1)); public data: a channel abroad
    # from a product that holds core data, medium
    ("categories", "level"),
    [(["personal"], Level.CRITICAL), (["public"], Level.MEDIUM)],
)
def test_data_sent_abroad_without_sboms(package: Path, categories: list[str], level: Level) -> None:
    _telemetry(package, categories)
    edit_yaml(
        package / "declaration.yaml",
        lambda v: v["products"][0].update(sboms=["sbom/management-agent.cdx.json"]),
    )
    f10 = _assess(package)["F10"]
    assert f10.level is level
    assert gaps(f10) == ()


def test_undeclared_encryption_is_missing_evidence(package: Path) -> None:
    def change(value: dict[str, Any]) -> None:
        product = value["products"][0]
        product["capabilities"].pop("encryption")
        product["capabilities"]["telemetry"]["destinations"] = []
        product["sboms"] = ["sbom/management-agent.cdx.json"]

    edit_yaml(package / "declaration.yaml", change)
    f10 = _assess(package)["F10"]
    assert f10.level is Level.UNDETERMINED
    assert gaps(f10) == ("missing evidence: encryption in transit and at rest of P-ARRAY",)


# --- removing evidence ----------------------------------------------------------------------------

_BASE = load_declaration(MINIMAL)


def _drop_product(product: Product, drops: set[str]) -> Product:
    caps = product.capabilities
    telemetry = caps.telemetry
    if "telemetry-defaults" in drops:
        telemetry = dataclasses.replace(telemetry, enabled_by_default=None, can_disable=None)
    inventory = product.inventory
    if inventory is not None and "services" in drops:
        inventory = dataclasses.replace(inventory, services=inventory.services[:1])
    caps = dataclasses.replace(
        caps,
        telemetry=telemetry,
        encryption=None if "encryption" in drops else caps.encryption,
        integrity=None if "integrity" in drops else caps.integrity,
        remote_update=dataclasses.replace(caps.remote_update, signed=None)
        if "signed" in drops
        else caps.remote_update,
    )
    return dataclasses.replace(
        product,
        capabilities=caps,
        inventory=inventory,
        support_end=None if "support_end" in drops else product.support_end,
        deployments=tuple(dataclasses.replace(d, share_percent=None) for d in product.deployments)
        if "shares" in drops
        else product.deployments,
    )


def _drop(declaration: Declaration, drops: set[str], answers: int) -> Declaration:
    vendors = tuple(
        dataclasses.replace(
            v,
            vulnerability_handling=None if "handling" in drops else v.vulnerability_handling,
            listings=() if "listings" in drops else v.listings,
            commitments=v.commitments[1:] if "commitments" in drops else v.commitments,
        )
        for v in declaration.vendors
    )
    return dataclasses.replace(
        declaration,
        products=tuple(_drop_product(p, drops) for p in declaration.products),
        vendors=vendors,
        answers=declaration.answers[:answers],
    )


DROPS = (
    "telemetry-defaults",
    "services",
    "encryption",
    "integrity",
    "signed",
    "support_end",
    "shares",
    "handling",
    "listings",
    "commitments",
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sets(st.sampled_from(DROPS)), st.integers(min_value=0, max_value=len(_BASE.answers)))
def test_removing_evidence_never_turns_undetermined_into_none(
    package: Path, drops: set[str], answers: int
) -> None:
    ctx = make_context(package)
    full = by_id(assess_all(ctx))
    reduced = by_id(assess_all(dataclasses.replace(ctx, declaration=_drop(_BASE, drops, answers))))
    for factor_id, assessment in full.items():
        if assessment.level is Level.UNDETERMINED:
            assert reduced[factor_id].level is not Level.NONE, (factor_id, drops)
