"""Collect the report's and the web pages' messages into their catalogue templates and merge each
into every catalogue of its kind.

    PYTHONPATH=src python scripts/i18n_catalogue.py

Messages come from four places, each its own source of truth: the report templates (Jinja2's
`{% trans %}` and `_()`, through Babel's Jinja2 extractor), the CLI summary and the charts
(`loc.gettext(...)`), the sentence templates and vocabularies of `chainreview.report.sentences`,
and the texts of the data and the factor modules (factor titles and questions, policy rules and
commitments, the evaluators' rules, measures and limitations, the regime profiles' citations). The
template is
written to `src/chainreview/report/locale/chainreview.pot`; each `<lang>/LC_MESSAGES/
chainreview.po` is updated from it (new messages empty, vanished ones dropped), for a translator
to fill. `tests/report/test_report_i18n.py` fails while a message has no translation. The web
pages' catalogue (`src/chainreview/web/locale/`, domain `chainreview-web`) is made the same way
from their templates and vocabularies (`web_template`); `tests/web/test_web_i18n.py` checks it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

import chainreview.factors
from chainreview.case.procedure import Opening, load_workflow, workflow_ids
from chainreview.determination.policy import load_policy, policy_ids
from chainreview.evidence.vendor_profile import Art6Commitment
from chainreview.factors.catalogue import load_catalogue, load_profile, profile_ids
from chainreview.factors.interface import Gap, Limitation, Mitigation, Rule, citations
from chainreview.factors.mitigations import commitment
from chainreview.report.i18n import DOMAIN, Language, catalogue_path
from chainreview.report.sentences import SENTENCES, WORDS
from chainreview.version import __version__
from chainreview.web.i18n import DOMAIN as WEB_DOMAIN
from chainreview.web.i18n import web_catalogue_path
from chainreview.web.words import VOCABULARY, workflow_texts

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "chainreview"
LOCALE = PACKAGE / "report" / "locale"
STAMP = datetime(2026, 12, 1, tzinfo=UTC)
"""The catalogues' dates: fixed, so that the files change only when their messages do."""
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def data_texts() -> Iterator[str]:
    """Every fixed text of the data files and factor modules a report shows."""
    catalogue = load_catalogue()
    for factor in catalogue.factors:
        yield factor.title
        yield from (q.text for q in factor.questions)
    for regime in policy_ids():
        policy = load_policy(None, regime)
        yield from (rule.text for rule in policy.rules)
        for c in policy.commitments:
            yield from (c.mitigation.text, c.mitigation.verification)
    for regime in profile_ids():
        profile = load_profile(regime)
        for factor in catalogue.factors:
            yield from citations(profile, factor.id)
    for kind in Art6Commitment:
        m = commitment(kind)
        yield from (m.text, m.verification, kind.phrase)
    for info in pkgutil.iter_modules(chainreview.factors.__path__):
        module = importlib.import_module(f"chainreview.factors.{info.name}")
        yield from _texts(vars(module).values())


def _texts(values: Iterable[Any]) -> Iterator[str]:
    for value in values:
        if isinstance(value, Rule):
            yield value.text
        elif isinstance(value, Mitigation):
            yield from (value.text, value.verification)
        elif isinstance(value, Gap | Limitation):
            yield value.what
        elif isinstance(value, tuple | list | frozenset):
            yield from _texts(value)
        elif isinstance(value, dict):
            yield from _texts(value.values())


def case_texts() -> Iterator[tuple[str | None, str]]:
    """What a case round's statutory clock shows of the workflows: state titles (no context),
    the articles of states, transitions and clock rules (context `article`), and action names
    (context `action`, the openings too)."""
    for opening in Opening:
        yield "action", opening.value
    for regime in workflow_ids():
        workflow = load_workflow(regime)
        for state in workflow.states.values():
            yield None, state.title
            yield "article", state.article
        for transition in workflow.transitions:
            yield "action", transition.action
            if transition.article:
                yield "article", transition.article
        for rule in (workflow.stop, workflow.resume, workflow.extend):
            if rule is not None:
                yield "action", rule.action
                yield "article", rule.article


def template() -> Catalog:
    """The catalogue template: every message, no translation."""
    catalog = Catalog(
        domain=DOMAIN,
        project="chainreview",
        version=__version__,
        charset="utf-8",
        creation_date=STAMP,
        fuzzy=False,
    )
    sources = [
        (p, "jinja2.ext:babel_extract") for p in (PACKAGE / "report" / "templates").glob("*")
    ]
    sources += [
        (PACKAGE / "cli" / "review.py", "python"),
        (PACKAGE / "cli" / "declare.py", "python"),
        (PACKAGE / "report" / "html.py", "python"),
        (PACKAGE / "report" / "charts.py", "python"),
        (PACKAGE / "report" / "timeline_chart.py", "python"),
        (PACKAGE / "report" / "supply_chart.py", "python"),
    ]
    for path, method in sorted(sources):
        with path.open("rb") as stream:
            for line, message, comments, context in _extract(method, stream):
                catalog.add(
                    message,
                    locations=[(path.relative_to(ROOT).as_posix(), line)],
                    auto_comments=comments,
                    context=context,
                )
    for sentence in SENTENCES:
        catalog.add(
            sentence,
            auto_comments=["a sentence template (report/sentences.py)"],
            flags=["python-brace-format"],
        )
    for context, words in WORDS.items():
        for word in words:
            catalog.add(word, context=context)
    for text in dict.fromkeys(data_texts()):
        if text and text not in catalog:
            catalog.add(text, auto_comments=["data text"])
    for context, text in case_texts():
        if catalog.get(text, context=context) is None:
            catalog.add(text, context=context, auto_comments=["case workflow"])
    return catalog


def _extract(method: str, stream: Any) -> Iterator[tuple[int, Any, list[str], str | None]]:
    options = {"trimmed": "true"} if method != "python" else {}
    yield from extract_from_file(method, stream.name, keywords=KEYWORDS, options=options)


def web_template() -> Catalog:
    """The web pages' catalogue template: their templates' messages, the vocabularies of
    `chainreview.web.words` and the workflows' state titles and action names."""
    catalog = Catalog(
        domain=WEB_DOMAIN,
        project="chainreview",
        version=__version__,
        charset="utf-8",
        creation_date=STAMP,
        fuzzy=False,
    )
    for path in sorted((PACKAGE / "web" / "templates").glob("*")):
        with path.open("rb") as stream:
            for line, message, comments, context in _extract("jinja2.ext:babel_extract", stream):
                catalog.add(
                    message,
                    locations=[(path.relative_to(ROOT).as_posix(), line)],
                    auto_comments=comments,
                    context=context,
                )
    for context, words in VOCABULARY.items():
        for word in words:
            catalog.add(word, context=context)
    for context, text in workflow_texts():
        if (text, context) not in catalog:
            catalog.add(text, context=context, auto_comments=["case workflow"])
    return catalog


def main() -> None:
    _write(template(), LOCALE, DOMAIN, catalogue_path)
    _write(web_template(), PACKAGE / "web" / "locale", WEB_DOMAIN, web_catalogue_path)


def _write(pot: Catalog, folder: Path, domain: str, where: Callable[[Language], str]) -> None:
    """Write the template `pot` into `folder` and merge it into every language's catalogue."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{domain}.pot").open("wb") as out:
        write_po(out, pot, omit_header=False, width=100, sort_output=False)
    for language in Language:
        if language is Language.EN:
            continue
        path = folder / where(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as stream:
                catalog = read_po(stream, locale=language.babel, domain=domain)
        else:
            catalog = Catalog(
                locale=language.babel, domain=domain, project="chainreview", fuzzy=False
            )
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.version = __version__
        catalog.revision_date = STAMP
        catalog.fuzzy = False
        with path.open("wb") as out:
            write_po(out, catalog, width=100, ignore_obsolete=True, sort_output=False)
        empty = sum(1 for m in catalog if m.id and not translated(m))
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {empty} untranslated")


def translated(message: Message) -> bool:
    """Whether `message` has its translation: a plural message every form (`msgstr[n]`)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms)


if __name__ == "__main__":
    main()
