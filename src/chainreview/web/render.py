"""The pages' Jinja2 environments, one per language: this package's templates, everything
escaped (case titles, notes and evidence are hostile input), an undefined name an error."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from chainreview.report.i18n import Language
from chainreview.web.i18n import words

_TEMPLATES = resources.files("chainreview.web") / "templates"


def _source(name: str) -> str:
    return (_TEMPLATES / name).read_text(encoding="utf-8")


@functools.cache
def environment(language: Language) -> Environment:
    """The environment of `language`: gettext from the web catalogue, `loc` the report's
    localizer (what a review says), `role_word` a role in words (to join a list of them)."""
    env = Environment(
        loader=FunctionLoader(_source),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    found = words(language)
    env.install_gettext_translations(found.translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["loc"] = found.report
    env.globals["lang"] = language.value
    env.filters["role_word"] = lambda role: found.pgettext("role", role)
    return env


def page(language: Language, template: str, code: int = 200, **values: Any) -> HTMLResponse:
    """`template` rendered in `language` with `values`, as an HTML answer."""
    html = environment(language).get_template(template).render(**values)
    return HTMLResponse(html, status_code=code, headers={"Cache-Control": "no-store"})
