"""The contract between feed readers and the snapshot builder.

Each feed module (`osv`, `kev`, `nvd`, `epss`, `sanctions`, `eol`, `alpine`, `debian`, …) reads
files into `FeedData`: typed, frozen records plus warnings. The snapshot builder stores the
records' canonical JSON, hashes them, and builds the indexes the matcher and the factors read.
Readers never touch the snapshot; the snapshot never parses a file format. A record that
implements `IndexedRecord` is also filed under secondary keys, and `load_record` turns a stored
record's JSON back into its dataclass.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum, StrEnum
from typing import (
    Any,
    Protocol,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    runtime_checkable,
)

from chainreview.components.model import Diagnostic
from chainreview.errors import InputError
from chainreview.intel.names import normalise_name


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


@runtime_checkable
class IndexedRecord(Protocol):
    """A record offering secondary lookup keys, e.g. KEV's CVE id or a sanctioned name."""

    @property
    def key(self) -> str:
        """Identifier unique within its feed."""
        ...

    def index_keys(self) -> Iterable[tuple[str, str]]:
        """(index name, value) pairs under which `Snapshot.keys` finds this record."""
        ...


def package_key(ecosystem: str, name: str) -> str:
    """The `package` index value of a distro record: `Alpine:v3.16/openssl`, `Debian:11/curl`.

    The name is normalised as the package index keys it (`names.normalise_name`), so the
    matcher finds records with the same call whatever case the SBOM wrote.
    """
    return f"{ecosystem}/{normalise_name(ecosystem, name)}"


RecordT = TypeVar("RecordT", bound=Record)


def load_record(cls: type[RecordT], value: Mapping[str, Any]) -> RecordT:
    """Rebuild a feed record dataclass from the JSON the snapshot stored for it.

    The snapshot stores a record as the JSON of its fields; this reverses that, following the
    field annotations: nested dataclasses, tuples of them, enums and optional values.
    """
    return cls(**_decoded_fields(cls, value))


def _decoded_fields(cls: Any, value: Mapping[str, Any]) -> dict[str, Any]:
    hints = _field_hints(cls)
    return {name: _decode(hint, value[name]) for name, hint in hints.items() if name in value}


@functools.cache
def _field_hints(cls: Any) -> dict[str, Any]:
    """The annotations of a dataclass's fields, resolved (the modules use postponed ones)."""
    hints = get_type_hints(cls)
    return {field.name: hints[field.name] for field in fields(cls)}


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(hint)
    if origin is tuple:
        item = get_args(hint)[0]
        return tuple(_decode(item, entry) for entry in value)
    if origin in (Union, types.UnionType):
        (kept,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return _decode(kept, value)
    if isinstance(hint, type) and is_dataclass(hint):
        return hint(**_decoded_fields(hint, value))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedData:
    """What a feed reader returns for one source (a file, a directory or a zip)."""

    kind: FeedKind
    source: str
    """Source name recorded in the manifest, e.g. `osv:PyPI`, `kev`, `ofac-sdn`."""
    records: Sequence[Record]
    """Each key once; a tuple, or a `spool.Spool` on disk for feeds that can be huge."""
    warnings: tuple[Diagnostic, ...] = ()
    rejected: tuple[Diagnostic, ...] = ()
    """Whole records that were not imported, each with its reason."""
    newest: str | None = None
    """ISO date of the newest record (modified/published/dateAdded), for staleness checks."""
    licence: str = ""
    attribution: str = ""
