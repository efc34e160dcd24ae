"""The web pages' languages: English and Simplified Chinese, chosen by the `chainreview_lang`
cookie the language switch sets, else by the browser's `Accept-Language`.

The pages' own words are gettext messages of `locale/<lang>/LC_MESSAGES/chainreview-web.po`
(the templates', this package's vocabularies', and the case workflows' state titles and action
names), read with Babel as the report's are (`report.i18n.read_catalogue`); what a review says
(factor titles, levels, reasons, outcomes) is translated by the report's own localizer.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass
from importlib import resources
from typing import Final

from chainreview.report.i18n import Language, Localizer, catalogue_path, localizer, read_catalogue

DOMAIN: Final = "chainreview-web"
LANG_COOKIE: Final = "chainreview_lang"
_LOCALE = resources.files("chainreview.web") / "locale"
_SIMPLIFIED: Final = frozenset({"zh", "zh-cn", "zh-sg"})
"""Chinese tags in simplified script besides `zh-hans…` (`zh-tw`, `zh-hk` are not)."""
_MAX_HEADER: Final = 512
"""Characters of `Accept-Language` read (a longer header is cut there)."""


@dataclass(frozen=True, slots=True)
class Words:
    """Everything a page needs to speak one language."""

    language: Language
    translations: gettext.NullTranslations
    report: Localizer

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)


def web_catalogue_path(language: Language) -> str:
    """The web catalogue of `language`, relative to the package's `locale` folder."""
    return catalogue_path(language).replace("chainreview.po", f"{DOMAIN}.po")


@functools.cache
def words(language: Language) -> Words:
    """The words of `language` (its catalogue read once)."""
    if language is Language.EN:
        return Words(language, gettext.NullTranslations(), localizer(language))
    source = (_LOCALE / web_catalogue_path(language)).read_bytes()
    _, translations = read_catalogue(source, language, DOMAIN)
    return Words(language, translations, localizer(language))


def chosen(cookie: str | None, accept_language: str | None) -> Language:
    """The language a request asks for: the switch's cookie when it names one, else the best
    of `Accept-Language` by its q-values, else English."""
    if cookie in {lang.value for lang in Language}:
        return Language(cookie)
    for tag in _preferred(accept_language or ""):
        if tag == "en" or tag.startswith("en-"):
            return Language.EN
        if tag in _SIMPLIFIED or tag.startswith("zh-hans"):
            return Language.ZH_CN
    return Language.EN


def _preferred(header: str) -> list[str]:
    """The tags of an `Accept-Language` header in lower case, best first (by q, then order)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header[:_MAX_HEADER].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and quality > 0:
            ranked.append((-quality, i, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]
