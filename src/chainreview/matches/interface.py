"""The matching stage's seam: a `Matcher` turns an inventory into matches, and its base error.

Every matcher reads the whole `Inventory`, not one component at a time: the CPE matcher needs
the other components as platforms, and the distro matcher the operating-system component for
the release. Each yields its own match type (`Match`, `cpe.CpeMatch`, `distro.DistroMatch`) or
`Indeterminate`; `findings.scan` runs them in turn and `findings.build` turns each type into
findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from chainreview.components.model import Inventory
from chainreview.errors import ChainreviewError

__all__ = ["MatchError", "Matcher"]

_Result_co = TypeVar("_Result_co", covariant=True)


class MatchError(ChainreviewError):
    """Matching could not run (e.g. the intel snapshot is unusable)."""


class Matcher(Protocol[_Result_co]):
    """Ties the components of an inventory to advisories; `name` and `version` are recorded."""

    @property
    def name(self) -> str:
        """Plugin name, recorded in the determination."""
        ...

    @property
    def version(self) -> str:
        """Plugin version, recorded in the determination."""
        ...

    def match_inventory(self, inventory: Inventory) -> Iterable[_Result_co]:
        """Yield the matches and indeterminate verdicts for the inventory's components."""
        ...
