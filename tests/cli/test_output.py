"""`output.safe_text`: input text made safe for the consoles (controls escaped, markup kept)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from chainreview.cli.output import safe_text

UNSAFE = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))} | set(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("openssl", "openssl"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\x07b\x08c\rd\ne\tf\x00", "a\\x07b\\x08c\\x0dd\\x0ae\\x09f\\x00"),
        ("\x9b2J\x85", "\\x9b2J\\x85"),
        ("abc\u202edcba\u2066x\u2069", "abc\\u202edcba\\u2066x\\u2069"),
        ("[bold]x[/bold]", "[bold]x[/bold]"),
        ("C:\\path\\x", "C:\\path\\x"),
        ("dir\\", "dir\\\\"),  # a trailing backslash doubled (`rich.markup.escape`)
        ("名前 ünïcode 🙂 :smile:", "名前 ünïcode 🙂 :smile:"),
        (42, "42"),
    ],
)
def test_what_prints(text: object, shown: str) -> None:
    console = Console(file=io.StringIO(), width=200, highlight=False, emoji=False)
    console.print(safe_text(text))
    assert console.file.getvalue() == shown + "\n"  # type: ignore[attr-defined]


def _escaped(character: str) -> str:
    code = ord(character)
    if character not in UNSAFE:
        return character
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


@given(st.text())
def test_markup_reads_back_as_the_text_with_controls_escaped(text: str) -> None:
    """Rich's own markup parser gives back exactly the text, each unsafe character escaped."""
    plain = Text.from_markup(safe_text(text), emoji=False).plain
    expected = "".join(map(_escaped, text))
    assert plain == expected + ("\\" if text.endswith("\\") else "")  # doubled at the end
