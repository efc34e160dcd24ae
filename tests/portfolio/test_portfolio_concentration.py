"""Concentration of the hand-built portfolio (`data/`), every figure counted by hand.

Units per function (a deployment's function; each product's vendor and its jurisdiction):

    dispatch       P-FW 6 (SYS-GRID) + 2 (SYS-DR), acme US; P-SW 2 (SYS-GRID), borei CN
    payments       P-SW 4, borei CN; P-DB 3, cedar DE                     (all in SYS-PAY)
    office         P-MAIL 10, cedar DE (no SBOM)                          (SYS-MAIL)
    web filtering  P-WAF 5, acme US                                       (SYS-PAY)
"""

from __future__ import annotations

from pathlib import Path

import pytest

import chainreview
from chainreview.portfolio.concentration import (
    Share,
    SingleSourceComponent,
    SingleSourceProduct,
    measure_concentration,
)
from chainreview.portfolio.declared import from_declaration
from chainreview.portfolio.model import Portfolio

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_shares_and_indexes_per_function(portfolio: Portfolio) -> None:
    found = {f.function: f for f in measure_concentration(portfolio).functions}
    assert list(found) == ["dispatch", "office", "payments", "web filtering"]

    dispatch = found["dispatch"]
    # acme 6 + 2 = 8, borei 2: 10 units; shares 8/10 = 0.8 and 2/10 = 0.2.
    assert dispatch.quantity == 10
    assert dispatch.systems == ("SYS-DR", "SYS-GRID") and dispatch.products == ("P-FW", "P-SW")
    assert dispatch.vendors == (
        Share(name="acme", quantity=8, share=pytest.approx(0.8)),
        Share(name="borei", quantity=2, share=pytest.approx(0.2)),
    )
    assert dispatch.countries == (
        Share(name="US", quantity=8, share=pytest.approx(0.8)),
        Share(name="CN", quantity=2, share=pytest.approx(0.2)),
    )
    # HHI = 0.8² + 0.2² = 0.64 + 0.04 = 0.68 > 0.18: highly concentrated; two vendors.
    assert dispatch.vendor_hhi == pytest.approx(0.68)
    assert dispatch.country_hhi == pytest.approx(0.68)
    assert dispatch.vendors_concentrated and dispatch.countries_concentrated
    assert not dispatch.single_source
    # fw.cdx.json: acme/fw, flask, jinja2, cryptolib, zlib (Go); sw.cdx.json: borei/sw,
    # cryptolib, jinja2, blob (no purl): both have cryptolib and jinja2.
    assert dispatch.shared_components == ("pkg:pypi/cryptolib", "pkg:pypi/jinja2")
    assert dispatch.unknown_components == ()

    payments = found["payments"]
    # borei 4, cedar 3: 7 units; HHI = (4/7)² + (3/7)² = 16/49 + 9/49 = 25/49 ≈ 0.5102.
    assert payments.quantity == 7
    assert [(s.name, s.quantity) for s in payments.vendors] == [("borei", 4), ("cedar", 3)]
    assert [s.share for s in payments.vendors] == pytest.approx([4 / 7, 3 / 7])
    assert [(s.name, s.quantity) for s in payments.countries] == [("CN", 4), ("DE", 3)]
    assert payments.vendor_hhi == pytest.approx(25 / 49)
    assert payments.country_hhi == pytest.approx(25 / 49)
    # sw.cdx.json and db.cdx.json (cedar/db, jinja2, cryptolib) share cryptolib and jinja2.
    assert payments.shared_components == ("pkg:pypi/cryptolib", "pkg:pypi/jinja2")

    office = found["office"]
    # cedar alone: 10/10, HHI 1² = 1; one vendor: single source. P-MAIL has no SBOM.
    assert office.vendors == (Share(name="cedar", quantity=10, share=1.0),)
    assert office.vendor_hhi == 1.0 and office.country_hhi == 1.0
    assert office.single_source and office.shared_components == ()
    assert office.unknown_components == ("P-MAIL",)

    filtering = found["web filtering"]
    # P-WAF's deployment in SYS-PAY serves web filtering, not the system's payments.
    assert filtering.systems == ("SYS-PAY",) and filtering.quantity == 5
    assert filtering.vendors == (Share(name="acme", quantity=5, share=1.0),)
    assert filtering.single_source and filtering.shared_components == ()


def test_single_sources(portfolio: Portfolio) -> None:
    found = measure_concentration(portfolio)
    # office (cedar) and web filtering (acme) have one vendor each.
    assert found.single_source_products == (
        SingleSourceProduct(
            product="P-MAIL", vendor="cedar", function="office", systems=("SYS-MAIL",)
        ),
        SingleSourceProduct(
            product="P-WAF", vendor="acme", function="web filtering", systems=("SYS-PAY",)
        ),
    )
    # dispatch (acme, borei) and payments (borei, cedar): cryptolib and jinja2 in every product.
    assert found.single_source_components == (
        SingleSourceComponent(
            package="pkg:pypi/cryptolib", function="dispatch", products=("P-FW", "P-SW")
        ),
        SingleSourceComponent(
            package="pkg:pypi/jinja2", function="dispatch", products=("P-FW", "P-SW")
        ),
        SingleSourceComponent(
            package="pkg:pypi/cryptolib", function="payments", products=("P-DB", "P-SW")
        ),
        SingleSourceComponent(
            package="pkg:pypi/jinja2", function="payments", products=("P-DB", "P-SW")
        ),
    )


def test_a_declaration_counts_each_deployment_at_the_declared_quantity() -> None:
    # examples/domestic-database: P-LXDB, 48 units of lanxuan (CN), in SYS-BOSS and
    # SYS-CRM-DR, one function each: 48 units each, HHI 1.
    package = chainreview.load_package(EXAMPLES / "domestic-database")
    found = measure_concentration(from_declaration(package))
    assert [(f.function, f.quantity, f.vendor_hhi, f.systems) for f in found.functions] == [
        ("replica database", 48, 1.0, ("SYS-CRM-DR",)),
        (
            "transactional database for rating, billing and customer records",
            48,
            1.0,
            ("SYS-BOSS",),
        ),
    ]
    assert [f.countries for f in found.functions] == [
        (Share(name="CN", quantity=48, share=1.0),)
    ] * 2
