"""The whole cn-crm-2022 path, end to end through the case library, on SQLite and PostgreSQL.

Each test tells one story with registered users (an admin registers the operators, a vendor,
the office's reviewer and approver and a member unit): an ordinary review, a special review,
a clock stop for materials (Art. 15), an extension of the initial review, and the ex-officio
review of a vendor (Art. 16) followed by the list of that vendor's cases for the notice to
stop purchasing. Along the way each story checks who sees what (Art. 17), and at its end that
the audit log verifies.

How the statutory clock counts (`procedure.clock` on `WorkCalendar.add`, `between` and `left`;
docs/cases.md, "Counting a period"), which every expected date below is counted by hand on:

- A state's period starts with the action that enters it (the acceptance of the materials,
  the decision to review, the recommendation, the escalation, or the ex-officio opening). The
  day of that action is not counted: the period is the N working days after it and is due at
  the end of the Nth (Civil Code Art. 201(1)). The due date is always a working day, and may
  be a Saturday or Sunday the State Council made a working day (调休).
- Working days are Monday to Friday, less the days off and plus the Saturdays and Sundays
  worked of the State Council's arrangement for the year.
- Days left on `today` are the working days after `today` up to and including the due date: N
  on the day the period starts, 0 on the due date; once it has passed, minus the working days
  since the due date, and at least -1 (a holiday after the due date is already -1).
- A clock stop (Art. 15): the day the materials are requested still counts; the working days
  after it up to and including the day they are supplied do not; counting resumes on the next
  working day, so the due date moves later by exactly the working days stopped. While the clock
  stands still there is no due date and the days left stay at the period less the working days
  counted before the request.
- An extension adds days to the period: at most 15 in all for the initial review (Art. 11),
  as many as stated for the special review (Art. 14).

The arrangements counted on (国务院办公厅关于部分节假日安排的通知 for each year; the data
`chinese-calendar` 1.11.0 carries, which the code reads):

- 2023: Qingming Wed Apr 5 off; Labour Day Apr 29-May 3 off, Sun Apr 23 and Sat May 6 worked.
- 2025: New Year Wed Jan 1 off; Spring Festival Jan 28-Feb 4 off, Sun Jan 26 and Sat Feb 8
  worked; National Day and Mid-Autumn Oct 1-8 off, Sun Sep 28 and Sat Oct 11 worked.
- 2026: New Year Jan 1-3 off, Sun Jan 4 worked; Spring Festival Feb 15-23 off, Sat Feb 14 and
  Sat Feb 28 worked; Qingming Apr 4-6 off; Labour Day May 1-5 off, Sat May 9 worked; Dragon
  Boat Jun 19-21 off; Mid-Autumn Sep 25-27 off; National Day Oct 1-7 off, Sun Sep 20 and Sat
  Oct 10 worked.

The packages are the bundled examples (their own dates are the example's, not the story's).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

import chainreview
from chainreview.case.access import Caller
from chainreview.case.decisions import Decided, Outcome, decide
from chainreview.case.exposure import vendor_exposure
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import case_evidence, download, review_round, submit_package
from chainreview.case.service import (
    CaseView,
    Opened,
    Step,
    list_case_views,
    open_case,
    take_action,
    view_case,
)
from chainreview.case.users import Person, identify, register
from chainreview.errors import NotFound, RefusedAction
from chainreview.reviewer import Reviewer
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store

CN = "cn-crm-2022"
EXAMPLES = Path(__file__).parents[2] / "examples"
GRID_STORAGE = EXAMPLES / "grid-storage"
DOMESTIC_DATABASE = EXAMPLES / "domestic-database"

QIUYUAN = "Qiuyuan Provincial Grid Dispatch Co., Ltd."  # grid-storage's operator
MINGZHOU = "Mingzhou Public Communications Co., Ltd."  # domestic-database's operator
YUHAI = "Yuhai Commercial Bank Co., Ltd."  # cloud-pi-service's operator
VELTRANI = "Veltrani Storage Systems, Inc."  # grid-storage's vendor
LANXUAN = "Lanxuan Data Engine Co., Ltd."  # domestic-database's vendor
XIYUE = "Xiyue Cloud Services Co., Ltd."  # cloud-pi-service's vendor


@dataclass(frozen=True, slots=True)
class Cast:
    """The registered users of a story, as `identify` gives them."""

    operator: Caller  # wang, for Qiuyuan
    other_operator: Caller  # chen, for Mingzhou
    bank: Caller  # sun, for Yuhai
    vendor: Caller  # anna, for Veltrani
    office: Caller  # li, a reviewer of the review office
    approver: Caller  # zhao
    unit: Caller  # a member unit of the work mechanism


@pytest.fixture
def cast(store: Store) -> Cast:
    """The first user, an admin, registers everyone else."""
    register(store, Person(name="root", role=Role.ADMIN), by=None)
    admin = identify(store, "root")
    people = [
        Person(name="wang", role=Role.APPLICANT, org=QIUYUAN),
        Person(name="chen", role=Role.APPLICANT, org=MINGZHOU),
        Person(name="sun", role=Role.APPLICANT, org=YUHAI),
        Person(name="anna", role=Role.VENDOR, org=VELTRANI),
        Person(name="li", role=Role.REVIEWER),
        Person(name="zhao", role=Role.APPROVER),
        Person(name="miit", role=Role.MEMBER_UNIT, org="Ministry of Industry and IT"),
    ]
    for person in people:
        assert register(store, person, by=admin).added_by == "root"
    return Cast(*(identify(store, person.name) for person in people))


@pytest.fixture(scope="module")
def reviewer(bundled_home: Path) -> Iterator[Reviewer]:
    """One Reviewer on the bundled snapshot for every round of the module."""
    with chainreview.open_snapshot(bundled_home) as snapshot:
        yield Reviewer(snapshot)


def _open(store: Store, caller: Caller, applicant: str, vendor: str, on: date) -> CaseView:
    opened = Opened(
        regime=CN,
        title=f"{vendor} for {applicant}",
        applicant=applicant,
        vendor=vendor,
        opening=Opening.DECLARATION,
        on=on,
    )
    return open_case(store, opened, caller=caller, home=None)


def _act(
    store: Store,
    case_id: str,
    caller: Caller,
    action: str,
    on: date,
    *,
    days: int | None = None,
    note: str | None = None,
) -> CaseView:
    step = Step(action=action, on=on, days=days, note=note)
    return take_action(store, case_id, step, caller=caller, expected_version=None, home=None)


def _conclude(
    store: Store,
    case_id: str,
    caller: Caller,
    on: date,
    outcome: Outcome = Outcome.PASS,
    reason: str = "The member units agree.",
) -> CaseView:
    """The decision recorded, which takes `conclude` with it (never taken alone)."""
    decide(store, case_id, Decided(outcome=outcome, reason=reason, on=on), caller=caller)
    return _seen(store, case_id, caller, on)


def _seen(store: Store, case_id: str, caller: Caller, today: date) -> CaseView:
    return view_case(store, case_id, caller=caller, today=today, home=None)


def _clock(view: CaseView) -> tuple[str, int, date | None, int]:
    """State, days allowed, due date and days left of the view's clock (on a covered year)."""
    clock = view.clock
    assert clock is not None
    assert not clock.provisional and clock.uncovered_years == ()
    assert clock.state == view.position.state
    return clock.state, clock.days, clock.due, clock.left


def _untimed(view: CaseView, state: str) -> None:
    assert view.position.state == view.case.state == state
    assert view.clock is None


def _listed(store: Store, caller: Caller, today: date) -> list[str]:
    return [v.case.id for v in list_case_views(store, caller=caller, today=today, home=None)]


def _hidden(store: Store, case_id: str, caller: Caller, today: date) -> None:
    """`caller` cannot see the case at all: it reads as one that does not exist."""
    with pytest.raises(NotFound, match=f"^no case {case_id}$"):
        _seen(store, case_id, caller, today)
    with pytest.raises(NotFound, match=f"^no case {case_id}$"):
        case_evidence(store, case_id, caller=caller)
    assert case_id not in _listed(store, caller, today)


def _audit_verifies(store: Store) -> None:
    verdict = verify_audit(store)
    assert verdict.ok, verdict.detail
    assert verdict.checked > 0 and verdict.first_bad is None


def _history(view: CaseView) -> list[tuple[date, str, str]]:
    return [(a.on, a.action, a.role) for a in view.history]


def test_ordinary_review_over_national_day_2026(
    store: Store, cast: Cast, reviewer: Reviewer
) -> None:
    """Declaration, completeness, decision, initial review with a review round, member
    opinions in agreement, conclusion, commitment monitoring, closed."""
    c = cast
    case_id = _open(store, c.operator, QIUYUAN, VELTRANI, date(2026, 9, 9)).case.id
    _untimed(_seen(store, case_id, c.operator, date(2026, 9, 9)), "received")
    _untimed(_act(store, case_id, c.office, "check", date(2026, 9, 10)), "completeness-check")

    # Accepted Fri 2026-09-11; 10 WD: Sep 14-18 (5), Sun Sep 20 worked (6), Sep 21, 22, 23,
    # 24 (10): due Thu 2026-09-24. (Monday to Friday alone would give Fri Sep 25.)
    accepted = _act(store, case_id, c.office, "accept", date(2026, 9, 11))
    assert _clock(accepted) == ("deciding", 10, date(2026, 9, 24), 10)
    # Fri Sep 18: Sep 20, 21, 22, 23, 24 left (5); Sat Sep 19 is no working day: still 5.
    assert _clock(_seen(store, case_id, c.operator, date(2026, 9, 18)))[3] == 5
    assert _clock(_seen(store, case_id, c.operator, date(2026, 9, 19)))[3] == 5
    # Sun Sep 20 is worked: after it Sep 21-24 are left (4).
    assert _clock(_seen(store, case_id, c.operator, date(2026, 9, 20)))[3] == 4
    on_due = _seen(store, case_id, c.office, date(2026, 9, 24))
    assert on_due.clock is not None and (on_due.clock.left, on_due.clock.overdue) == (0, False)

    # Who sees it: the operator and its vendor yes, another operator and the member units no.
    assert _listed(store, c.operator, date(2026, 9, 24)) == [case_id]
    assert _listed(store, c.vendor, date(2026, 9, 24)) == [case_id]
    _hidden(store, case_id, c.other_operator, date(2026, 9, 24))
    _hidden(store, case_id, c.unit, date(2026, 9, 24))

    # Decided on its last day, Thu 2026-09-24; 30 WD: Sep 25 (Fri) to 27 off (Mid-Autumn),
    # Sep 28, 29, 30 (3), Oct 1-7 off, Oct 8, 9 (5), Sat Oct 10 worked (6), Oct 12-16 (11),
    # 19-23 (16), 26-30 (21), Nov 2-6 (26), Nov 9, 10, 11, 12 (30): due Thu 2026-11-12.
    decided = _act(store, case_id, c.approver, "decide-review", date(2026, 9, 24))
    assert _clock(decided) == ("initial-review", 30, date(2026, 11, 12), 30)
    # Sat Oct 3 (holiday): Sep 28-30 counted, 27 left. Fri Oct 9: 5 counted, 25 left.
    assert _clock(_seen(store, case_id, c.operator, date(2026, 10, 3)))[3] == 27
    assert _clock(_seen(store, case_id, c.operator, date(2026, 10, 9)))[3] == 25

    # The operator submits its declaration package, the vendor its own; a reviewer reviews
    # the operator's.
    submitted = submit_package(store, case_id, GRID_STORAGE, caller=c.operator)
    assert (submitted.number, submitted.party, submitted.submitted_by) == (1, "applicant", "wang")
    by_vendor = submit_package(store, case_id, GRID_STORAGE, caller=c.vendor)
    assert (by_vendor.number, by_vendor.party) == (2, "vendor")
    with pytest.raises(RefusedAction, match="reviewing a submission is for reviewer"):
        review_round(store, case_id, reviewer, as_of=date(2026, 10, 19), caller=c.approver)
    kept = review_round(
        store, case_id, reviewer, as_of=date(2026, 10, 19), caller=c.office, submission=1
    )
    assert (kept.number, kept.submission, kept.snapshot_hash) == (1, 1, reviewer.snapshot.hash)
    (summary,) = case_evidence(store, case_id, caller=c.office).rounds
    assert (summary.as_of, summary.outcome, summary.final) == (date(2026, 10, 19), "fail", False)
    assert summary.created_by == "li"

    # The vendor sees the case and its own package, never the operator's nor the round on it;
    # the operator does not see the vendor's.
    vendor_sees = case_evidence(store, case_id, caller=c.vendor)
    assert [s.number for s in vendor_sees.submissions] == [2] and vendor_sees.rounds == ()
    with pytest.raises(NotFound, match=f"^case {case_id} has no submission 1$"):
        download(store, case_id, 1, "declaration.yaml", caller=c.vendor)
    operator_sees = case_evidence(store, case_id, caller=c.operator)
    assert [s.number for s in operator_sees.submissions] == [1]
    assert [r.number for r in operator_sees.rounds] == [1]
    manifest = (GRID_STORAGE / "declaration.yaml").read_bytes()
    assert download(store, case_id, 1, "declaration.yaml", caller=c.operator) == manifest
    _hidden(store, case_id, c.other_operator, date(2026, 10, 19))
    with pytest.raises(NotFound, match=f"^no case {case_id}$"):
        submit_package(store, case_id, GRID_STORAGE, caller=c.other_operator)

    # Recommended Mon 2026-11-02; 15 WD: Nov 3-6 (4), 9-13 (9), 16-20 (14), Mon Nov 23 (15):
    # due Mon 2026-11-23. Fri Nov 13: Nov 16-20 and 23 left (6).
    recommended = _act(store, case_id, c.office, "recommend", date(2026, 11, 2))
    assert _clock(recommended) == ("member-opinions", 15, date(2026, 11, 23), 15)
    assert _clock(_seen(store, case_id, c.unit, date(2026, 11, 13)))[3] == 6
    assert _listed(store, c.unit, date(2026, 11, 13)) == [case_id]
    assert [s.number for s in case_evidence(store, case_id, caller=c.unit).submissions] == [1, 2]

    with pytest.raises(RefusedAction, match="conclude from member-opinions is for approver"):
        _conclude(store, case_id, c.office, date(2026, 11, 20))
    _untimed(_conclude(store, case_id, c.approver, date(2026, 11, 20)), "concluded")
    _untimed(_act(store, case_id, c.office, "monitor", date(2026, 11, 23)), "monitoring")
    closed = _act(store, case_id, c.office, "close", date(2026, 12, 18))
    _untimed(closed, "closed")
    assert _history(closed) == [
        (date(2026, 9, 9), "declaration", "applicant"),
        (date(2026, 9, 10), "check", "reviewer"),
        (date(2026, 9, 11), "accept", "reviewer"),
        (date(2026, 9, 24), "decide-review", "approver"),
        (date(2026, 11, 2), "recommend", "reviewer"),
        (date(2026, 11, 20), "conclude", "approver"),
        (date(2026, 11, 23), "monitor", "reviewer"),
        (date(2026, 12, 18), "close", "reviewer"),
    ]
    assert [a.recorded_by for a in closed.history] == [
        "wang", "li", "li", "zhao", "li", "zhao", "li", "li"
    ]  # fmt: skip
    _hidden(store, case_id, c.other_operator, date(2026, 12, 18))
    _audit_verifies(store)


def test_special_review_over_spring_festival_2026_and_its_extension(
    store: Store, cast: Cast
) -> None:
    """Member units' opinions differ: special review (90 WD), extended, then concluded."""
    c = cast
    case_id = _open(store, c.other_operator, MINGZHOU, LANXUAN, date(2025, 11, 3)).case.id
    _act(store, case_id, c.office, "check", date(2025, 11, 4))
    # Accepted Wed 2025-11-05; 10 WD: Nov 6, 7 (2), 10-14 (7), 17, 18, 19 (10): Wed 2025-11-19.
    accepted = _act(store, case_id, c.office, "accept", date(2025, 11, 5))
    assert _clock(accepted) == ("deciding", 10, date(2025, 11, 19), 10)
    # Decided Mon 2025-11-10; 30 WD: Nov 11-14 (4), 17-21 (9), 24-28 (14), Dec 1-5 (19),
    # 8-12 (24), 15-19 (29), Mon Dec 22 (30): due Mon 2025-12-22.
    decided = _act(store, case_id, c.approver, "decide-review", date(2025, 11, 10))
    assert _clock(decided) == ("initial-review", 30, date(2025, 12, 22), 30)
    _hidden(store, case_id, c.unit, date(2025, 12, 1))
    _hidden(store, case_id, c.vendor, date(2025, 12, 1))  # Veltrani: not its product
    _hidden(store, case_id, c.operator, date(2025, 12, 1))

    # Recommended Fri 2025-12-19; 15 WD: Dec 22-26 (5), 29, 30, 31 (8), Jan 1-3 2026 off,
    # Sun Jan 4 worked (9), Jan 5-9 (14), Mon Jan 12 (15): due Mon 2026-01-12.
    recommended = _act(store, case_id, c.office, "recommend", date(2025, 12, 19))
    assert _clock(recommended) == ("member-opinions", 15, date(2026, 1, 12), 15)
    # Wed Dec 31: Jan 4, 5-9, 12 left (7); Sat Jan 3 (holiday): the same 7.
    assert _clock(_seen(store, case_id, c.unit, date(2025, 12, 31)))[3] == 7
    assert _clock(_seen(store, case_id, c.unit, date(2026, 1, 3)))[3] == 7

    # Escalated Fri 2026-01-09; 90 WD: Jan 12-16 (5), 19-23 (10), 26-30 (15), Feb 2-6 (20),
    # 9-13 (25), Sat Feb 14 worked (26), Feb 15-23 off, Feb 24-27 (30), Sat Feb 28 worked
    # (31), Mar 2-6 (36), 9-13 (41), 16-20 (46), 23-27 (51), Mar 30-Apr 3 (56), Apr 4-6 off,
    # Apr 7-10 (60), 13-17 (65), 20-24 (70), Apr 27-30 (74), May 1-5 off, May 6, 7, 8 (77),
    # Sat May 9 worked (78), May 11-15 (83), 18-22 (88), May 25, 26 (90): due Tue 2026-05-26.
    with pytest.raises(RefusedAction, match="escalate from member-opinions is for reviewer"):
        _act(store, case_id, c.approver, "escalate", date(2026, 1, 9))
    escalated = _act(store, case_id, c.office, "escalate", date(2026, 1, 9))
    assert _clock(escalated) == ("special-review", 90, date(2026, 5, 26), 90)
    # Tue Feb 17 (Spring Festival): 26 counted (through Sat Feb 14), 64 left.
    assert _clock(_seen(store, case_id, c.unit, date(2026, 2, 17)))[3] == 64
    assert _listed(store, c.unit, date(2026, 2, 17)) == [case_id]

    # The extension is open (Art. 14): its days must be stated.
    with pytest.raises(RefusedAction, match="state how many days"):
        _act(store, case_id, c.approver, "extend", date(2026, 5, 18))
    # Extended by 30 on Mon 2026-05-18 (the 84th day: May 19-22, 25, 26 are 85-90), so 120 WD,
    # and 120 - 84 = 36 left. The 30 more after Tue May 26: May 27, 28, 29 (3), Jun 1-5 (8),
    # 8-12 (13), 15-18 (17), Jun 19-21 off, Jun 22-26 (22), Jun 29, 30, Jul 1, 2, 3 (27),
    # Jul 6, 7, 8 (30): due Wed 2026-07-08.
    extended = _act(
        store, case_id, c.approver, "extend", date(2026, 5, 18), days=30, note="complex case"
    )
    assert _clock(extended) == ("special-review", 120, date(2026, 7, 8), 36)
    assert extended.position.extension_days == 30
    assert extended.history[-1].note == "complex case"

    concluded = _conclude(store, case_id, c.approver, date(2026, 6, 26))
    _untimed(concluded, "concluded")
    assert [a.action for a in concluded.history] == [
        "declaration", "check", "accept", "decide-review", "recommend", "escalate", "extend",
        "conclude",
    ]  # fmt: skip
    _hidden(store, case_id, c.operator, date(2026, 6, 26))
    _audit_verifies(store)


def test_a_clock_stop_for_materials_over_spring_festival_2025(
    store: Store, cast: Cast, reviewer: Reviewer
) -> None:
    """Initial review stopped while the applicant supplies materials (Art. 15), resubmitted
    and reviewed again: the due date moves by exactly the working days stopped."""
    c = cast
    case_id = _open(store, c.operator, QIUYUAN, VELTRANI, date(2024, 12, 9)).case.id
    _act(store, case_id, c.office, "check", date(2024, 12, 10))
    # Accepted Wed 2024-12-11; 10 WD: Dec 12, 13 (2), 16-20 (7), 23, 24, 25 (10): Wed Dec 25.
    accepted = _act(store, case_id, c.office, "accept", date(2024, 12, 11))
    assert _clock(accepted) == ("deciding", 10, date(2024, 12, 25), 10)

    # Decided Fri 2024-12-20; 30 WD: Dec 23-27 (5), 30, 31 (7), Jan 1 off, Jan 2, 3 (9),
    # Jan 6-10 (14), 13-17 (19), 20-24 (24), Sun Jan 26 worked (25), Mon Jan 27 (26),
    # Jan 28-Feb 4 off, Feb 5, 6, 7 (29), Sat Feb 8 worked (30): due Sat 2025-02-08.
    decided = _act(store, case_id, c.approver, "decide-review", date(2024, 12, 20))
    assert _clock(decided) == ("initial-review", 30, date(2025, 2, 8), 30)
    submit_package(store, case_id, GRID_STORAGE, caller=c.operator)
    first = review_round(store, case_id, reviewer, as_of=date(2025, 1, 8), caller=c.office)
    assert (first.number, first.submission) == (1, 1)

    # Materials requested Fri 2025-01-10, the 14th working day (counted, as the request day
    # is): the clock stands still with 30 - 14 = 16 days left and no due date, on any day.
    stopped = _act(
        store, case_id, c.office, "request-materials", date(2025, 1, 10), note="firmware SBOM"
    )
    assert _clock(stopped) == ("initial-review", 30, None, 16)
    assert stopped.clock is not None and stopped.clock.stopped_since == date(2025, 1, 10)
    late = _seen(store, case_id, c.operator, date(2025, 2, 10))  # after the old due date
    assert late.clock is not None
    assert (late.clock.due, late.clock.left, late.clock.overdue) == (None, 16, False)
    with pytest.raises(RefusedAction, match="stands still for materials requested on 2025-01-10"):
        _act(store, case_id, c.office, "recommend", date(2025, 1, 20))
    with pytest.raises(RefusedAction, match="supply-materials is for applicant, reviewer, vendor"):
        _act(store, case_id, c.approver, "supply-materials", date(2025, 2, 11))
    with pytest.raises(NotFound, match=f"^no case {case_id}$"):
        _act(store, case_id, c.other_operator, "supply-materials", date(2025, 2, 11))

    # The applicant resubmits and records the supply on Tue 2025-02-11. Stopped: the working
    # days after Jan 10 up to and including Feb 11: Jan 13-17 (5), 20-24 (10), Sun Jan 26 (11),
    # Jan 27 (12), Feb 5, 6, 7 (15), Sat Feb 8 (16), Feb 10, 11 (18). Due 18 WD after Sat
    # Feb 8: Feb 10-14 (5), 17-21 (10), 24-28 (15), Mar 3, 4, 5 (18): Wed 2025-03-05. The 16
    # left, counted on from Feb 11: Feb 12, 13, 14 (3), 17-21 (8), 24-28 (13), Mar 3-5 (16).
    resubmitted = submit_package(store, case_id, GRID_STORAGE, caller=c.operator)
    assert (resubmitted.number, resubmitted.party) == (2, "applicant")
    resumed = _act(store, case_id, c.operator, "supply-materials", date(2025, 2, 11))
    assert _clock(resumed) == ("initial-review", 30, date(2025, 3, 5), 16)
    assert resumed.clock is not None
    assert (resumed.clock.paused_days, resumed.clock.stopped_since) == (18, None)
    # Mon Feb 17: Feb 18-21 (4), 24-28 (9), Mar 3-5 (12) left.
    assert _clock(_seen(store, case_id, c.operator, date(2025, 2, 17)))[3] == 12

    second = review_round(store, case_id, reviewer, as_of=date(2025, 2, 14), caller=c.office)
    assert (second.number, second.submission) == (2, 2)
    rounds = case_evidence(store, case_id, caller=c.operator).rounds
    assert [(r.number, r.submission, r.as_of) for r in rounds] == [
        (1, 1, date(2025, 1, 8)),
        (2, 2, date(2025, 2, 14)),
    ]
    vendor_sees = case_evidence(store, case_id, caller=c.vendor)
    assert vendor_sees.submissions == () and vendor_sees.rounds == ()
    with pytest.raises(NotFound, match=f"^case {case_id} has no submission 2$"):
        download(store, case_id, 2, "declaration.yaml", caller=c.vendor)

    # Recommended Mon 2025-03-03, in time; the new state's clock carries no stop: 15 WD,
    # Mar 4-7 (4), 10-14 (9), 17-21 (14), Mon Mar 24 (15): due Mon 2025-03-24.
    recommended = _act(store, case_id, c.office, "recommend", date(2025, 3, 3))
    assert _clock(recommended) == ("member-opinions", 15, date(2025, 3, 24), 15)
    assert recommended.clock is not None and recommended.clock.paused_days == 0
    assert [(a.on, a.action, a.role, a.note) for a in recommended.history][4:7] == [
        (date(2025, 1, 10), "request-materials", "reviewer", "firmware SBOM"),
        (date(2025, 2, 11), "supply-materials", "applicant", None),
        (date(2025, 3, 3), "recommend", "reviewer", None),
    ]
    _audit_verifies(store)


def test_an_extension_of_the_initial_review_over_national_day_2025(
    store: Store, cast: Cast
) -> None:
    """A complex case: the initial review extended by 15 WD (Art. 11), once only, then late."""
    c = cast
    case_id = _open(store, c.bank, YUHAI, XIYUE, date(2025, 8, 25)).case.id
    _act(store, case_id, c.office, "check", date(2025, 8, 26))
    # Accepted Wed 2025-08-27; 10 WD: Aug 28, 29 (2), Sep 1-5 (7), 8, 9, 10 (10): Wed Sep 10.
    accepted = _act(store, case_id, c.office, "accept", date(2025, 8, 27))
    assert _clock(accepted) == ("deciding", 10, date(2025, 9, 10), 10)

    # Decided Fri 2025-09-05; 30 WD: Sep 8-12 (5), 15-19 (10), 22-26 (15), Sun Sep 28 worked
    # (16), Sep 29, 30 (18), Oct 1-8 off, Oct 9, 10 (20), Sat Oct 11 worked (21), Oct 13-17
    # (26), 20, 21, 22, 23 (30): due Thu 2025-10-23. (Monday to Friday alone: Fri Oct 17.)
    decided = _act(store, case_id, c.approver, "decide-review", date(2025, 9, 5))
    assert _clock(decided) == ("initial-review", 30, date(2025, 10, 23), 30)
    # Sat Oct 4 (holiday): 18 counted, 12 left. Thu Oct 9: 19 counted, 11 left.
    assert _clock(_seen(store, case_id, c.bank, date(2025, 10, 4)))[3] == 12
    assert _clock(_seen(store, case_id, c.bank, date(2025, 10, 9)))[3] == 11
    _hidden(store, case_id, c.operator, date(2025, 10, 9))
    _hidden(store, case_id, c.vendor, date(2025, 10, 9))

    with pytest.raises(RefusedAction, match="extend is for approver, reviewer, not applicant"):
        _act(store, case_id, c.bank, "extend", date(2025, 10, 20))
    # Extended on Mon 2025-10-20 (the 27th day) by the stated 15: 45 WD, 18 left. The 15 more
    # after Thu Oct 23: Oct 24 (1), 27-31 (6), Nov 3-7 (11), 10, 11, 12, 13 (15): Thu Nov 13.
    extended = _act(
        store, case_id, c.office, "extend", date(2025, 10, 20), note="complex: cross-border flows"
    )
    assert _clock(extended) == ("initial-review", 45, date(2025, 11, 13), 18)
    with pytest.raises(RefusedAction, match=r"at most 15 days in all \(15 already granted\)"):
        _act(store, case_id, c.approver, "extend", date(2025, 10, 21), days=1)
    # Nothing is recorded before the extension's day (the history never goes back).
    with pytest.raises(RefusedAction, match="recommend on 2025-10-17 is before 2025-10-20"):
        _act(store, case_id, c.office, "recommend", date(2025, 10, 17))

    # Late: Thu Nov 13 is day 0; Fri Nov 14 -1, Sat Nov 15 still -1, Mon Nov 17 -2.
    seen = {
        day: (clock.left, clock.overdue)
        for day in (date(2025, 11, d) for d in (13, 14, 15, 17))
        if (clock := _seen(store, case_id, c.office, day).clock) is not None
    }
    assert seen == {
        date(2025, 11, 13): (0, False),
        date(2025, 11, 14): (-1, True),
        date(2025, 11, 15): (-1, True),
        date(2025, 11, 17): (-2, True),
    }
    # Recommended late, Mon 2025-11-17; 15 WD: Nov 18-21 (4), 24-28 (9), Dec 1-5 (14),
    # Mon Dec 8 (15): due Mon 2025-12-08.
    recommended = _act(store, case_id, c.office, "recommend", date(2025, 11, 17))
    assert _clock(recommended) == ("member-opinions", 15, date(2025, 12, 8), 15)
    assert recommended.position.extension_days == 0
    _untimed(_conclude(store, case_id, c.approver, date(2025, 12, 5)), "concluded")
    _audit_verifies(store)


def test_ex_officio_review_of_a_vendor_and_the_list_for_the_stop_notice(
    store: Store, cast: Cast, reviewer: Reviewer, tmp_path: Path
) -> None:
    """Art. 16, as in the 2023 memory-chip review (opened 31 March, concluded 21 May): the
    office reviews a vendor's products of its own motion, concludes, and lists every case of
    that vendor known to the store, for the notice that operators stop buying them."""
    c = cast
    # Operators' cases of the vendor's products, declared before the review.
    grid = _open(store, c.operator, QIUYUAN, VELTRANI, date(2023, 2, 6)).case.id
    submit_package(store, grid, GRID_STORAGE, caller=c.operator)
    # A second operator buying the same arrays: grid-storage's declaration with its name.
    carrier_package = tmp_path / "mingzhou-storage"
    shutil.copytree(GRID_STORAGE, carrier_package)
    manifest = carrier_package / "declaration.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(QIUYUAN, MINGZHOU), encoding="utf-8"
    )
    carrier = _open(store, c.other_operator, MINGZHOU, VELTRANI, date(2023, 2, 14)).case.id
    submit_package(store, carrier, carrier_package, caller=c.other_operator)
    # The same operator's case of another vendor is not on the list.
    database = _open(store, c.other_operator, MINGZHOU, LANXUAN, date(2023, 2, 20)).case.id
    submit_package(store, database, DOMESTIC_DATABASE, caller=c.other_operator)
    # A bank's case, the vendor written otherwise, with no package yet.
    bank = _open(store, c.bank, YUHAI, " veltrani storage systems, INC. ", date(2023, 3, 1))
    bank_case = bank.case.id

    # Opened ex officio on Fri 2023-03-31, in initial review at once; 30 WD: Apr 3, 4 (2),
    # Apr 5 off (Qingming), Apr 6, 7 (4), 10-14 (9), 17-21 (14), Sun Apr 23 worked (15),
    # Apr 24-28 (20), Apr 29-May 3 off, May 4, 5 (22), Sat May 6 worked (23), May 8-12 (28),
    # May 15, 16 (30): due Tue 2023-05-16.
    chips = Opened(
        regime=CN,
        title="Products sold in China by Veltrani",
        applicant="(ex officio)",
        vendor=VELTRANI,
        opening=Opening.EX_OFFICIO,
        on=date(2023, 3, 31),
    )
    with pytest.raises(RefusedAction, match="opening a case ex-officio is for approver, reviewer"):
        open_case(store, chips, caller=c.operator, home=None)
    opened = open_case(store, chips, caller=c.approver, home=None)
    review = opened.case.id
    assert opened.case.ex_officio
    assert _clock(opened) == ("initial-review", 30, date(2023, 5, 16), 30)
    # Fri Apr 28: 20 counted, 10 left; Tue May 2 (holiday): still 10.
    assert _clock(_seen(store, review, c.office, date(2023, 4, 28)))[3] == 10
    assert _clock(_seen(store, review, c.office, date(2023, 5, 2)))[3] == 10
    # The vendor is the party: it sees the review; the operators and member units do not.
    assert _listed(store, c.vendor, date(2023, 4, 3)) == [grid, carrier, bank_case, review]
    for outsider in (c.operator, c.other_operator, c.bank, c.unit):
        _hidden(store, review, outsider, date(2023, 4, 3))

    # The vendor supplies its materials; the office reviews them.
    supplied = submit_package(store, review, GRID_STORAGE, caller=c.vendor)
    assert (supplied.number, supplied.party) == (1, "vendor")
    kept = review_round(store, review, reviewer, as_of=date(2023, 5, 10), caller=c.office)
    assert (kept.number, kept.submission) == (1, 1)

    # Recommended Fri 2023-05-12; 15 WD: May 15-19 (5), 22-26 (10), May 29-Jun 2 (15): due
    # Fri 2023-06-02. The member units agree: concluded Sun 2023-05-21 (the notice's day).
    recommended = _act(store, review, c.office, "recommend", date(2023, 5, 12))
    assert _clock(recommended) == ("member-opinions", 15, date(2023, 6, 2), 15)
    assert _listed(store, c.unit, date(2023, 5, 15)) == [review]
    concluded = _conclude(
        store, review, c.approver, date(2023, 5, 21), Outcome.FAIL, "Stop purchasing."
    )
    _untimed(concluded, "concluded")
    assert _history(concluded) == [
        (date(2023, 3, 31), "ex-officio", "approver"),
        (date(2023, 5, 12), "recommend", "reviewer"),
        (date(2023, 5, 21), "conclude", "approver"),
    ]

    # The list for the notice: every case of the vendor, oldest first, with the operator and
    # deployments its declaration names (grid-storage: P-ARRAY and P-AGENT on SYS-DISPATCH and
    # SYS-DR). The review's own case lists no operator's declaration: the vendor's package is
    # not one.
    for party in (c.vendor, c.operator):
        with pytest.raises(RefusedAction, match="the list of a vendor's cases is for"):
            vendor_exposure(store, VELTRANI, caller=party)
    found = vendor_exposure(store, "VELTRANI storage systems, inc.", caller=c.office)
    assert [(e.case_id, e.state, e.operator, e.submission, e.ex_officio) for e in found] == [
        (grid, "received", QIUYUAN, 1, False),
        (carrier, "received", MINGZHOU, 1, False),
        (bank_case, "received", YUHAI, None, False),
        (review, "concluded", "(ex officio)", None, True),  # the review itself, marked so
    ]
    for exposed in found[:2]:
        assert [(p.id, p.quantity, p.systems) for p in exposed.products] == [
            ("P-ARRAY", 8, ("SYS-DISPATCH", "SYS-DR")),
            ("P-AGENT", 4, ("SYS-DISPATCH", "SYS-DR")),
        ]
        assert [(s.id, s.criticality) for s in exposed.systems] == [
            ("SYS-DISPATCH", "critical"),
            ("SYS-DR", "critical"),
        ]
    assert all(e.products == () and e.systems == () for e in found[2:])
    _audit_verifies(store)
