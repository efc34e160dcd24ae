"""Sanctions and export-control screening: fuzzy, transliteration-aware matching of a name
against the list entries (OFAC SDN, CSL) of an intel snapshot.

A name is reduced to *screening tokens* (`screening_tokens`):

1. Unicode NFKD with combining marks dropped (diacritics, pinyin tone marks, Greek tonos), then
   Cyrillic and Greek letters transliterated (`transliterate`, an ICAO-like table);
2. split into words: apostrophes and dots join (`S.A.` → `sa`, `Fu'ad` → `fuad`), any other
   punctuation separates; runs of one-letter words join (`A. A.` → `aa`, `W & G` → `wg`);
3. legal forms dropped anywhere (`LLC`, `OOO`, `Limited Liability Company`, `Aktsionernoe
   Obshchestvo`, `S.A. de C.V.`, `Anonim Şirketi`, …), and the filler words `of`, `the`,
   `and`, `de`, `y`, … and the Arabic article `al`/`el`; `Abd al X` / `Abdul X` become
   `abdal X`;
4. each word folded to a romanisation-neutral skeleton: `shch`/`sch`→`sh`, `dzh`→`j`, `kh`→`h`,
   `gh`→`g` (before a vowel), `ph`→`f`, `th`→`t`, `tz`→`ts`, `x`→`ks`, `w`→`v`, `q`→`k`, `c`→`k`
   (not in `ch`), `y`→`i`, `ie`→`e`, `io`→`e` before a consonant (Russian ё: `Artyom`/`Artem`),
   a final `ou`→`ov` (Belarusian `-kou`/`-kov`), `ou`/`oo`→`u`, doubled letters single; the
   spellings of Muhammad, Ahmad and Husayn become one form. So `Yevgeniy`/`Evgeny`,
   `Zaytsev`/`Zaitsev`, `Mohammed`/`Muhammad`, `Kalinowski`/`Kalinovski` compare equal.

Two names are compared by aligning their tokens one to one, best pairs first
(`token_similarity`: equal 1; for entity names, a word of up to four letters that starts the
other 0.85, `imp`/`import`; same letters but for vowels at least 0.8, `reda`/`rida`; otherwise
the square of the normalised Levenshtein similarity, nothing below 0.7; numbers and words of
one or two letters must be equal). Every token weighs its inverse document frequency over all
list names, so a shared `Trading` or `Bank` counts little and a distinctive word a lot. The score
is the geometric mean of the share of the query's weight matched and the share of the entry's
weight matched. Patronymics (`-vich`, `-vna`, `ogly`) weigh a quarter in names of individuals,
so `Nadezhda Shkolkina` still matches `SHKOLKINA, Nadezhda Vasilyevna`. For entities the score
is scaled down when no matched query word is distinctive (weight below 7.5, about one list name
in 150), so `Import Export Company` does not hit `SAD IMPORT EXPORT COMPANY`. Adjacent words are
joined when the join is a word of the other name (`Ship Management` ↔ `SHIPMANAGEMENT`); the
same tokens in the same order, or the same letters without spaces, score 1 (`exact-normalised`),
the same tokens in another order 1 (`token-set`). A name of a single word is compared with the
other name as a whole, written without spaces (squared similarity, same numbers required), so
`Forum Energy Technologies` does not hit `OOO FORUM`.

Candidates come from an inverted index on tokens and on their first and last three letters;
only the best-sharing candidates are scored. See docs/screening.md for the measured precision
and recall at `THRESHOLD`.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rapidfuzz.distance import Levenshtein

from chainreview.intel.derived import Kind
from chainreview.intel.interface import FeedKind, load_record
from chainreview.intel.sanctions import ListedParty, PartyType
from chainreview.intel.snapshot import Snapshot

_KEPT_SCREENERS: Final = 2
_KEPT: dict[str, Screener] = {}
_KEPT_LOCK: Final = threading.Lock()

THRESHOLD: Final = 0.82
"""The default score from which a list entry is reported as a hit (see docs/screening.md)."""

COUNTRY_BOOST: Final = 0.03
"""Added to a score when the given country is one the entry is linked to (never required)."""

CANDIDATES: Final = 300
"""How many list names, those sharing the most index keys with the query, are fully scored."""

_ANSWERS: Final = 4096
"""How many screenings a screener remembers (the oldest is forgotten first)."""

_PATRONYMIC_WEIGHT: Final = 0.25
_ROUNDING: Final = 1e-9
"""Kept below a threshold when passing over candidates that cannot reach it, so that float
rounding in the bound never passes over one that does."""
_TOKEN_FLOOR: Final = 0.7
_WHOLE_FLOOR: Final = 0.8
_PREFIX_SIMILARITY: Final = 0.85
_ABBREVIATION: Final = 4
"""The longest word taken as an abbreviation of a longer word it starts (`exp` → `export`,
folded `eksp` → `eksport`)."""
_VOWEL_SIMILARITY: Final = 0.8
_ONE_VOWEL: Final = str.maketrans("eiou", "aaaa")
"""Writes every vowel as `a`: two words alike but for their vowels read the same."""
_DISTINCTIVE: Final = 7.5
"""The weight (inverse document frequency) from which a word tells list names apart: about
one list name in 150 or fewer contains it."""
_MIN_FUZZY_LENGTH: Final = 3
_COMMON_KEY: Final = 0.05
"""A blocking key shared by more than this share of list names is not used to find candidates."""

# --- transliteration ------------------------------------------------------------------------

_CYRILLIC: Final = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia", "і": "i", "є": "ie", "ґ": "g", "ў": "u",
    "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "ђ": "dj", "џ": "dz", "ѕ": "dz",
}  # fmt: skip
"""Lower-case Cyrillic after NFKD (й, ё, ї are и, е, і plus a combining mark by then)."""

_GREEK: Final = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip

_LATIN: Final = {
    "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ħ": "h",
}  # fmt: skip
"""Latin letters that NFKD does not decompose."""

_TABLE: Final = str.maketrans({**_CYRILLIC, **_GREEK, **_LATIN})


def transliterate(text: str) -> str:
    """Case-fold, strip diacritics and write Cyrillic and Greek in Latin letters.

    `"Павел Юрьевич Сорокин"` → `"pavel iurevich sorokin"`; `"Lǐ Jiādōng"` → `"li jiadong"`.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return kept.translate(_TABLE)


# --- tokens ---------------------------------------------------------------------------------

_LEGAL_PHRASES: Final = tuple(
    tuple(phrase.split())
    for phrase in (
        "limited liability company",
        "limited liability partnership",
        "public joint stock company",
        "open joint stock company",
        "closed joint stock company",
        "joint stock company",
        "public limited company",
        "private limited",
        "obshchestvo s ogranichennoi otvetstvennostiu",
        "obshchestvo s ogranichennoy otvetstvennostyu",
        "obshchestvo s ogranichennoj otvetstvennostju",
        "obschestvo s ogranichennoi otvetstvennostiu",
        "publichnoe aktsionernoe obshchestvo",
        "publichnoe aktsionernoe obschestvo",
        "zakrytoe aktsionernoe obshchestvo",
        "otkrytoe aktsionernoe obshchestvo",
        "aktsionernoe obshchestvo",
        "aktsionernoe obschestvo",
        "anonim sirketi",
        "limited sirketi",
        "ltd sti",
        "sa de cv",
        "s de rl de cv",
        "spr de rl de cv",
        "de rl de cv",
        "de cv",
        "sdn bhd",
    )
)
"""Multi-word legal forms (in `transliterate`d spelling), dropped wherever they occur."""

_LEGAL_WORDS: Final = frozenset(
    {
        "llc", "ltd", "limited", "co", "company", "inc", "incorporated", "corp", "corporation",
        "jsc", "ojsc", "pjsc", "cjsc", "ooo", "oao", "zao", "pao", "ao", "tov", "gmbh", "sa",
        "ag", "plc", "llp", "srl", "sarl", "spa", "bv", "nv", "pte", "pty", "pvt", "fze", "fzco",
        "fzc", "fzllc", "sirketi", "as", "tas", "sas", "sab", "scs", "ltda", "cia", "sal", "ev",
        "bvba", "doo", "kft", "sro", "oy", "oyj", "ab", "kg", "se",
    }
)  # fmt: skip
"""Single-word legal forms (after one-letter runs are joined: `S.A.` → `sa`)."""

_FILLER: Final = frozenset(
    {"of", "the", "and", "for", "de", "del", "da", "do", "dos", "la", "los", "las", "y", "und"}
)
_ARTICLES: Final = frozenset({"al", "el"})
_ABD: Final = re.compile(r"abd[aeiou]l(?=[a-z]{3})")
_ABDULLAH: Final = re.compile(r"abd[aeiou]l+ah?")
_ABDUL: Final = re.compile(r"abd[aeiou]u?l")
_WORD_JOINERS: Final = frozenset("'’`.ʼ")

_FOLDS: Final = (
    (re.compile(r"shch|sch"), "sh"),
    (re.compile(r"dzh"), "j"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"gh(?=[aeiouy])"), "g"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"tz"), "ts"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "v"),
    (re.compile(r"q"), "k"),
    (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"y"), "i"),
    (re.compile(r"ie"), "e"),
    (re.compile(r"io(?=[^aeiou])"), "e"),
    (re.compile(r"ou$"), "ov"),
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)
_NAME_FORMS: Final = (
    (re.compile(r"m[ou]h[ae]m+[ae]d"), "muhamad"),
    (re.compile(r"ahm[ae]d"), "ahmad"),
    (re.compile(r"h[ou]s+[aeiouy]+n"), "husain"),
)
"""Whole-word spellings of very common Arabic names, checked before folding."""

_PATRONYMIC: Final = re.compile(r".+(?:vich|vna|ichna|ogli|kizi)")
"""A folded patronymic (`Vasilyevich` → `vasilevich`, `Ogly` → `ogli`)."""


def _words(text: str) -> list[str]:
    chars = [
        "" if char in _WORD_JOINERS else (char if char.isalnum() else " ")
        for char in transliterate(text)
    ]
    words: list[str] = []
    letters = False  # the last word was joined from one-letter words only
    for word in "".join(chars).split():
        single = len(word) == 1 and word.isalpha()
        if single and letters:
            words[-1] += word
        else:
            words.append(word)
            letters = single
    return words


def _drop_legal(words: list[str]) -> list[str]:
    kept: list[str] = []
    index = 0
    while index < len(words):
        phrase = next(
            (p for p in _LEGAL_PHRASES if tuple(words[index : index + len(p)]) == p), None
        )
        if phrase is not None:
            index += len(phrase)
            continue
        if words[index] not in _LEGAL_WORDS:
            kept.append(words[index])
        index += 1
    return kept or words


def _arabic(words: list[str]) -> list[str]:
    out: list[str] = []
    for index, word in enumerate(words):
        if word == "abd" and index + 1 < len(words) and words[index + 1] in ("al", "el", "ul"):
            out.append("abdal")
        elif word in _ARTICLES and out and out[-1] == "abdal":
            continue
        elif _ABDUL.fullmatch(word):
            out.append("abdal")
        elif _ABDULLAH.fullmatch(word):
            out.append("abdalah")
        elif match := _ABD.match(word):
            out.extend(("abdal", word[match.end() :]))
        elif word not in _ARTICLES:
            out.append(word)
    return out or words


def fold_word(word: str) -> str:
    """The romanisation-neutral skeleton of one transliterated word (see the module doc)."""
    for pattern, form in _NAME_FORMS:
        if pattern.fullmatch(word):
            return form
    if any(char.isdigit() for char in word):
        return word
    for pattern, replacement in _FOLDS:
        word = pattern.sub(replacement, word)
    return word


def screening_tokens(name: str) -> tuple[str, ...]:
    """The folded words a name is compared by, in the name's order (see the module doc).

    `"LIMITED LIABILITY COMPANY TMK YARTSEVSKIY METALLURGICAL PLANT"` →
    `("tmk", "iartsevski", "metalurgikal", "plant")`.
    """
    words = _drop_legal(_words(name))
    words = [word for word in words if word not in _FILLER] or words
    return tuple(fold_word(word) for word in _arabic(words))


# --- similarity -----------------------------------------------------------------------------


def string_similarity(a: str, b: str, floor: float) -> float:
    """1 − edit distance / longer length, or 0.0 when that is below `floor`."""
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    limit = int((1.0 - floor) * longest)
    distance = Levenshtein.distance(a, b, score_cutoff=limit)  # limit + 1 beyond the limit
    return 0.0 if distance > limit else 1.0 - distance / longest


def token_similarity(a: str, b: str, *, abbreviations: bool = False) -> float:
    """How alike two folded tokens are, 0..1.

    Equal: 1. Numbers and words shorter than three letters: equal or nothing. With
    `abbreviations` (entity names), a word of up to four letters that starts a longer one
    (`imp`/`import`, `air`/`airlines`): 0.85. Same length and letters but for vowels
    (`reda`/`rida`, `nezam`/`nizam`): at least 0.8. Otherwise the square of the normalised
    Levenshtein similarity, or 0 when that similarity is below 0.7.
    """
    return _token_similarity(a, b, abbreviations)


@functools.lru_cache(maxsize=1 << 16)
def _token_similarity(a: str, b: str, abbreviations: bool) -> float:
    """`token_similarity`, cached by position (keyword arguments make a cache hit slower)."""
    if a == b:
        return 1.0
    length_a, length_b = len(a), len(b)
    if min(length_a, length_b) < _MIN_FUZZY_LENGTH or not (a.isalpha() and b.isalpha()):
        return 0.0
    if abbreviations:
        short, long = (a, b) if length_a <= length_b else (b, a)
        if len(short) <= _ABBREVIATION < len(long) and long.startswith(short):
            return _PREFIX_SIMILARITY
    similarity = string_similarity(a, b, _TOKEN_FLOOR) ** 2
    if (
        similarity < _VOWEL_SIMILARITY
        and length_a == length_b
        and a.translate(_ONE_VOWEL) == b.translate(_ONE_VOWEL)
    ):
        return _VOWEL_SIMILARITY
    return similarity


# --- the index ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningHit:
    """One list entry that a screened name matched."""

    query: str
    list: str
    uid: str
    entry_name: str
    matched_name: str
    """The entry's name or alias that matched."""
    alias_kind: str | None
    """`aka`/`fka`/`nka` when an alias matched, None for the entry's own name."""
    score: float
    """0..1; `THRESHOLD` and above is reported."""
    method: str
    """`exact-normalised` (same tokens in the same order), `token-set` (same tokens, other order
    or spacing) or `fuzzy`."""
    programs: tuple[str, ...]
    entity_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Name:
    """One name or alias of a list entry, in comparison form."""

    party: int
    text: str
    alias_kind: str | None
    tokens: tuple[str, ...]
    individual: bool
    compact: str
    numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Form:
    """A screened name in comparison form."""

    tokens: tuple[str, ...]
    compact: str
    numbers: tuple[str, ...]


def _form(tokens: tuple[str, ...]) -> _Form:
    return _Form(
        tokens=tokens,
        compact="".join(tokens),
        numbers=tuple(sorted(token for token in tokens if not token.isalpha())),
    )


def _keys(token: str) -> Iterator[str]:
    yield "=" + token
    if len(token) >= _MIN_FUZZY_LENGTH + 1 and token.isalpha():
        yield "<" + token[:3]
        yield ">" + token[-3:]


class Screener:
    """Screens names against a set of list entries (see the module doc for the method)."""

    __slots__ = (
        "_answered",
        "_answers",
        "_df",
        "_keys",
        "_names",
        "_parties",
        "_total",
        "_weights",
        "lists",
    )

    def __init__(self, parties: Iterable[ListedParty]) -> None:
        listed = tuple(parties)
        self._index(listed, _tokenised(listed))

    def _index(self, parties: tuple[ListedParty, ...], names: Iterable[_Tokenised]) -> None:
        self._parties = parties
        self.lists: tuple[str, ...] = tuple(sorted({party.list for party in parties}))
        """The list ids covered (`ofac-sdn`, `csl:el`, …)."""
        self._names: list[_Name] = []
        self._df: defaultdict[str, int] = defaultdict(int)
        self._keys: defaultdict[str, list[int]] = defaultdict(list)
        for number, text, kind, tokens in names:
            self._add(number, parties[number], text, kind, tokens)
        self._total = max(len(self._names), 1)
        self._weights: tuple[dict[str, float], dict[str, float]] = ({}, {})
        """Token weights worked out so far, for entities and for individuals (listed tokens
        only, so their number is bounded by the index's)."""
        self._answers: dict[tuple[str, str | None, str | None, float], tuple[ScreeningHit, ...]]
        self._answers = {}
        self._answered = threading.Lock()
        """The last `_ANSWERS` screenings' hits: vendors, owners and sites recur from review to
        review (each round of a case re-reviews its package), and an index never changes."""

    def _add(
        self,
        number: int,
        party: ListedParty,
        text: str,
        kind: str | None,
        tokens: tuple[str, ...],
    ) -> None:
        form = _form(tokens)
        individual = party.type is PartyType.INDIVIDUAL
        index = len(self._names)
        self._names.append(
            _Name(
                party=number,
                text=text,
                alias_kind=kind,
                tokens=tokens,
                individual=individual,
                compact=form.compact,
                numbers=form.numbers,
            )
        )
        for token in set(tokens):
            self._df[token] += 1
        for key in {key for token in tokens for key in _keys(token)}:
            self._keys[key].append(index)

    @classmethod
    def from_records(cls, records: Iterable[ListedParty]) -> Screener:
        """A screener over the given list entries (tests, in-memory lists)."""
        return cls(records)

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> Screener | None:
        """A screener over every sanctions record of `snapshot`, or None when it holds none.

        None means the screening evidence is missing: the caller reports the factor as
        undetermined, never as "no hit". A snapshot never changes, so the index built for one
        (seconds: tokenising some 18,000 names) is kept: beside the snapshot (`_INDEX` in
        `Snapshot.derived`), read by the next process in a fraction of that, and in
        this process for the next review of the same snapshot (the last `_KEPT_SCREENERS`).
        """
        if not snapshot.manifest.get("feeds", {}).get(FeedKind.SANCTIONS.value):
            return None
        with _KEPT_LOCK:
            kept = _KEPT.pop(snapshot.hash, None)
            if kept is None:
                kept = _kept_on_disk(snapshot)
            _KEPT[snapshot.hash] = kept  # most recently used last
            while len(_KEPT) > _KEPT_SCREENERS:
                del _KEPT[next(iter(_KEPT))]
        return kept

    def _dump(self) -> tuple[Any, ...]:
        """The index as plain data: each party as hits show it, each name with its tokens."""
        parties = tuple(
            (p.list, p.uid, p.name, p.type.value, p.programs, p.countries) for p in self._parties
        )
        names = tuple((n.party, n.text, n.alias_kind, n.tokens) for n in self._names)
        return (parties, names)

    @classmethod
    def _load(cls, kept: Any) -> Screener | None:
        """The index `_dump` gave, or None when `kept` is not one."""
        try:
            kept_parties, kept_names = kept
            parties = tuple(
                ListedParty(
                    list=listed,
                    uid=uid,
                    name=name,
                    type=PartyType(kind),
                    programs=tuple(programs),
                    countries=tuple(countries),
                )
                for listed, uid, name, kind, programs, countries in kept_parties
            )
            names = (
                (int(p), str(text), kind, tuple(tokens)) for p, text, kind, tokens in kept_names
            )
            screener = cls.__new__(cls)
            screener._index(parties, names)
        except (
            KeyError,
            TypeError,
            ValueError,
            IndexError,
            AttributeError,
        ):
            return None
        return screener

    def _weight(self, token: str) -> float:
        return math.log((self._total + 1) / (self._df.get(token, 0) + 1)) + 1.0

    def _candidates(self, form: _Form) -> list[int]:
        common = _COMMON_KEY * self._total
        shared: defaultdict[int, float] = defaultdict(float)
        for token in set(form.tokens):
            weight = self._weight(token)
            for key in _keys(token):
                found = self._keys.get(key, ())
                if key[0] != "=" and len(found) > common:
                    continue
                for index in found:
                    shared[index] += weight if key[0] == "=" else weight / 4
        for compact_key in _keys(form.compact):
            for index in self._keys.get(compact_key, ()):
                shared[index] += 1.0
        return heapq.nlargest(CANDIDATES, shared, key=lambda index: (shared[index], -index))

    def screen(
        self,
        name: str,
        *,
        country: str | None = None,
        entity_type: str | None = None,
        threshold: float = THRESHOLD,
    ) -> tuple[ScreeningHit, ...]:
        """The entries `name` matches at `threshold` or above, best score first, then by uid.

        `entity_type` (`individual`, `entity`, `vessel`, `aircraft`) keeps entries of that type
        and entries of unknown type; `country` adds `COUNTRY_BOOST` to entries linked to it.
        """
        asked = (name, country, entity_type, threshold)
        with self._answered:
            answer = self._answers.get(asked)
        if answer is None:
            answer = self._screen(name, country, entity_type, threshold)
            with self._answered:
                if len(self._answers) >= _ANSWERS:
                    del self._answers[next(iter(self._answers))]
                self._answers[asked] = answer
        return answer

    def _screen(
        self, name: str, country: str | None, entity_type: str | None, threshold: float
    ) -> tuple[ScreeningHit, ...]:
        tokens = screening_tokens(name)
        if not tokens:
            return ()
        form = _form(tokens)
        reach = threshold - (COUNTRY_BOOST if country else 0.0) - _ROUNDING
        cut = _Cut(reach * reach if reach > 0.0 else 0.0)
        best: dict[int, tuple[float, str, _Name]] = {}
        for index in self._candidates(form):
            entry = self._names[index]
            party = self._parties[entry.party]
            if entity_type and party.type.value not in (entity_type, PartyType.UNKNOWN.value):
                continue
            score, method = self._score(form, entry, cut)
            if country and _linked(party, country):
                score = min(1.0, score + COUNTRY_BOOST)
            if score >= threshold and score > best.get(entry.party, (-1.0, "", entry))[0]:
                best[entry.party] = (score, method, entry)
        hits = [
            _hit(name, self._parties[number], entry, score, method)
            for number, (score, method, entry) in best.items()
        ]
        return tuple(sorted(hits, key=lambda hit: (-hit.score, hit.list, hit.uid)))

    def _score(self, form: _Form, entry: _Name, cut: _Cut) -> tuple[float, str]:
        """The entry's score and how it was reached; 0 for an aligned score that `cut` shows
        cannot reach the threshold."""
        if form.tokens == entry.tokens or form.compact == entry.compact:
            return 1.0, "exact-normalised"
        if len(entry.tokens) == 1 or len(form.tokens) == 1:
            same_numbers = form.numbers == entry.numbers
            whole = string_similarity(form.compact, entry.compact, _WHOLE_FLOOR)
            return (whole**2 if same_numbers else 0.0), "fuzzy"
        query = _joined(form.tokens, entry.tokens, form.compact)
        listed = _joined(entry.tokens, form.tokens, entry.compact)
        if sorted(query) == sorted(listed):
            return 1.0, "token-set"
        if query is form.tokens and self._ceiling(query, listed, entry.individual, cut) < cut.share:
            return 0.0, "fuzzy"
        return self._aligned(query, listed, individual=entry.individual), "fuzzy"

    def _ceiling(
        self, query: Sequence[str], listed: Sequence[str], individual: bool, cut: _Cut
    ) -> float:
        """An upper bound of the share of `listed`'s weight that `query` matches when aligned
        (each listed word at best its most similar query word), so of the aligned score squared
        (the geometric mean of two shares of at most 1, scaled by at most 1)."""
        abbreviations = not individual
        best_of = cut.best[individual]
        total = matched = 0.0
        for b in listed:
            best = best_of.get(b)
            if best is None:
                best = best_of[b] = max(_token_similarity(a, b, abbreviations) for a in query)
            weight = self._token_weight(b, individual)
            total += weight
            matched += weight * best
        return matched / total if total else 0.0

    def _aligned(
        self,
        query: Sequence[str],
        listed: Sequence[str],
        *,
        individual: bool,
    ) -> float:
        abbreviations = not individual
        pairs = [
            (similarity, i, j)
            for i, a in enumerate(query)
            for j, b in enumerate(listed)
            if (similarity := _token_similarity(a, b, abbreviations)) > 0.0
        ]
        pairs.sort(reverse=True)
        matched_query = [0.0] * len(query)
        matched_listed = [0.0] * len(listed)
        for similarity, i, j in pairs:
            if matched_query[i] == 0.0 and matched_listed[j] == 0.0:
                matched_query[i] = matched_listed[j] = similarity
        query_weights = [self._token_weight(token, individual) for token in query]
        listed_weights = [self._token_weight(token, individual) for token in listed]
        covered_query = _share(query_weights, matched_query)
        covered_listed = _share(listed_weights, matched_listed)
        score = math.sqrt(covered_query * covered_listed)
        if not individual:
            distinctive = max(
                (w for w, m in zip(query_weights, matched_query, strict=True) if m), default=0.0
            )
            score *= min(1.0, distinctive / _DISTINCTIVE)
        return score

    def _token_weight(self, token: str, individual: bool) -> float:
        known = self._weights[individual]
        weight = known.get(token)
        if weight is None:
            weight = self._weight(token)
            if individual and _PATRONYMIC.fullmatch(token):
                weight *= _PATRONYMIC_WEIGHT
            if token in self._df:
                known[token] = weight
        return weight


class _Cut:
    """What one screening needs to pass over candidates that cannot reach its threshold: the
    listed-weight share a score needs, and each listed word's best similarity to the query's
    words (for entities, for individuals), filled as candidates are scored."""

    __slots__ = ("best", "share")

    def __init__(self, share: float) -> None:
        self.share = share
        self.best: tuple[dict[str, float], dict[str, float]] = ({}, {})


def _share(weights: Sequence[float], matched: Sequence[float]) -> float:
    total = sum(weights)
    return sum(w * m for w, m in zip(weights, matched, strict=True)) / total if total else 0.0


def _joined(tokens: tuple[str, ...], other: tuple[str, ...], compact: str) -> Sequence[str]:
    """`tokens` with runs of two or three adjacent words joined where the join is in `other`
    (`compact`: `tokens` written together, which holds every join)."""
    if not any(word in compact and word not in tokens for word in other):
        return tokens
    wanted = set(other)
    out: list[str] = []
    index = 0
    while index < len(tokens):
        for size in (3, 2):
            joined = "".join(tokens[index : index + size])
            if index + size <= len(tokens) and joined in wanted and joined not in tokens:
                out.append(joined)
                index += size
                break
        else:
            out.append(tokens[index])
            index += 1
    return out


def _linked(party: ListedParty, country: str) -> bool:
    wanted = country.casefold().strip()
    return any(
        wanted in linked.casefold() or linked.casefold() in wanted for linked in party.countries
    )


def _hit(query: str, party: ListedParty, entry: _Name, score: float, method: str) -> ScreeningHit:
    return ScreeningHit(
        query=query,
        list=party.list,
        uid=party.uid,
        entry_name=party.name,
        matched_name=entry.text,
        alias_kind=entry.alias_kind,
        score=round(score, 4),
        method=method,
        programs=party.programs,
        entity_type=party.type.value,
    )


_Tokenised = tuple[int, str, str | None, tuple[str, ...]]
"""A name to index: its party's number, its text, its alias kind, its screening tokens."""


def _tokenised(parties: Sequence[ListedParty]) -> Iterator[_Tokenised]:
    """Each party's name and aliases with their tokens, a name with no tokens or the same
    tokens as an earlier one of its party left out."""
    for number, party in enumerate(parties):
        forms = [(party.name, None), *((a.name, a.kind.value) for a in party.aliases)]
        seen: set[tuple[str, ...]] = set()
        for text, kind in forms:
            tokens = screening_tokens(text)
            if tokens and tokens not in seen:
                seen.add(tokens)
                yield number, text, kind, tokens


def _index(_key: str, plain: Any) -> Screener:
    screener = Screener._load(plain)
    if screener is None:
        raise ValueError("not a screening index")
    return screener


_INDEX: Final = Kind[str, Screener](
    name="screening-index",
    modules=("chainreview.factors.screening", "chainreview.intel.sanctions"),
    encode=Screener._dump,
    decode=_index,
)
"""The index of every sanctions record of the snapshot, under `_ALL`."""
_ALL: Final = "sanctions"


def _kept_on_disk(snapshot: Snapshot) -> Screener:
    """The index of `snapshot`'s sanctions records: read from beside it, or built and kept."""
    screener = snapshot.derived.get(_INDEX, _ALL)
    if screener is None:
        parties = (
            load_record(ListedParty, record)
            for _, record in snapshot.every_record(FeedKind.SANCTIONS)
        )
        screener = Screener(parties)
        snapshot.derived.put(_INDEX, {_ALL: screener})
    return screener
