"""Concentration measures: the Herfindahl–Hirschman index and single sources.

Pure functions over plain numbers and names, free of any review object: the F06 factor weighs
one declaration with them (`factors.supply`), the portfolio a whole operator's installed base
(`portfolio.concentration`), so both read the same figures the same way (DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Final

__all__ = ["HIGHLY_CONCENTRATED", "concentration", "herfindahl", "single_source"]

HIGHLY_CONCENTRATED: Final = 0.18
"""Herfindahl index above which a market is highly concentrated (US 2023 Merger Guidelines:
1,800 on the 0–10,000 scale)."""


def herfindahl(shares: Iterable[float]) -> float:
    """Herfindahl–Hirschman index of `shares` (any unit, normalised by their sum), in [1/n, 1].

    Raises `ValueError` for a negative share or when the shares sum to zero.
    """
    values = list(shares)
    if any(value < 0 for value in values):
        raise ValueError("shares must not be negative")
    total = sum(values)
    if total <= 0:
        raise ValueError("shares must sum to more than zero")
    return sum((value / total) ** 2 for value in values)


def concentration(shares: Mapping[str, float], *, total: float = 100.0) -> float:
    """Herfindahl index of one function whose known suppliers hold `shares` out of `total`.

    The share no known supplier holds is counted as one further supplier: the index is then an
    upper bound when the rest of the market is not declared. F06 weighs the lower bound (the
    known shares squared) and shows both.
    """
    known = sum(shares.values())
    if known > total:
        raise ValueError(f"shares sum to {known:g}, more than the total {total:g}")
    return herfindahl([*shares.values(), total - known])


def single_source(functions: Mapping[str, Collection[str]]) -> tuple[str, ...]:
    """The functions (sorted) with fewer than two qualified suppliers."""
    return tuple(sorted(name for name, suppliers in functions.items() if len(set(suppliers)) < 2))
