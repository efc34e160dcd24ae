"""Which matchers an inventory needs, decided without importing them.

The CPE matcher reads NVD configurations and the distro matcher the Alpine and Debian feeds;
their modules and feed readers load only for an inventory they have something to do with, so a
scan of an ordinary language-package SBOM does not pay for them.
"""

from __future__ import annotations

from typing import Final

from chainreview.components.model import Inventory

__all__ = ["DISTRO_PURL_TYPES", "needs_cpe", "needs_distro"]

DISTRO_PURL_TYPES: Final = {"apk": "Alpine", "alpine": "Alpine", "deb": "Debian"}
"""purl types the distro matcher reads, and the distro feed family each needs."""


def needs_cpe(inventory: Inventory) -> bool:
    """Whether a component has no purl ecosystem (the CPE matcher takes, or reports, those)."""
    return any(component.ecosystem is None for component in inventory.components)


def needs_distro(inventory: Inventory) -> bool:
    """Whether a component's purl is of a type the distro matcher reads."""
    return any(
        component.purl is not None and _purl_type(component.purl) in DISTRO_PURL_TYPES
        for component in inventory.components
    )


def _purl_type(text: str) -> str:
    """The type of a purl string (`pkg:deb/…`, `PKG:/deb/…` → `deb`), without parsing it."""
    return text[4:].lstrip("/").partition("/")[0].lower()
