"""The contract between feed readers and the snapshot builder.

Each feed module (`osv`, `kev`, `nvd`, `epss`, `sanctions`, `eol`, `alpine`, `debian`, …) reads
files into `FeedData`: typed, frozen records plus warnings. The snapshot builder stores the
records' canonical JSON, hashes them, and builds the indexes the matcher and the factors read.
Readers never touch the snapshot; the snapshot never parses a file format.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from chainreview.components.model import Diagnostic
from chainreview.errors import InputError


class FeedKind(StrEnum):
    """The kinds of intelligence a snapshot can hold."""

    OSV = "osv"
    KEV = "kev"
    NVD = "nvd"
    EPSS = "epss"
    SANCTIONS = "sanctions"
    EOL = "eol"
    DISTRO = "distro"


class IntelError(InputError):
    """A feed file that cannot be imported (names the file and the location)."""


class Record(Protocol):
    """A normalised feed record: frozen dataclass with a stable key."""

    @property
    def key(self) -> str:
        """Identifier unique within its feed (advisory id, CVE id, list entry uid, …)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedData:
    """What a feed reader returns for one source (a file, a directory or a zip)."""

    kind: FeedKind
    source: str
    """Source name recorded in the manifest, e.g. `osv:PyPI`, `kev`, `ofac-sdn`."""
    records: tuple[Record, ...]
    warnings: tuple[Diagnostic, ...] = ()
    rejected: tuple[Diagnostic, ...] = ()
    """Whole records that were not imported, each with its reason."""
    newest: str | None = None
    """ISO date of the newest record (modified/published/dateAdded), for staleness checks."""
    licence: str = ""
    attribution: str = ""
