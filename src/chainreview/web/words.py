"""The vocabularies the pages show as words (values of the library's enums), each a gettext
context of the web catalogue; the workflows' state titles (no context), articles (context
`article`) and action names (context `action`) are read from the workflows themselves
(`workflow_texts`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from chainreview.case.decisions import Outcome
from chainreview.case.opinions import Stance
from chainreview.case.outcomes import Party, Standing
from chainreview.case.procedure import Opening, Role, load_workflow, workflow_ids

DEADLINES: Final = ("running", "stopped", "overdue", "no deadline")
"""The deadline of a case in words (`api.views.deadline`; its `none` shown as `no deadline`)."""

VOCABULARY: Final[dict[str, tuple[str, ...]]] = {
    "role": tuple(r.value for r in Role),
    "deadline": DEADLINES,
    "standing": tuple(s.value for s in Standing),
    "stance": tuple(s.value for s in Stance),
    "decision": tuple(o.value for o in Outcome),
    "party": (*(p.value for p in Party), "office"),
}
"""Gettext context → the values shown as words."""


def workflow_texts() -> Iterator[tuple[str | None, str]]:
    """Every workflow's state titles (no context), their articles (context `article`: a
    clock runs on its state's) and action names (context `action`, the openings too)."""
    for opening in Opening:
        yield "action", opening.value
    for regime in workflow_ids():
        workflow = load_workflow(regime)
        for state in workflow.states.values():
            yield None, state.title
            yield "article", state.article
        for transition in workflow.transitions:
            yield "action", transition.action
        for rule in (workflow.stop, workflow.resume, workflow.extend):
            if rule is not None:
                yield "action", rule.action
