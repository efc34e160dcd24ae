"""`slot_constructor` makes the models' own frozen instances, faster, or refuses the class."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chainreview.components.model import Component
from chainreview.findings.model import EvidenceRef, Finding
from chainreview.slots import slot_constructor


@pytest.mark.parametrize("cls", [Component, Finding, EvidenceRef])
def test_made_instances_equal_the_dataclass_s_own(cls: type[Any]) -> None:
    fields = {f.name: f"v-{f.name}" for f in dataclasses.fields(cls)}
    made = slot_constructor(cls)(**fields)
    assert type(made) is cls
    assert made == cls(**fields)
    assert repr(made) == repr(cls(**fields))
    assert hash(made) == hash(cls(**fields))
    name = next(iter(fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, name, "other")


@pytest.mark.parametrize("cls", [Component, Finding, EvidenceRef])
def test_fields_by_position_follow_the_declaration(cls: type[Any]) -> None:
    fields = {f.name: f"v-{f.name}" for f in dataclasses.fields(cls)}
    assert slot_constructor(cls)(*fields.values()) == cls(**fields)


def test_every_field_must_be_given() -> None:
    with pytest.raises(TypeError):  # defaults are not applied: a new field fails every call
        slot_constructor(Finding)(id="x", component="c")


def test_classes_it_cannot_fill_are_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            raise ValueError

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    for cls in (Unslotted, Checked, Derived):
        with pytest.raises(TypeError, match="needs its own __init__"):
            slot_constructor(cls)
