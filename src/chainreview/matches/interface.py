"""The matching stage's seam: a `Matcher` turns components into matches, and its base error."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator

from chainreview.components.model import Component
from chainreview.errors import ChainreviewError
from chainreview.matches.model import MatchResult

__all__ = ["MatchError", "Matcher"]


class MatchError(ChainreviewError):
    """Matching could not run (e.g. the intel snapshot is unusable)."""


class Matcher(ABC):
    """Ties components to advisories. Implementations expose `name` and `version`."""

    name: str
    version: str

    @abstractmethod
    def match(self, component: Component) -> tuple[MatchResult, ...]:
        """Return the matches and indeterminate verdicts for one component."""

    def match_all(self, components: Iterable[Component]) -> Iterator[MatchResult]:
        """Match every component in order; implementations may batch."""
        for component in components:
            yield from self.match(component)
