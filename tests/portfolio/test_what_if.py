"""What if a vendor fails, on the hand-built portfolio (`data/`), every figure counted by hand.

Units per system and function (product, vendor):

    SYS-GRID  critical  dispatch       P-FW 6 (acme), P-SW 2 (borei)             8 units
    SYS-DR    critical  dispatch       P-FW 2 (acme)                             2 units
    SYS-PAY   high      payments       P-SW 4 (borei), P-DB 3 (cedar)
                        web filtering  P-WAF 5 (acme; qualified: Dunmore Security)  12 units
    SYS-MAIL  low       office         P-MAIL 10 (cedar)                         10 units
"""

from __future__ import annotations

import pytest

from chainreview.errors import InputError
from chainreview.portfolio.concentration import Share, SingleSourceProduct
from chainreview.portfolio.model import Portfolio
from chainreview.portfolio.what_if import FunctionLoss, LostProduct, vendor_fails


def test_acme_failing_loses_dispatch_and_web_filtering_units(portfolio: Portfolio) -> None:
    found = vendor_fails(portfolio, "acme")
    assert found.vendor.name == "Acme Networks"
    # Critical first, then by name: Dispatch backup < Grid dispatch; then Payments (high).
    assert [s.id for s in found.systems] == ["SYS-DR", "SYS-GRID", "SYS-PAY"]
    dr, grid, pay = found.systems
    # SYS-DR: P-FW 2 of 2 units: 2/2 = 1.
    assert (dr.quantity, dr.lost, dr.share) == (2, 2, 1.0)
    assert dr.products == (
        LostProduct(product="P-FW", name="Edge firewall", function="dispatch", quantity=2),
    )
    # SYS-GRID: P-FW 6 of 6 + 2 = 8 units: 6/8 = 0.75.
    assert (grid.quantity, grid.lost, grid.share) == (8, 6, 0.75)
    assert grid.functions == (FunctionLoss(function="dispatch", quantity=8, lost=6, share=0.75),)
    # SYS-PAY: P-WAF 5 of 4 + 3 + 5 = 12 units: 5/12; web filtering loses 5 of 5: 1; payments
    # loses nothing and is not listed.
    assert (pay.quantity, pay.lost) == (12, 5)
    assert pay.share == pytest.approx(5 / 12)
    assert pay.products == (
        LostProduct(product="P-WAF", name="Web filter", function="web filtering", quantity=5),
    )
    assert pay.functions == (FunctionLoss(function="web filtering", quantity=5, lost=5, share=1.0),)


def test_acme_failing_alternatives_and_what_remains(portfolio: Portfolio) -> None:
    found = vendor_fails(portfolio, " ACME networks ")  # the name, any case and spaces
    dispatch, filtering = found.functions
    # dispatch: acme 6 + 2 = 8 of 10 units: 8/10 = 0.8. borei's 2 units remain: 2/2 = 1.
    assert (dispatch.function, dispatch.quantity, dispatch.lost) == ("dispatch", 10, 8)
    assert dispatch.share == pytest.approx(0.8)
    assert dispatch.products == ("P-FW",)
    assert dispatch.remaining == (Share(name="borei", quantity=2, share=1.0),)
    assert dispatch.qualified == () and dispatch.alternative_known
    # HHI before 0.8² + 0.2² = 0.68; after borei alone: 1² = 1. Two vendors, then one.
    assert dispatch.hhi_before == pytest.approx(0.68) and dispatch.hhi_after == 1.0
    assert not dispatch.single_source_before and dispatch.single_source_after
    # web filtering: P-WAF 5 of 5 units: 5/5 = 1; nothing remains (no HHI), but P-WAF names
    # Dunmore Security as qualified to replace it.
    assert (filtering.function, filtering.quantity, filtering.lost) == ("web filtering", 5, 5)
    assert filtering.share == 1.0 and filtering.remaining == ()
    assert filtering.qualified == ("Dunmore Security",) and filtering.alternative_known
    assert filtering.hhi_before == 1.0 and filtering.hhi_after is None
    assert filtering.single_source_before and filtering.single_source_after
    assert found.becomes_single_source == ("dispatch",)
    assert found.unserved == ("web filtering",)
    # Without acme: dispatch has borei (P-SW, SYS-GRID) alone, office cedar (P-MAIL) as
    # before; payments keeps borei and cedar.
    assert found.single_source_products == (
        SingleSourceProduct(
            product="P-SW", vendor="borei", function="dispatch", systems=("SYS-GRID",)
        ),
        SingleSourceProduct(
            product="P-MAIL", vendor="cedar", function="office", systems=("SYS-MAIL",)
        ),
    )


def test_cedar_failing_leaves_office_without_a_known_alternative(portfolio: Portfolio) -> None:
    found = vendor_fails(portfolio, "Cedar Soft")
    # Payments (high) before Office mail (low).
    assert [(s.id, s.quantity, s.lost) for s in found.systems] == [
        ("SYS-PAY", 12, 3),  # P-DB 3 of 12: 3/12 = 0.25
        ("SYS-MAIL", 10, 10),  # P-MAIL 10 of 10: 1
    ]
    assert [s.share for s in found.systems] == [0.25, 1.0]
    # SYS-PAY's payments: P-DB 3 of 4 + 3 = 7 units: 3/7.
    assert found.systems[0].functions == (
        FunctionLoss(function="payments", quantity=7, lost=3, share=pytest.approx(3 / 7)),
    )
    office, payments = found.functions
    # office: cedar alone, no alternative named for P-MAIL: no qualified alternative known.
    assert (office.function, office.lost, office.share) == ("office", 10, 1.0)
    assert office.remaining == () and office.qualified == ()
    assert not office.alternative_known
    # payments: HHI before (4/7)² + (3/7)² = 25/49; after borei's 4 alone: 1.
    assert payments.hhi_before == pytest.approx(25 / 49) and payments.hhi_after == 1.0
    assert payments.remaining == (Share(name="borei", quantity=4, share=1.0),)
    assert found.becomes_single_source == ("payments",)
    assert found.unserved == ("office",)
    # Without cedar: dispatch keeps acme and borei; payments is borei's P-SW alone, web
    # filtering acme's P-WAF alone (as before).
    assert [(p.product, p.function) for p in found.single_source_products] == [
        ("P-SW", "payments"),
        ("P-WAF", "web filtering"),
    ]


def test_an_unknown_vendor_is_refused_naming_the_known_ones(portfolio: Portfolio) -> None:
    with pytest.raises(InputError) as raised:
        vendor_fails(portfolio, "zeta")
    assert raised.value.message == (
        "unknown vendor 'zeta' (vendors: acme (Acme Networks), borei (Borei Systems), "
        "cedar (Cedar Soft))"
    )
