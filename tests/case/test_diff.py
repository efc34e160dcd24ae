"""`case diff`: real results of examples/grid-storage against copies with one piece of evidence
changed, each difference expected from the change made (and read from the documents with
`json`, not from the code under test); the same over rounds kept in a store."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import chainreview
from chainreview.case.access import Caller
from chainreview.case.diff import Change, InputChange, diff_results
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import case_diff, review_round, submit_package
from chainreview.case.service import Opened, open_case
from chainreview.errors import InputError, NotFound
from chainreview.reviewer import Reviewer
from chainreview.store.db import open_store

EXAMPLE = Path(__file__).parents[2] / "examples" / "grid-storage"
AS_OF = date(2026, 11, 30)
FIRMWARE = "sbom/vs8400-firmware.cdx.json"
AGENT = "sbom/fleet-agent.cdx.json"
VEX = "vex/fleet-agent.openvex.json"
SALT = "pkg:pypi/salt@3000.1"

OPERATOR = Caller(name="operator", role=Role.APPLICANT, org="State Grid Demo Co.")
REVIEWER = Caller(name="reviewer", role=Role.REVIEWER, org=None)


@pytest.fixture(scope="module")
def reviewer(bundled_home: Path) -> Iterator[Reviewer]:
    with chainreview.open_snapshot(bundled_home) as snapshot:
        yield Reviewer(snapshot)


@pytest.fixture(scope="module")
def original(reviewer: Reviewer) -> bytes:
    return _result(reviewer, EXAMPLE)


def _result(reviewer: Reviewer, folder: Path) -> bytes:
    buffer = io.BytesIO()
    chainreview.REVIEW_FORMATS["json"].write(reviewer.review(folder, as_of=AS_OF), buffer)
    return buffer.getvalue()


def _copy(tmp_path: Path, *edits: Callable[[Path], None]) -> Path:
    package = tmp_path / "package"
    shutil.copytree(EXAMPLE, package)
    for edit in edits:
        edit(package)
    return package


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kernel_outside_the_kev_range(package: Path) -> None:
    """linux 5.10.120 -> 5.15.149 in the firmware SBOM: outside CVE-2024-1086's NVD range."""
    path = package / FIRMWARE
    text = path.read_text(encoding="utf-8")
    assert "5.10.120" in text
    path.write_text(text.replace("5.10.120", "5.15.149"), encoding="utf-8")


def vex_under_investigation(package: Path) -> None:
    """The one VEX statement (CVE-2019-10906 in jinja2 2.10) says under_investigation."""
    path = package / VEX
    vex = json.loads(path.read_text(encoding="utf-8"))
    (statement,) = vex["statements"]
    statement["status"] = "under_investigation"
    del statement["justification"], statement["impact_statement"]
    path.write_text(json.dumps(vex, indent=2), encoding="utf-8")


def without_salt(package: Path) -> None:
    """salt 3000.1 (the agent's KEV component) taken out of the agent SBOM."""
    path = package / AGENT
    sbom = json.loads(path.read_text(encoding="utf-8"))
    sbom["components"] = [c for c in sbom["components"] if c["bom-ref"] != SALT]
    sbom["dependencies"] = [d for d in sbom["dependencies"] if d["ref"] != SALT]
    for dependency in sbom["dependencies"]:
        dependency["dependsOn"] = [r for r in dependency["dependsOn"] if r != SALT]
    path.write_text(json.dumps(sbom, indent=2), encoding="utf-8")


def _assessment(result: bytes, factor: str) -> Any:
    (found,) = [
        a for a in json.loads(result)["determination"]["assessments"] if a["factor_id"] == factor
    ]
    return found


def test_identical_rounds_differ_in_nothing(original: bytes) -> None:
    found = diff_results(original, original)
    assert found.empty
    assert not found.outcome_moved
    assert (found.before.outcome, found.before.rule) == ("fail", "CN.1")  # README of the example


def test_the_kernel_outside_the_kev_range(
    reviewer: Reviewer, original: bytes, tmp_path: Path
) -> None:
    package = _copy(tmp_path, kernel_outside_the_kev_range)
    after = _result(reviewer, package)
    found = diff_results(original, after)
    # CVE-2024-1086 on the kernel goes; F02 was critical on it alone and stays high on KEV salt.
    assert [(f.product, f.id, f.component, f.kev) for f in found.findings_resolved] == [
        ("P-ARRAY", "CVE-2024-1086", "linux-kernel", True)
    ]
    assert found.findings_added == found.findings_changed == ()
    assert [(m.factor, m.before, m.after) for m in found.levels_moved] == [
        ("F02", "critical", "high")
    ]
    (move,) = found.levels_moved
    stated = _assessment(after, "F02")
    assert (move.rule, move.reasons) == (stated["rule"], tuple(stated["reasons"]))
    assert move.evidence == tuple(e["ref"] for e in stated["evidence"])
    assert found.inputs_changed == (
        InputChange(path=FIRMWARE, before=_sha(EXAMPLE / FIRMWARE), after=_sha(package / FIRMWARE)),
    )
    assert not found.outcome_moved  # salt's KEV findings still fail it (CN.1)


def test_a_vex_statement_no_longer_resolving_a_finding(
    reviewer: Reviewer, original: bytes, tmp_path: Path
) -> None:
    package = _copy(tmp_path, vex_under_investigation)
    found = diff_results(original, _result(reviewer, package))
    (changed,) = found.findings_changed
    assert (changed.finding.product, changed.finding.id, changed.finding.component) == (
        "P-AGENT",
        "CVE-2019-10906",
        "pkg:pypi/jinja2@2.10",
    )
    assert changed.changes == (
        Change(field="status", before="not_affected", after="under_investigation"),
    )
    assert found.findings_added == found.findings_resolved == found.levels_moved == ()
    assert [i.path for i in found.inputs_changed] == [VEX]
    # One more active finding without an EPSS score: that limitation's count moves by one.
    assert [x.text for x in found.limitations_removed] == [
        "EPSS scores of 45 active finding(s) (no EPSS feed)"
    ]
    assert [x.text for x in found.limitations_added] == [
        "EPSS scores of 46 active finding(s) (no EPSS feed)"
    ]


def test_without_the_last_kev_component_the_outcome_moves(
    reviewer: Reviewer, tmp_path: Path
) -> None:
    one_kev = _result(reviewer, _copy(tmp_path / "one", kernel_outside_the_kev_range))
    after = _result(reviewer, _copy(tmp_path / "two", kernel_outside_the_kev_range, without_salt))
    found = diff_results(one_kev, after, names=("round 1", "round 2"))
    # tests/test_review_sensitivity.py: no KEV left -> F17 high -> undetermined, Fail (CN.1) ->
    # Refer (CN.6: F02 not settled on a partial NVD selection).
    assert (found.before.outcome, found.before.rule) == ("fail", "CN.1")
    assert (found.after.outcome, found.after.rule) == ("refer_to_special_review", "CN.6")
    assert found.outcome_moved
    (f17,) = [m for m in found.levels_moved if m.factor == "F17"]
    assert (f17.before, f17.after) == ("high", "undetermined")
    stated = _assessment(after, "F17")
    assert stated["rule"] != _assessment(one_kev, "F17")["rule"]
    assert (f17.rule, f17.reasons) == (stated["rule"], tuple(stated["reasons"]))
    salt = sorted(
        ("P-AGENT", f["id"], SALT)
        for product in json.loads(one_kev)["products"]
        for f in product["findings"]
        if f["component"] == SALT
    )
    assert len(salt) == 26
    assert [(f.product, f.id, f.component) for f in found.findings_resolved] == salt
    assert found.findings_added == ()
    assert [i.path for i in found.inputs_changed] == [AGENT]
    assert (found.before.name, found.after.name) == ("round 1", "round 2")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "schema_version is None"),
        (b'{"schema_version": "1.0"}', "schema_version is '1.0'"),
        (b'{"schema_version": "2.0"}', "'declaration' is a required property"),
    ],
)
def test_a_document_that_is_no_result_names_its_round(
    original: bytes, document: bytes, message: str
) -> None:
    with pytest.raises(InputError, match=message) as raised:
        diff_results(original, document, names=("round 1", "round 2"))
    assert str(raised.value).startswith("round 2: ")
    with pytest.raises(InputError, match=r"^round 1: "):
        diff_results(document, original, names=("round 1", "round 2"))


def test_a_result_missing_a_member_is_refused(original: bytes) -> None:
    broken = json.loads(original)
    del broken["products"][0]["findings"][0]["severity"]
    with pytest.raises(InputError, match="'severity' is a required property"):
        diff_results(original, json.dumps(broken).encode())


def test_a_round_kept_as_schema_version_2_0_is_still_read(original: bytes) -> None:
    # 2.3 only added supply_chain: a 2.2 result (without it) is compared as before, a 2.3 one
    # without it is refused; 2.2 only added products[].component_sources and 2.1
    # determination.deciding: likewise
    document = json.loads(original)
    assert (document["schema_version"], document["determination"]["deciding"]) == ("2.3", 2)
    del document["supply_chain"]
    with pytest.raises(InputError, match="'supply_chain' is a required property"):
        diff_results(original, json.dumps(document).encode())
    document["schema_version"] = "2.2"
    found = diff_results(json.dumps(document).encode(), original)
    assert found.before.outcome == found.after.outcome == "fail"
    for product in document["products"]:
        del product["component_sources"]
    with pytest.raises(InputError, match="'component_sources' is a required property"):
        diff_results(original, json.dumps(document).encode())
    document["schema_version"] = "2.1"
    found = diff_results(json.dumps(document).encode(), original)
    assert found.before.outcome == found.after.outcome == "fail"
    assert found.findings_added == found.findings_resolved == ()
    del document["determination"]["deciding"]
    with pytest.raises(InputError, match="'deciding' is a required property"):
        diff_results(original, json.dumps(document).encode())
    document["schema_version"] = "2.0"
    found = diff_results(json.dumps(document).encode(), original)
    assert found.before.outcome == found.after.outcome == "fail"
    assert found.findings_added == found.findings_resolved == ()


def test_the_last_two_rounds_of_a_case(reviewer: Reviewer, tmp_path: Path) -> None:
    opened = Opened(
        regime="cn-crm-2022",
        title="Grid storage controllers",
        applicant="State Grid Demo Co.",
        vendor="Example Energy Systems Ltd.",
        opening=Opening.DECLARATION,
        on=date(2026, 11, 2),
    )
    with open_store(None, home=tmp_path) as store:
        case_id = open_case(store, opened, caller=OPERATOR, home=None).case.id
        submit_package(store, case_id, EXAMPLE, caller=OPERATOR)
        first = review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
        with pytest.raises(NotFound, match="1 round"):
            case_diff(store, case_id, caller=REVIEWER)
        submit_package(store, case_id, _copy(tmp_path, vex_under_investigation), caller=OPERATOR)
        second = review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
        found = case_diff(store, case_id, caller=REVIEWER)
        assert found == diff_results(
            first.result_json,
            second.result_json,
            names=(f"case {case_id} round 1", f"case {case_id} round 2"),
        )
        assert [i.path for i in found.inputs_changed] == [VEX]
        assert case_diff(store, case_id, 2, 2, caller=REVIEWER).empty
        review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER, submission=1)
        latest = case_diff(store, case_id, caller=REVIEWER)  # rounds 2 and 3: the VEX back
        assert (latest.before.name, latest.after.name) == (
            f"case {case_id} round 2",
            f"case {case_id} round 3",
        )
        (changed,) = latest.findings_changed
        assert changed.changes == (
            Change(field="status", before="under_investigation", after="not_affected"),
        )
        with pytest.raises(NotFound, match="no round 9"):
            case_diff(store, case_id, 1, 9, caller=REVIEWER)


def test_conditions_and_inputs_of_another_package(reviewer: Reviewer, original: bytes) -> None:
    other = _result(reviewer, EXAMPLE.parent / "domestic-database")
    conditions = sorted(
        (c["kind"], c["text"], tuple(c["factors"]))
        for c in json.loads(other)["determination"]["conditions"]
    )
    assert len(conditions) == 7  # grid-storage fails (CN.1) with none; this passes with them
    found = diff_results(original, other)
    assert sorted((c.kind, c.text, c.factors) for c in found.conditions_added) == conditions
    assert found.conditions_removed == ()
    assert (found.after.outcome, found.after.rule) == ("pass_with_conditions", "CN.8")
    back = diff_results(other, original)
    assert back.conditions_removed == found.conditions_added
    assert back.conditions_added == ()
    old = json.loads(original)["determination"]["inputs"]
    new = json.loads(other)["determination"]["inputs"]
    assert [(i.path, i.before, i.after) for i in found.inputs_changed] == [
        (path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]
    assert ("vex/fleet-agent.openvex.json", old[VEX], None) in [
        (i.path, i.before, i.after) for i in found.inputs_changed
    ]


def _edited(result: bytes, edit: Callable[[dict[str, Any]], None]) -> tuple[bytes, dict[str, Any]]:
    """`result` with `edit` applied to its first finding that has an alias besides its id."""
    document = json.loads(result)
    found = [
        f
        for product in document["products"]
        for f in product["findings"]
        if set(f["aliases"]) - {f["id"]}
    ]
    edit(found[0])
    return json.dumps(document).encode(), found[0]


def test_a_finding_named_by_another_of_its_ids_is_changed_not_resolved_and_added(
    original: bytes,
) -> None:
    before = json.loads(original)
    after, finding = _edited(
        original, lambda f: f.update(id=sorted(set(f["aliases"]) - {f["id"]})[0])
    )
    (old_id,) = [
        f["id"]
        for product in before["products"]
        for f in product["findings"]
        if f["component"] == finding["component"] and f["aliases"] == finding["aliases"]
    ]
    found = diff_results(original, after)
    assert found.findings_added == found.findings_resolved == ()
    (changed,) = found.findings_changed
    assert changed.changes == (Change(field="id", before=old_id, after=finding["id"]),)
    assert old_id != finding["id"]


def test_another_vulnerability_of_the_same_component_is_resolved_and_added(
    original: bytes,
) -> None:
    after, finding = _edited(original, lambda f: f.update(id="CVE-1999-0001", aliases=[]))
    found = diff_results(original, after)
    assert [f.id for f in found.findings_added] == ["CVE-1999-0001"]
    assert [f.component for f in found.findings_resolved] == [finding["component"]]
    assert found.findings_changed == ()


def test_severity_and_suppression_changes_of_a_finding(original: bytes) -> None:
    levels: list[str] = []

    def edit(finding: dict[str, Any]) -> None:
        levels.append(finding["severity"]["level"])
        finding["severity"]["level"] = "low" if levels[0] != "low" else "high"
        finding["suppressed"] = {"id": "IGN-7", "reason": "accepted risk", "expires": None}

    after, finding = _edited(original, edit)
    (before_level,) = levels
    found = diff_results(original, after)
    (changed,) = found.findings_changed
    assert changed.changes == (
        Change(field="severity", before=before_level, after=finding["severity"]["level"]),
        Change(field="suppressed", before="no", after="IGN-7: accepted risk"),
    )
    assert changed.finding.suppressed == "IGN-7: accepted risk"
    back = diff_results(after, original)
    (undone,) = back.findings_changed
    assert [(c.field, c.before, c.after) for c in undone.changes] == [
        ("severity", finding["severity"]["level"], before_level),
        ("suppressed", "IGN-7: accepted risk", "no"),
    ]
