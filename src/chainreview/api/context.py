"""What every request shares: the settings, the open store, the login limits, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from chainreview.api.ratelimit import LoginLimits
from chainreview.api.settings import Settings
from chainreview.factors.catalogue import load_profile
from chainreview.store.db import Store

DEFAULT_REGIME = "cn-crm-2022"
"""Whose time zone the case list's day left out means today in (as `case list` counts)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """What the session cookie carries: who logged in and the session's CSRF token."""

    name: str
    csrf: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    settings: Settings
    store: Store
    limits: LoginLimits
    clock: Callable[[], datetime]

    def today(self) -> date:
        """Today in the default regime's time zone (a case's own day: `case_today`)."""
        zone = ZoneInfo(load_profile(DEFAULT_REGIME).timezone)
        return self.clock().astimezone(zone).date()

    def _signer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.settings.secret, salt="chainreview.session")

    def seal(self, session: Session) -> str:
        """The signed cookie value of `session`."""
        return self._signer().dumps({"u": session.name, "c": session.csrf})

    def unseal(self, value: str) -> Session | None:
        """The session in a cookie value, if its signature holds and it has not expired."""
        try:
            data = self._signer().loads(value, max_age=self.settings.session_seconds)
        except BadSignature:  # SignatureExpired is one
            return None
        if not isinstance(data, dict):
            return None
        name, csrf = data.get("u"), data.get("c")
        if not isinstance(name, str) or not isinstance(csrf, str):
            return None
        return Session(name=name, csrf=csrf)


def context(request: Request) -> Context:
    """The app's shared context."""
    found = request.app.state.context
    assert isinstance(found, Context)
    return found
