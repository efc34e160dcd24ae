"""The canonical JSON writer: `dumps` and the streaming `dump` give the same bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum

import orjson
import pytest

from chainreview import canonical


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True, slots=True)
class Inner:
    zeta: int
    alpha: tuple[str, ...]
    colour: Colour


@dataclass(frozen=True)
class Empty:
    pass


@dataclass(frozen=True, slots=True)
class Outer:
    items: tuple[Inner, ...]
    note: str | None
    counts: dict[str, int]
    nothing: tuple[int, ...] = ()


VALUES = [
    {},
    [],
    "text",
    5,
    None,
    [Inner(1, ("b", "a"), Colour.RED)],
    {"b": [], "a": {}, "c": [1, {"x": [1, 2]}], "d": "é\nline"},
    {"z": 1, "a": [[], [1]], "m": Empty()},
    {1: "non-string key", 2: [3]},
    Outer(
        items=tuple(Inner(i, (str(i),), Colour.RED) for i in range(3)),
        note="ü",
        counts={"y": 2, "x": 1},
    ),
]


@pytest.mark.parametrize("value", VALUES)
def test_dump_writes_what_dumps_returns(value: object) -> None:
    stream = io.BytesIO()
    canonical.dump(value, stream)
    assert stream.getvalue() == canonical.dumps(value)


@pytest.mark.parametrize("value", VALUES)
def test_dataclasses_are_written_as_their_plain_form(value: object) -> None:
    assert canonical.dumps(value) == canonical.dumps(canonical.to_plain(value))


def test_keys_sorted_two_space_indent_trailing_newline() -> None:
    text = canonical.dumps(Inner(2, ("q",), Colour.RED))
    assert text == b'{\n  "alpha": [\n    "q"\n  ],\n  "colour": "red",\n  "zeta": 2\n}\n'


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(orjson.JSONEncodeError):
        canonical.dumps({"a": {1, 2}})
