"""A case round's report shows the case's statutory clock: the timeline as of a day, its chart
and the table of the same dates, in the PDF and the HTML, in English and Chinese, on both
backends.

The story is cn-crm-2022's ordinary review of 2026 (`test_cn_path.py`, whose counting rules
apply), with a clock stop for materials and an extension of the initial review. Every expected
date is counted here by hand on the State Council's 2026 arrangement (Mid-Autumn Sep 25-27 off;
National Day Oct 1-7 off, Sun Sep 20 and Sat Oct 10 worked; nothing off in November or
December):

- Accepted Fri Sep 11: 10 WD, Sep 14-18 (5), Sun Sep 20 (6), Sep 21-24 (10): due Thu Sep 24.
- Decided to review Thu Sep 24: 30 WD, due Thu Nov 12 (counted in `test_cn_path.py`).
- Materials requested Tue Oct 20, supplied Mon Oct 26: not counted, the working days after Oct
  20 up to and including Oct 26: Oct 21, 22, 23, 26 (4). Due 4 WD after Thu Nov 12: Nov 13 (1),
  16, 17, 18 (4): Wed Nov 18.
- Extended Tue Oct 27 by the stated 15 (Art. 11): 45 WD, due 15 WD after Wed Nov 18: Nov 19,
  20 (2), 23-27 (7), Nov 30-Dec 4 (12), Dec 7, 8, 9 (15): Wed Dec 9.
- Recommended Mon Nov 30: 15 WD, Dec 1-4 (4), 7-11 (9), 14-18 (14), Mon Dec 21 (15): due
  Mon Dec 21. Concluded Fri Dec 18, in time.
- On Thu Oct 22, while stopped: the working days counted before the request, after Sep 24 up to
  and including Oct 20: Sep 28, 29, 30 (3), Oct 8, 9 (5), Sat Oct 10 (6), Oct 12-16 (11), 19,
  20 (13): 30 - 13 = 17 left, no due date.
- On the round's review date, Mon Oct 19: the working days after it up to and including Nov 12:
  Oct 20-23 (4), 26-30 (9), Nov 2-6 (14), 9-12 (18): 18 left.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

import chainreview
from chainreview.case.access import Caller
from chainreview.case.decisions import Decided, Outcome, decide
from chainreview.case.procedure import Opening, Role
from chainreview.case.round_report import round_report
from chainreview.case.rounds import review_round, submit_package
from chainreview.case.service import Opened, Step, open_case, take_action
from chainreview.case.timeline import case_timeline
from chainreview.case.users import Person, identify, register
from chainreview.report.timeline import Mark
from chainreview.store.db import Store

GRID_STORAGE = Path(__file__).parents[2] / "examples" / "grid-storage"
QIUYUAN = "Qiuyuan Provincial Grid Dispatch Co., Ltd."
VELTRANI = "Veltrani Storage Systems, Inc."
ROUND_DAY = date(2026, 10, 19)


def _story(store: Store, home: Path) -> tuple[str, Caller]:
    """The case, taken to its conclusion, with one round reviewed as of Oct 19: its id and the
    office's reviewer."""
    register(store, Person(name="root", role=Role.ADMIN), by=None)
    admin = identify(store, "root")
    for person in (
        Person(name="wang", role=Role.APPLICANT, org=QIUYUAN),
        Person(name="li", role=Role.REVIEWER),
        Person(name="zhao", role=Role.APPROVER),
    ):
        register(store, person, by=admin)
    wang, li, zhao = (identify(store, n) for n in ("wang", "li", "zhao"))
    opened = Opened(
        regime="cn-crm-2022",
        title="VS-8400 for the dispatch system",
        applicant=QIUYUAN,
        vendor=VELTRANI,
        opening=Opening.DECLARATION,
        on=date(2026, 9, 9),
    )
    case_id = open_case(store, opened, caller=wang, home=None).case.id
    steps = [
        (li, "check", date(2026, 9, 10), None, None),
        (li, "accept", date(2026, 9, 11), None, None),
        (zhao, "decide-review", date(2026, 9, 24), None, None),
        (li, "request-materials", date(2026, 10, 20), None, "firmware SBOM"),
        (wang, "supply-materials", date(2026, 10, 26), None, None),
        (zhao, "extend", date(2026, 10, 27), None, "complex case"),
        (li, "recommend", date(2026, 11, 30), None, None),
    ]
    for who, action, on, days, note in steps:
        step = Step(action=action, on=on, days=days, note=note)
        take_action(store, case_id, step, caller=who, expected_version=None, home=None)
    decide(
        store,
        case_id,
        Decided(outcome=Outcome.PASS, reason="The member units agree.", on=date(2026, 12, 18)),
        caller=zhao,
    )
    submit_package(store, case_id, GRID_STORAGE, caller=wang)
    with chainreview.open_snapshot(home) as snapshot:
        review_round(store, case_id, chainreview.Reviewer(snapshot), as_of=ROUND_DAY, caller=li)
    return case_id, li


@pytest.fixture
def story(store: Store, bundled_home: Path) -> tuple[str, Caller]:
    return _story(store, bundled_home)


def test_the_timeline_counts_every_period_as_the_clock_does(
    store: Store, story: tuple[str, Caller]
) -> None:
    case_id, li = story
    whole = case_timeline(store, case_id, caller=li, as_of=date(2026, 12, 18), home=None)
    assert [(m.on, m.action, m.mark) for m in whole.milestones] == [
        (date(2026, 9, 9), "declaration", Mark.OPENING),
        (date(2026, 9, 10), "check", Mark.TRANSITION),
        (date(2026, 9, 11), "accept", Mark.TRANSITION),
        (date(2026, 9, 24), "decide-review", Mark.TRANSITION),
        (date(2026, 10, 20), "request-materials", Mark.STOP),
        (date(2026, 10, 26), "supply-materials", Mark.RESUME),
        (date(2026, 10, 27), "extend", Mark.EXTEND),
        (date(2026, 11, 30), "recommend", Mark.TRANSITION),
        (date(2026, 12, 18), "conclude", Mark.DECISION),
    ]
    assert whole.milestones[6].days == 15 and whole.milestones[4].note == "firmware SBOM"
    assert whole.later == 0 and not whole.provisional
    assert [
        (p.state, p.started, p.ended, p.days, p.extension_days, p.pauses, p.paused_days, p.due)
        for p in whole.periods
    ] == [
        ("deciding", date(2026, 9, 11), date(2026, 9, 24), 10, 0, (), 0, date(2026, 9, 24)),
        (
            "initial-review", date(2026, 9, 24), date(2026, 11, 30), 45, 15,
            ((date(2026, 10, 20), date(2026, 10, 26)),), 4, date(2026, 12, 9),
        ),
        ("member-opinions", date(2026, 11, 30), date(2026, 12, 18), 15, 0, (), 0,
         date(2026, 12, 21)),
    ]  # fmt: skip
    assert [(p.late, p.left) for p in whole.periods] == [(False, None)] * 3

    stopped = case_timeline(store, case_id, caller=li, as_of=date(2026, 10, 22), home=None)
    assert stopped.later == 4  # supply, extend, recommend, conclude
    running = stopped.periods[-1]
    assert (running.state, running.ended, running.due, running.left) == (
        "initial-review", None, None, 17
    )  # fmt: skip
    assert running.pauses == ((date(2026, 10, 20), None),)


def _pdf_text(content: bytes, folder: Path, name: str) -> str:
    path = folder / name
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_rounds_report_shows_the_clock_in_both_languages(
    store: Store, story: tuple[str, Caller], bundled_home: Path, tmp_path: Path
) -> None:
    case_id, li = story

    def made(kind: str, language: str, as_of: date | None = None) -> bytes:
        return round_report(
            store, case_id, 1, home=bundled_home, caller=li, kind=kind, language=language,
            as_of=as_of,
        ).content  # fmt: skip

    # By default, as of the round's review date: the initial review running, 18 days left.
    page = made("html", "en").decode()
    assert 'id="clock"' in page and 'id="timeline-' in page  # the chart, its ids scoped
    assert "as of 2026-10-19" in page
    assert "running: 18 days left" in page
    assert "5 steps recorded after that day are not shown." in page
    assert made("html", "en") == page.encode()  # the same bytes again
    late_page = made("html", "en", date(2026, 12, 18)).decode()
    assert "45 working days (15 added by extension)" in late_page

    # As of the decision day, in the PDF: every date of the table, read back from the PDF.
    text = _pdf_text(made("pdf", "en", date(2026, 12, 18)), tmp_path, "en.pdf")
    assert "Statutory clock" in text
    for day in ("2026-09-11", "2026-09-24", "2026-10-20", "2026-10-26", "2026-12-09",
                "2026-11-30", "2026-12-21", "2026-12-18"):  # fmt: skip
        assert day in text, day
    assert "4 days not counted" in text and "firmware SBOM" in text
    assert "request materials" in text and "decide review" in text  # no raw action ids

    zh = _pdf_text(made("pdf", "zh-CN", date(2026, 12, 18)), tmp_path, "zh.pdf")
    flat = "".join(zh.split())
    assert "审查时限" in flat
    for day in ("2026年9月24日", "2026年10月20日", "2026年12月9日", "2026年12月21日"):
        assert day in flat, day
    assert "初步审查" in flat and "第十五条" in flat  # the state and Art. 15 in Chinese
    assert "request-materials" not in zh and "decide-review" not in zh
