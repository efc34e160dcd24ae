"""The report's languages: gettext catalogues read with Babel; the library's sentences translated.

A review's texts are English in `result.json`, which stays the same whatever the language: the
translation is presentation only. Two kinds of text are translated. The report's own words (table
headers, the page header and footer, the sign-off block) are gettext messages of the templates and
of the CLI summary. The library's sentences (reasons, rationale, conditions, rules, limitations,
citations) are English built from evidence; each shape is a template in
`chainreview.report.sentences` with named placeholders, matched against the sentence, its
placeholders kept as quoted evidence, or translated again (a nested reason, a level word), or
formatted (a date). A text from the data files (factor titles, rules, mitigations) is its own
template, without placeholders. A sentence that matches no template stays English.

The catalogue is `locale/<lang>/LC_MESSAGES/chainreview.po`, read and compiled in memory by Babel
on first use (no `.mo` file, no build step). English needs no catalogue: its messages are the ids.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources
from typing import Final

from babel.core import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from chainreview.evidence.product import ProductCategory
from chainreview.report.sentences import SENTENCES, WORDS

__all__ = ["DOMAIN", "Language", "Localizer", "catalogue_path", "localizer", "read_catalogue"]

DOMAIN: Final = "chainreview"
_LOCALE = resources.files("chainreview.report") / "locale"
_LEVELS: Final = ("none", "low", "medium", "high", "critical", "undetermined")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLACEHOLDER: Final = re.compile(r"\{([a-z_]+[0-9]*)\}")
_SLOTS: Final = {
    "level": "(?:" + "|".join(_LEVELS) + ")",
    "date": r"\d{4}-\d{2}-\d{2}",
    "n": r"[0-9][0-9,]*",
    "subject": r"[^\s:]+",
    "vendor": r"[^\s:]+",
    "source": r"[^\s,\[\]()]+",
    "share": r"[0-9.]+%",
    "ref": r"[^()]+",
    "cite": r"[^()]+",
    "country": r"[A-Z]{2}",
    "system": r"[^\s]+",
    "factor": r"F[0-9]{2}",
    "qid": r"F[0-9]{2}\.Q[0-9]+",
    "ruleid": r"(?:F[0-9]{2}\.)?R[0-9-]+|manual",
    "reason": r".+",
}
"""Placeholder kind (its name without a trailing digit) → what it matches; any other name matches
any text, shortest first. What each kind becomes: `reason`, `phrase` and `cite` (a citation in
brackets) translated in turn (or the template fails); `phrases`, `items` and `ids` lists (`, ` or
`; `) whose items are translated when they can be; `level` a word, `answer` a questionnaire
answer, `date` formatted; the rest is quoted as it stands."""
_EN_SEPARATORS: Final = {"action": "-"}
"""Contexts whose values are not in `WORDS` (a workflow's actions): their separator as a space."""
_EN_WORDS: Final = {
    ("site", "r-and-d"): "R&D",
    ("site", "packaging-test"): "packaging and test",
    ("route", "cpe"): "CPE",
    ("evidence", "sbom"): "SBOM",
    ("equipment", "plc"): "PLC",
    ("category", "high-performance-computer-or-server"): "high-performance computer or server",
    ("sector", "e-government"): "e-government",
    **{("feed", feed): feed.upper() for feed in ("osv", "kev", "nvd", "epss", "eol")},
}
"""English words of the vocabulary that are not their key with `-` and `_` as spaces."""
_CATEGORY_OF_WORDS: Final = {c.words: c.value for c in ProductCategory}
"""A CII product category as sentences write it (`{category}`) → its key in `WORDS`."""
_EN_KEYS: Final = frozenset((context, v) for context, values in WORDS.items() for v in values)
_LISTS: Final = {"phrases": (", ", "、"), "items": ("; ", "；"), "ids": (", ", "、")}
_GENERAL: Final = "{subject}: {reason}"
"""Tried first: a sentence about one product or vendor is that id and a reason, whatever the
reason's template (a more specific one would take the id into its first placeholder)."""


class Language(StrEnum):
    """A language of the report and the summary (a BCP 47 tag)."""

    EN = "en"
    ZH_CN = "zh-CN"

    @property
    def babel(self) -> Locale:
        """The Babel locale."""
        return Locale.parse(self.value, sep="-")


def catalogue_path(language: Language) -> str:
    """The catalogue of `language`, relative to the package's `locale` folder."""
    return f"{language.value.replace('-', '_')}/LC_MESSAGES/{DOMAIN}.po"


@dataclass(frozen=True, slots=True)
class _Template:
    """One sentence template: its regex, and the translation with the same placeholders."""

    template: str
    regex: re.Pattern[str]
    translation: str
    literal: int
    """Characters outside the placeholders: the more, the more specific."""


@dataclass(frozen=True, slots=True)
class Localizer:
    """Everything a report or summary needs to speak one language."""

    language: Language
    translations: gettext.NullTranslations
    templates: tuple[_Template, ...]

    def gettext(self, message: str) -> str:
        """`message` (a gettext message id) in this language."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural message for `n`, in this language."""
        return self.translations.ngettext(singular, plural, n)

    def sentence(self, text: str) -> str:
        """A sentence of the library in this language; itself when no template matches it."""
        if self.language is Language.EN:
            return text
        found = _translate(self, text)
        return text if found is None else found

    def detail(self, text: str) -> str:
        """An evidence reference's detail: a sentence, or facts joined by `; ` (a finding's
        component, severity, status, KEV date, fixes), each translated when it can be."""
        if self.language is Language.EN:
            return text
        whole = _translate(self, text)
        if whole is not None:
            return whole
        if _ISO_DATE.fullmatch(text):
            return self.date(text)
        return "；".join(_translate(self, part) or part for part in _split(text, "; "))

    def translates(self, text: str) -> bool:
        """Whether `text` matches a message or template of this language."""
        return self.language is Language.EN or _translate(self, text) is not None

    def date(self, value: str | None) -> str:
        """A YYYY-MM-DD date as this language writes it (English keeps ISO 8601)."""
        if value is None or self.language is Language.EN:
            return value or ""
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return format_date(day, format="long", locale=self.language.babel)

    def number(self, value: float) -> str:
        """A number with this language's grouping and decimal signs."""
        return format_decimal(value, locale=self.language.babel)

    def word(self, context: str, value: str) -> str:
        """A word of a vocabulary (`context`: `level`, `party`, `due`… see `WORDS`); in English
        a key of the vocabulary is written as words (`not_affected` as "not affected", `r-and-d`
        as "R&D"), any other value as it stands (it may be quoted from the evidence)."""
        if self.language is not Language.EN:
            return self.translations.pgettext(context, value)
        if (context, value) in _EN_WORDS:
            return _EN_WORDS[context, value]
        if (context, value) in _EN_KEYS:
            return value.replace("-", " ").replace("_", " ")
        return value.replace(_EN_SEPARATORS.get(context, " "), " ")


@functools.cache
def localizer(language: Language | str = Language.EN) -> Localizer:
    """The localizer of `language` (its catalogue read once)."""
    language = Language(language)
    if language is Language.EN:
        return Localizer(language, gettext.NullTranslations(), ())
    source = (_LOCALE / catalogue_path(language)).read_bytes()
    catalog, translations = read_catalogue(source, language, DOMAIN)
    templates = []
    for template in SENTENCES:
        message = catalog.get(template)
        if _PLACEHOLDER.search(template) and message is not None and message.string:
            templates.append(_compile(template, str(message.string)))
    templates.sort(key=lambda t: (t.template != _GENERAL, -t.literal))
    return Localizer(language, translations, tuple(templates))


def read_catalogue(
    source: bytes, language: Language, domain: str
) -> tuple[Catalog, gettext.GNUTranslations]:
    """A `.po` catalogue of `language` and its translations, compiled in memory (no `.mo`
    file): the report's and the web pages' (`chainreview.web.i18n`)."""
    catalog = read_po(io.BytesIO(source), locale=language.babel, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return catalog, gettext.GNUTranslations(compiled)


def _compile(template: str, translation: str) -> _Template:
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        name = match.group(1)
        kind = name.rstrip("0123456789")
        parts.append(f"(?P<{name}>{_SLOTS.get(kind, '.+?')})")
        last = match.end()
    parts.append(re.escape(template[last:]))
    literal = len(_PLACEHOLDER.sub("", template))
    return _Template(template, re.compile("".join(parts), re.S), translation, literal)


def _translate(loc: Localizer, text: str) -> str | None:
    exact = loc.translations.gettext(text)
    if exact != text or not text:
        return exact
    return _match(loc, text)


@functools.lru_cache(maxsize=65536)
def _match(loc: Localizer, text: str) -> str | None:
    for template in loc.templates:
        match = template.regex.fullmatch(text)
        if match is None:
            continue
        values = {name: _slot(loc, name, value) for name, value in match.groupdict().items()}
        if all(v is not None for v in values.values()):
            return _PLACEHOLDER.sub(_filler(values), template.translation)
    return None


def _filler(values: dict[str, str | None]) -> Callable[[re.Match[str]], str]:
    return lambda m: values.get(m.group(1)) or m.group(0)


def _answer(loc: Localizer, value: str) -> str:
    """A questionnaire answer as the library quotes it (`True`, `90`, `'abroad'`): a yes-no or
    choice word translated, a date formatted, a text kept, in Chinese quotation marks."""
    if len(value) < 2 or not value[0] == value[-1] == "'":
        return loc.word("answer", value)
    inner = value[1:-1]
    return loc.date(inner) if _ISO_DATE.fullmatch(inner) else f"“{loc.word('answer', inner)}”"


def _split(value: str, separator: str) -> list[str]:
    """`value` split at `separator` outside brackets (a list item may hold its own commas)."""
    items: list[str] = []
    depth = start = 0
    for i, char in enumerate(value):
        depth += (char in "([") - (char in ")]")
        if depth == 0 and value.startswith(separator, i):
            items.append(value[start:i])
            start = i + len(separator)
    return [*items, value[start:]]


def _slot(loc: Localizer, name: str, value: str) -> str | None:
    kind = name.rstrip("0123456789")
    if kind == "reason":
        return _translate(loc, value)
    if kind in ("phrase", "cite"):
        return _translate(loc, value)
    if kind in _LISTS:
        split, join = _LISTS[kind]
        whole = _translate(loc, value)
        if whole is not None:
            return whole
        return join.join(_translate(loc, item) or item for item in _split(value, split))
    if kind == "level":
        return loc.word("level", value)
    if kind == "category":
        return loc.word(kind, _CATEGORY_OF_WORDS.get(value, value))
    if kind == "answer":
        return _answer(loc, value)
    if kind == "date":
        return loc.date(value)
    return value
