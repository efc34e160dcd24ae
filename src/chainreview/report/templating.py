"""The Jinja2 environment every report page starts from: the package's templates, everything
escaped (evidence is hostile input), an undefined name an error, block tags without stray
white space."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

__all__ = ["report_environment"]

_TEMPLATES = resources.files("chainreview.report") / "templates"


def _template_source(name: str) -> str:
    return (_TEMPLATES / name).read_text(encoding="utf-8")


def report_environment(extensions: Sequence[str] = ()) -> Environment:
    """A new environment over `report/templates` with `extensions`; the caller adds its
    filters and globals."""
    return Environment(
        loader=FunctionLoader(_template_source),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=list(extensions),
    )
