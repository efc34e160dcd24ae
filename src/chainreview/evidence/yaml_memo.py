"""YAML documents a reader has parsed, kept by the sha256 of their bytes.

A reviewer reads the same vendor profiles, questionnaires and manifests again and again (a
server re-reviewing a package, one vendor in many packages); parsing them is most of what a
small package costs to read. `YamlMemo.load` parses bytes it has not seen with `raw.load_yaml`
and hands out a copy of what it kept for bytes it has: the value depends on the bytes alone, so
the key is their digest, and a changed file is parsed afresh. Errors are not kept (bytes that
fail are parsed, and refused, each time). It also notes which kept documents a schema found
valid (`found_valid`), so that a reader checks a kept document against a schema once.

Bounded: at most `entries` documents of at most `max_bytes` each (bigger ones are parsed and
not kept), the least recently used dropped first. Not safe to share between threads (a
reviewer keeps its own).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Final

from chainreview import raw

__all__ = ["YamlMemo"]

ENTRIES: Final = 256
"""Documents kept by default."""
MAX_BYTES: Final = 256 * 1024
"""Largest document kept by default (a declaration's YAML files are a few KiB)."""


class YamlMemo:
    """Parsed YAML documents by the sha256 of their bytes (see the module)."""

    def __init__(self, entries: int = ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._entries = entries
        self._max_bytes = max_bytes
        self._kept: OrderedDict[str, Any] = OrderedDict()
        self._valid: set[tuple[str, str]] = set()

    def load(self, data: bytes, sha256: str, display: str) -> Any:
        """The value of the YAML `data` (whose digest is `sha256`) as `raw.load_yaml` reads it,
        a copy the caller may change; raises as `raw.load_yaml` does."""
        if len(data) > self._max_bytes:
            return raw.load_yaml(data, display)
        kept = self._kept.get(sha256, _MISSING)
        if kept is _MISSING:
            kept = raw.load_yaml(data, display)
            self._kept[sha256] = kept
            if len(self._kept) > self._entries:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(sha256)
        return _copy(kept, {}) if type(kept) in _CONTAINERS else kept

    def valid(self, sha256: str, schema: str) -> bool:
        """Whether the document of digest `sha256` was found valid against `schema` before."""
        return (sha256, schema) in self._valid

    def found_valid(self, sha256: str, schema: str) -> None:
        """Note that the document of digest `sha256` is valid against `schema` (the schemas are
        the published ones shipped with chainreview: the same for the life of the process)."""
        if sha256 in self._kept:  # forgotten with the document
            if len(self._valid) >= 4 * self._entries:
                self._valid = {pair for pair in self._valid if pair[0] in self._kept}
            self._valid.add((sha256, schema))


_MISSING: Any = object()


_CONTAINERS: Final = frozenset({dict, list, tuple, set})


def _copy(value: Any, copies: dict[int, Any]) -> Any:
    """A copy of a parsed value's containers (dicts and lists, and the sets, `!!omap` pairs and
    tuples the node graph builds), one copy of each: aliases share as in the original. Scalars
    and keys are immutable and kept. The depth was checked when parsed."""
    done = copies.get(id(value))
    if done is not None:
        return done
    kind = type(value)
    containers = _CONTAINERS
    if kind is dict:
        mapping: dict[Any, Any] = {}
        copies[id(value)] = mapping
        for key, item in value.items():
            mapping[key] = _copy(item, copies) if type(item) in containers else item
        return mapping
    if kind is list:
        items: list[Any] = []
        copies[id(value)] = items
        items.extend(_copy(item, copies) if type(item) in containers else item for item in value)
        return items
    made = kind(_copy(item, copies) if type(item) in containers else item for item in value)
    copies[id(value)] = made  # a tuple or set holds no cycle
    return made
