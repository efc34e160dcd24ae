"""Severity of an advisory record: CVSS vectors scored with `cvss`, then the record's own word.

Order of sources, first that gives a level wins (`findings.facts` adds the NVD fallback and
`unknown` after these):

1. A CVSS vector of the matched `affected` entry, then of the record (OSV `severity`). When
   several are given the newest CVSS version is used (v4, then v3.x, then v2): it is the one the
   record's author scored last. The level comes from the base score by the FIRST qualitative
   scale (v3/v4: 0 none, 0.1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical; v2 has no
   critical: 7–10 is high).
2. `database_specific.severity` of the record (GHSA writes `CRITICAL`/`HIGH`/`MODERATE`/`LOW`).

A vector the library refuses is skipped, never guessed. Go advisories carry neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Final

from chainreview.findings.model import Level, Severity

__all__ = ["level_for_score", "level_for_word", "rate_nvd", "rate_osv", "score_vector"]

_TYPES: Final = ("CVSS_V4", "CVSS_V3", "CVSS_V2")
"""OSV severity types we score, in preference order."""
_WORDS: Final = {
    "CRITICAL": Level.CRITICAL,
    "HIGH": Level.HIGH,
    "MODERATE": Level.MEDIUM,
    "MEDIUM": Level.MEDIUM,
    "LOW": Level.LOW,
    "NONE": Level.NONE,
}
_NVD_VERSIONS: Final = {"4.0": "CVSS_V4", "3.1": "CVSS_V3", "3.0": "CVSS_V3", "2.0": "CVSS_V2"}


def level_for_score(score: float, cvss_type: str) -> Level:
    """The qualitative level of a base score (see the module doc for the scales)."""
    if score == 0:
        return Level.NONE
    if cvss_type == "CVSS_V2":
        return Level.LOW if score < 4 else Level.MEDIUM if score < 7 else Level.HIGH
    if score < 4:
        return Level.LOW
    if score < 7:
        return Level.MEDIUM
    return Level.HIGH if score < 9 else Level.CRITICAL


def level_for_word(word: object) -> Level | None:
    """A level from a severity word such as GHSA's `MODERATE`; None when it is not one."""
    return _WORDS.get(word.upper()) if isinstance(word, str) else None


@lru_cache(maxsize=4096)
def score_vector(cvss_type: str, vector: str) -> float | None:
    """The base score of a CVSS vector of OSV type `cvss_type`, or None if it does not parse.

    Kept per vector: advisories repeat a few hundred distinct vectors, and `cvss` takes tens of
    microseconds to score one."""
    # lazy: off the scan path until a record is scored; cvss ships no type information
    from cvss import CVSS2, CVSS3, CVSS4, CVSSError  # type: ignore[import-untyped]

    calculator = {"CVSS_V2": CVSS2, "CVSS_V3": CVSS3, "CVSS_V4": CVSS4}.get(cvss_type)
    if calculator is None:
        return None
    try:
        return float(calculator(vector).base_score)
    except (CVSSError, ValueError, KeyError):
        return None


def _best_vector(severities: Iterable[Mapping[str, Any]], source: str) -> Severity | None:
    by_type = {s.get("type"): s.get("score") for s in severities if isinstance(s, Mapping)}
    for cvss_type in _TYPES:
        vector = by_type.get(cvss_type)
        if not isinstance(vector, str):
            continue
        found = _rated(cvss_type, vector, f"{source} {cvss_type}")
        if found is not None:
            return found
    return None


def _rated(cvss_type: str, vector: str, source: str) -> Severity | None:
    """The severity a CVSS vector gives, or None when it does not score."""
    score = score_vector(cvss_type, vector)
    if score is None:
        return None
    return Severity(
        level=level_for_score(score, cvss_type), score=score, vector=vector, source=source
    )


def rate_osv(record: Mapping[str, Any], affected_index: int | None) -> Severity | None:
    """The severity an OSV record gives (entry vector, record vector, then its own word)."""
    record_id = str(record.get("id", ""))
    entries = record.get("affected") or []
    if affected_index is not None and 0 <= affected_index < len(entries):
        found = _best_vector(entries[affected_index].get("severity") or (), f"{record_id} affected")
        if found is not None:
            return found
    found = _best_vector(record.get("severity") or (), f"{record_id} severity")
    if found is not None:
        return found
    specific = record.get("database_specific")
    word = level_for_word(specific.get("severity")) if isinstance(specific, Mapping) else None
    if word is None:
        return None
    return Severity(level=word, source=f"{record_id} database_specific")


def rate_nvd(record: Mapping[str, Any]) -> Severity | None:
    """The severity of an NVD CVE record: the NVD's own (Primary) metric first, newest version."""
    metrics = [m for m in record.get("metrics") or () if isinstance(m, Mapping)]
    metrics.sort(key=lambda m: (m.get("type") != "Primary", _TYPES.index(_nvd_type(m))))
    for metric in metrics:
        cvss_type = _nvd_type(metric)
        vector = metric.get("vector")
        if not isinstance(vector, str):
            continue
        found = _rated(cvss_type, vector, f"NVD {record.get('cve_id', '')} {cvss_type}")
        if found is not None:
            return found
    return None


def _nvd_type(metric: Mapping[str, Any]) -> str:
    return _NVD_VERSIONS.get(str(metric.get("version")), "CVSS_V2")
