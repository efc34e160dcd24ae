"""The determination an operator's declaration got, carried to the new case's page.

An operator's upload is reviewed but not recorded (rounds are the office's:
`case.declarations`), so the page it redirects to cannot read it from the store. The
determination's summary (outcome, rule, finality, review date, each factor's level) rides in
a signed cookie scoped to that case's page, for a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from itsdangerous import BadSignature, URLSafeTimedSerializer

from chainreview.api.schemas_reviews import DeterminationOut
from chainreview.factors.catalogue import load_catalogue

DECLARED_COOKIE: Final = "chainreview_declared"
DECLARED_SECONDS: Final = 86400


@dataclass(frozen=True, slots=True, kw_only=True)
class Declared:
    """What the declaration's review determined."""

    case_id: str
    outcome: str
    rule: str
    final: bool
    as_of: date
    levels: tuple[tuple[str, str, str], ...]
    """Each factor's id, catalogue title and level, in the catalogue's order."""


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="chainreview.declared")


def seal(secret: str, case_id: str, found: DeterminationOut) -> str:
    """The cookie value carrying `found` for `case_id`."""
    return _signer(secret).dumps(
        {
            "c": case_id,
            "o": found.outcome,
            "r": found.rule,
            "f": found.final,
            "d": found.as_of.isoformat(),
            "l": list(found.levels.items()),
        }
    )


def unseal(secret: str, value: str | None, case_id: str) -> Declared | None:
    """The determination a cookie carries for `case_id`: None without one, for another case,
    or when its signature fails or it has expired."""
    if not value:
        return None
    titles = {f.id: f.title for f in load_catalogue().factors}
    try:
        data = _signer(secret).loads(value, max_age=DECLARED_SECONDS)
        if not isinstance(data, dict) or data.get("c") != case_id:
            return None
        return Declared(
            case_id=case_id,
            outcome=str(data["o"]),
            rule=str(data["r"]),
            final=bool(data["f"]),
            as_of=date.fromisoformat(str(data["d"])),
            levels=tuple((str(f), titles.get(f, str(f)), str(level)) for f, level in data["l"]),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
