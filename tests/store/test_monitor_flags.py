"""The monitor records a re-review flag on the product's case, on both backends: audit-logged,
the audit log still sound, with the reasons the product was flagged for, among them a risk
acceptance that expired and the condition it waived falling overdue between two runs (dates
counted by hand below), and nothing recorded again by a run with no new snapshot."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from outcomes_kit import (
    APPROVER,
    BOOT,
    GRID,
    REVIEWER,
    SBOM,
    SECOND_APPROVER,
    consulted,
    decided,
)

from chainreview.case.acceptances import Kind, Proposal, approve, propose
from chainreview.case.outcomes import case_outcomes
from chainreview.case.rereview import MONITOR
from chainreview.intel.snapshot import open_current
from chainreview.portfolio.monitor import MonitorReport, run_monitor
from chainreview.portfolio.sources import load_portfolio
from chainreview.store import audit, flags
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store
from monitor_kit import INVENTORY, import_first, import_second

WAIVED_ON, WAIVED_UNTIL = date(2027, 1, 2), date(2027, 1, 15)
FIRST_DAY, SECOND_DAY, THIRD_DAY = date(2027, 1, 10), date(2027, 1, 20), date(2027, 1, 21)


def monitor(home: Path, store: Store, day: date) -> MonitorReport:
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot:
        return run_monitor(
            load_portfolio(INVENTORY),
            snapshot,
            home=home,
            inventory=str(INVENTORY),
            today=day,
            store=store,
        )


def test_a_flag_is_recorded_on_the_products_case(
    store: Store, tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    case_id = consulted(store)
    assert case_id == "CR-2026-0001"  # the case the inventory names for P-LEDGER
    sbom, boot = decided(store, case_id, SBOM, BOOT).conditions  # due 2026-12-31, 2027-03-31
    waiver = Proposal(
        kind=Kind.CONDITION,
        owner="CISO, State Grid Demo Co.",
        reason="The SBOM is checked by hand until the vendor signs it.",
        expires=WAIVED_UNTIL,
        on=WAIVED_ON,
        condition=sbom.id,
    )
    accepted = propose(store, case_id, waiver, caller=APPROVER)
    approve(store, accepted.id, caller=SECOND_APPROVER, on=WAIVED_ON)

    home = tmp_path / "home"
    first = import_first(home, pypa_until_cutoff)
    assert monitor(home, store, FIRST_DAY).flagged == ()  # the baseline
    second = import_second(home, shared_data)
    report = monitor(home, store, SECOND_DAY)

    # On 2027-01-10 the waiver (approved 01-02, last day 01-15) is in force and waives the SBOM
    # condition, due 2026-12-31; on 2027-01-20 it has expired and the condition is overdue.
    # The boot check is due 2027-03-31: open on both days.
    ledger = {f.product: f for f in report.flagged}["P-LEDGER"]
    assert [(c.reason.value, c.subject, c.detail) for c in ledger.changes] == [
        ("new-critical", "CVE-2024-22682", "new critical finding"),
        (
            "acceptance-expired",
            f"acceptance {accepted.id}",
            f"risk acceptance {accepted.id} (condition {sbom.id}) expired after 2027-01-15",
        ),
        (
            "condition-overdue",
            f"condition {sbom.id}",
            f"condition {sbom.id} is overdue (its waiver expired)",
        ),
    ]
    assert boot.id not in [c.subject for c in ledger.changes]
    others = [(f.product, f.case, f.recorded, f.note) for f in report.flagged if f is not ledger]
    assert others == [("P-SPARK", None, None, None), ("P-API", None, None, None)]

    with store.transaction("li") as tx:
        (recorded,) = flags.list_flags(tx, case_id)
        entry = audit.entries(tx, case_id=case_id)[-1]
    assert ledger.recorded == recorded.id
    assert (recorded.product, recorded.snapshot, recorded.previous, recorded.flagged_by) == (
        "P-LEDGER",
        second,
        first,
        MONITOR,
    )
    assert [c["reason"] for c in json.loads(recorded.reasons)] == [
        "new-critical",
        "acceptance-expired",
        "condition-overdue",
    ]
    assert (entry.action, entry.actor) == ("monitor.flag", MONITOR)
    assert json.loads(entry.payload) == {
        "flag": recorded.id,
        "product": "P-LEDGER",
        "snapshot": second,
        "previous": first,
        "reasons_sha256": hashlib.sha256(recorded.reasons.encode()).hexdigest(),
    }
    assert verify_audit(store).ok
    # the office reads the flag with the case's outcomes; the parties do not
    assert case_outcomes(store, case_id, caller=REVIEWER, today=SECOND_DAY).flags == (recorded,)
    assert case_outcomes(store, case_id, caller=GRID, today=SECOND_DAY).flags == ()

    assert monitor(home, store, THIRD_DAY).flagged == ()  # nothing new, nothing lapsed
    with store.transaction("li") as tx:
        assert len(flags.list_flags(tx, case_id)) == 1
