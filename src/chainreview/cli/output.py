"""Output helpers shared by the command groups: the format choice, the consoles, and `safe_text`.

The Rich consoles `stdout` and `stderr` are made on first use (PEP 562 module `__getattr__`), so
a command that prints JSON never imports Rich; the canonical JSON writer loads when first used.
They interpret Rich markup and nothing else (no emoji codes, no highlighting). Printed to a pipe
or a file, they use no colour and are never cut at a terminal's width; `NO_COLOR` turns colour
off on a terminal too (Rich reads it).

`-q` and `-v` set how much goes to standard error besides results and errors: `notice` lines
(first-use installs, warnings about the result) unless quiet, `detail` lines only when verbose.

Text that comes from input (names, versions, suppliers, file names, messages quoting input) goes
through `safe_text` before it reaches a console: a component named `"\x1b]0;pwned\x07"` or
`"[blink]x"` prints as those characters, never as a terminal or markup instruction.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from rich.console import Console

    stdout: Console
    stderr: Console


class OutputFormat(StrEnum):
    """How a reporting command prints its result."""

    TABLE = "table"
    JSON = "json"


def __getattr__(name: str) -> Console:
    """Make the `stdout` or `stderr` console on first use, then keep it as a module global."""
    if name not in ("stdout", "stderr"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _console(name)


_PIPE_WIDTH: Final = 100_000
"""Console width when writing to a pipe or file: wide enough that no line is ever cut."""
_verbosity = [0]


def set_verbosity(level: int) -> None:
    """-1 quiet, 0 normal, 1 verbose (the root options `-q` and `-v`)."""
    _verbosity[0] = level


def quiet() -> bool:
    """Whether `-q` was given: no notices, no progress."""
    return _verbosity[0] < 0


def notice(message: str) -> None:
    """A line for the user on standard error (a first-use install, a warning), unless quiet;
    input text in `message` is shown escaped (`safe_text`)."""
    if _verbosity[0] >= 0:
        _console("stderr").print(safe_text(f"chainreview: {message}"))


def detail(message: str) -> None:
    """A line on standard error only when verbose (what a run rests on, how long it took)."""
    if _verbosity[0] > 0:
        _console("stderr").print(safe_text(f"chainreview: {message}"))


def _console(name: str) -> Console:
    found: Console | None = globals().get(name)
    if found is None:
        from rich.console import Console

        stream = sys.stderr if name == "stderr" else sys.stdout
        found = globals()[name] = Console(
            stderr=name == "stderr",
            highlight=False,
            emoji=False,
            soft_wrap=True,
            width=None if stream.isatty() else _PIPE_WIDTH,
        )
    return found


_CONTROLS: Final = (
    *range(0x00, 0x20),  # C0: NUL … ESC …, BEL, backspace, tab, line feed, carriage return
    0x7F,  # DEL
    *range(0x80, 0xA0),  # C1: CSI (0x9B), OSC (0x9D) …
    0x061C,  # Arabic letter mark
    0x200E,  # left-to-right and right-to-left marks
    0x200F,
    *range(0x202A, 0x202F),  # bidi embeddings and overrides (LRE RLE PDF LRO RLO)
    *range(0x2066, 0x206A),  # bidi isolates (LRI RLI FSI PDI)
    0x2028,  # line and paragraph separators
    0x2029,
)
_ESCAPED: Final = {c: f"\\x{c:02x}" if c <= 0xFF else f"\\u{c:04x}" for c in _CONTROLS}


def safe_text(text: object) -> str:
    """`text` from input, made safe to print on any console of this module (with markup).

    Every C0 and C1 control character (ESC, CSI, BEL, backspace, carriage return, line feed,
    tab, DEL …), the Unicode bidi marks, embeddings, overrides and isolates, and the line and
    paragraph separators are written as the escape `\\x1b` or `\\u202e`, so nothing is interpreted
    and the text stays on one line; Rich markup (`[bold]`) is escaped so it prints as written.
    Anything else (other scripts, emoji) is kept. A non-string is formatted with `str` first.
    """
    from rich.markup import escape

    return escape(plain_text(text))


def plain_text(text: object) -> str:
    """`text` from input, made safe to write to a terminal without Rich: `safe_text`'s escapes
    of control, bidi and separator characters, no markup escaping."""
    return str(text).translate(_ESCAPED)


def print_json(value: Any) -> None:
    """Write `value` to standard output as canonical JSON."""
    from chainreview import canonical

    sys.stdout.buffer.write(canonical.dumps(value))
    sys.stdout.flush()


def error_line(message: str) -> None:
    """Print one red error line on standard error (`message` may quote input: `safe_text`)."""
    _console("stderr").print(
        f"[bold red]error:[/] {safe_text(message)}", markup=True, highlight=False
    )
