"""A submission's portfolio records kept in the store, so that a portfolio is loaded rather
than read again from every package (docs/store.md, revision 0009).

The records are the `Portfolio` `from_declaration(load_package(…), case=…)` gives for the
submission, as one JSON document: orjson writes the frozen dataclasses as they are, and
`decoder` reads them back, checking every value against the model's types (a document that
does not fit is not used). Each is kept with the fingerprint of the code that derives it: the
source of the package readers, the model and this module. Records are kept when the submission
is recorded, in its transaction (`keep_records`, the `Keep` of `case.rounds`); a submission
without records, or with records of other code (stored before revision 0009, or by another
version of chainreview), gets them on first read (`portfolios_of`): read from its package as
before, and kept.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import tempfile
import types
import typing
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

import orjson

from chainreview.case.access import Caller
from chainreview.case.packages import written_package
from chainreview.evidence.declaration import Declaration
from chainreview.portfolio.declared import from_declaration
from chainreview.portfolio.model import Portfolio
from chainreview.reviewer import load_package
from chainreview.slots import slot_constructor
from chainreview.store import portfolio_records
from chainreview.store.db import Store, Tx
from chainreview.store.records import SubmissionRecord

__all__ = [
    "FINGERPRINT_SOURCES",
    "decoder",
    "encoded",
    "fingerprint",
    "keep_records",
    "portfolios_of",
    "read_records",
]

T = TypeVar("T")

FINGERPRINT_SOURCES: Final = (
    "evidence",
    "components",
    "schemas",
    "raw.py",
    "limits.py",
    "reviewer.py",
    "portfolio/declared.py",
    "portfolio/model.py",
    "portfolio/kept.py",
)
"""The files (or folders, every file in them) of `chainreview` whose code decides the records:
the package and SBOM readers with their schemas, the model, `from_declaration` and this codec."""


@functools.cache
def fingerprint() -> str:
    """A sha256 of every file of `FINGERPRINT_SOURCES`, by path: records kept under another
    fingerprint were derived by other code, and are derived again."""
    root = resources.files("chainreview")
    digest = hashlib.sha256(b"chainreview-portfolio-records-v1")
    for name in FINGERPRINT_SOURCES:
        top = Path(str(root.joinpath(name)))
        found = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in found:
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(Path(str(root))).as_posix()
                digest.update(b"\x00" + relative.encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


def encoded(portfolio: Portfolio) -> bytes:
    """The records as their JSON document."""
    return orjson.dumps(portfolio)


def keep_records(tx: Tx, submission: SubmissionRecord, declaration: Declaration) -> None:
    """Keep the portfolio records of `submission`, read as `declaration`, in its transaction."""
    portfolio = from_declaration(declaration, case=submission.case_id)
    portfolio_records.keep(
        tx, (submission.case_id, submission.number), fingerprint(), encoded(portfolio)
    )


def portfolios_of(
    store: Store, submissions: Sequence[SubmissionRecord], *, caller: Caller
) -> tuple[Portfolio, ...]:
    """The portfolio records of each submission (which the caller may see): as kept, or read
    from its package (each download audited) and kept when none of this code are."""
    keys = [(s.case_id, s.number) for s in submissions]
    with store.read_only(caller.name) as tx:
        kept = portfolio_records.kept(tx, keys)
    current = fingerprint()
    found: list[Portfolio] = []
    derived: dict[tuple[str, int], Portfolio] = {}
    for key, submission in zip(keys, submissions, strict=True):
        loaded = _loaded(kept.get(key), current)
        if loaded is None:
            loaded = derived[key] = read_records(store, submission, caller=caller)
        found.append(loaded)
    if derived:
        with store.transaction(caller.name) as tx:
            for key, portfolio in derived.items():
                portfolio_records.keep(tx, key, current, encoded(portfolio))
    return tuple(found)


def _loaded(row: tuple[str, bytes] | None, current: str) -> Portfolio | None:
    """The kept records, or None when there are none of this code or they do not fit."""
    if row is None or row[0] != current:
        return None
    try:
        return _PORTFOLIO(orjson.loads(row[1]))
    except (orjson.JSONDecodeError, TypeError, ValueError, KeyError):
        return None


def read_records(store: Store, submission: SubmissionRecord, *, caller: Caller) -> Portfolio:
    """The submission's records read from its package, as `chainreview review` reads it (each
    download audited): what is kept, and what was read on every view before revision 0009."""
    with tempfile.TemporaryDirectory(prefix="chainreview-portfolio-") as scratch:
        folder = written_package(store, submission, Path(scratch) / "package", caller=caller)
        return from_declaration(load_package(folder), case=submission.case_id)


def decoder(kind: type[T]) -> Callable[[Any], T]:
    """A function that makes a `kind` (a frozen, slotted dataclass of the model) from its JSON
    as orjson writes it, checking each value's type (an enum's by its values); raises
    `TypeError`, `ValueError` or `KeyError`."""
    return typing.cast("Callable[[Any], T]", _decoder(kind))


def _decoder(hint: Any) -> Callable[[Any], Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_of(_decoder(args[0]))
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        return _optional(_decoder(next(a for a in args if a is not type(None))))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {member.value: member for member in hint}.__getitem__
    if hint in (str, int, bool):
        return _exactly(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    raise TypeError(f"no JSON decoder for {hint!r}")


def _dataclass(kind: type[Any]) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(kind)
    fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(kind)]
    make = slot_constructor(kind)

    def decode(value: Any) -> Any:
        if type(value) is not dict or len(value) != len(fields):
            raise TypeError(f"{kind.__name__}: expected an object of {len(fields)} fields")
        return make(*[field(value[name]) for name, field in fields])

    return decode


def _tuple_of(item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def decode(value: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise TypeError("expected an array")
        return tuple(map(item, value))

    return decode


def _optional(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else inner(value)


def _exactly(kind: type[Any]) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return decode


_PORTFOLIO: Final = decoder(Portfolio)
