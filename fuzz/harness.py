"""One atheris harness for any target of `targets.py`: `python fuzz/harness.py TARGET [libFuzzer
options] [CORPUS_DIR | INPUT_FILE …]`.

chainreview is imported instrumented (the readers it loads lazily too), so the fuzzer follows
its coverage. Each input is written where the target reads it (one file, or a folder for the
declaration package) and read; `InputError` (and its subclasses) is the expected refusal, and any
other exception is reported by atheris as a crash, its input written to `-artifact_prefix`.

With corpus folders, or none, the target's seeds (`targets.Target.seeds`) are written to a
temporary folder read after them; the first folder given is where new inputs are kept. Given
input files instead, libFuzzer runs just those once: that replays a crash.

JSON targets also mutate structurally: half the mutations parse the document and change one to
three of its nodes (a value of another type, a control or bidi character, a very long string,
a huge number, a node copied elsewhere, an entry repeated or removed); the rest are libFuzzer's
byte mutations.
"""

from __future__ import annotations

import importlib
import random
import shutil
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any, Final

import atheris
import orjson

with atheris.instrument_imports(include=["chainreview"]):
    import targets

    for _name in targets.LAZY_MODULES:
        importlib.import_module(_name)
    from chainreview.errors import InputError

STRANGE: Final[tuple[Any, ...]] = (
    None,
    True,
    0,
    -1,
    2**64,
    -(2**63) - 1,
    1e308,
    0.5,
    "",
    " ",
    "x" * 70_000,
    "\x1b[31m\x07\x08\r\n",
    "\u202e\u2066",
    "\ud800",
    "..",
    "*",
    "-",
    "0",
    "0001-01-01",
    "9999-12-31T23:59:59Z",
    "pkg:",
    "pkg:npm/%40scope%2Fname@1.0?a=b#c",
    "cpe:2.3:a:*:*:*:*:*:*:*:*:*:*",
    "urn:cdx:x/1#ref",
    "CVE-2021-44228",
    [],
    {},
    [[[[[[[[]]]]]]]],
    {"": {"": {"": None}}},
)
"""Values swapped into JSON documents: other types, limits, and tokens the readers parse."""
MAX_NODES: Final = 5_000
"""Nodes of a document considered for a structural mutation (the first, breadth first)."""


def _nodes(document: Any) -> list[tuple[Any, Any]]:
    """(container, key) of the first `MAX_NODES` nodes below the root."""
    found: list[tuple[Any, Any]] = []
    level = [document]
    while level and len(found) < MAX_NODES:
        below = []
        for node in level:
            keys = node.keys() if isinstance(node, dict) else range(len(node))
            for key in keys:
                found.append((node, key))
                if isinstance(node[key], (dict, list)):
                    below.append(node[key])
        level = below
    return found[:MAX_NODES]


def _change(document: Any, rng: random.Random) -> Any:
    """`document` with one to three of its nodes changed (in place)."""
    for _ in range(rng.randint(1, 3)):
        nodes = _nodes(document) if isinstance(document, (dict, list)) else []
        if not nodes:
            return rng.choice(STRANGE)
        container, key = rng.choice(nodes)
        action = rng.randrange(4)
        if action == 0:
            container[key] = rng.choice(STRANGE)
        elif action == 1:
            container[key] = rng.choice(nodes)[0]
        elif action == 2 and isinstance(container, list):
            container.insert(key, container[key])
        else:
            del container[key]
    return document


def mutate_json(data: bytes, max_size: int, seed: int) -> bytes:
    """A structural mutation of a JSON document half the time, else libFuzzer's."""
    rng = random.Random(seed)
    if rng.random() < 0.5:
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError:
            document = None
        if document is not None:
            try:
                changed = orjson.dumps(_change(document, rng))
            except (TypeError, orjson.JSONEncodeError):  # a node made to contain itself
                changed = b""
            if changed and len(changed) <= max_size:
                return changed
    return bytes(atheris.Mutate(data, max_size))


def main() -> None:
    """Run the target named by the first argument under atheris."""
    if len(sys.argv) < 2 or sys.argv[1] not in targets.TARGETS:
        sys.exit(
            f"usage: harness.py TARGET [libFuzzer options] [CORPUS…]; TARGET one of "
            f"{', '.join(targets.TARGETS)}"
        )
    target = targets.TARGETS[sys.argv.pop(1)]
    scratch = Path(tempfile.mkdtemp(prefix=f"chainreview-fuzz-{target.name}-", dir=_fast_tmp()))
    here = scratch / "input"
    place = here / "package" if target.folder else here / f"input{target.suffix}"
    here.mkdir()
    positional = [a for a in sys.argv[1:] if not a.startswith("-")]
    if not any(Path(a).is_file() for a in positional):
        seeds = scratch / "seeds"
        seeds.mkdir()
        for name, data in target.seeds():
            (seeds / name).write_bytes(data)
        if not positional:
            (scratch / "corpus").mkdir()
            sys.argv.append(str(scratch / "corpus"))
        sys.argv.append(str(seeds))
    if target.tokens and not any(a.startswith("-dict=") for a in sys.argv):
        words = scratch / "tokens.dict"
        words.write_text("".join(f'"{_escaped(token)}"\n' for token in target.tokens))
        sys.argv.append(f"-dict={words}")

    def one_input(data: bytes) -> None:
        if target.folder:
            shutil.rmtree(place, ignore_errors=True)
            place.mkdir()
            targets.unpack(data, place)
        else:
            place.write_bytes(data)
        try:
            target.run(place, zlib.crc32(data) % 4)
        except InputError:
            return

    try:
        if target.structured:
            atheris.Setup(sys.argv, one_input, custom_mutator=mutate_json)
        else:
            atheris.Setup(sys.argv, one_input)
        atheris.Fuzz()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _escaped(token: bytes) -> str:
    """A libFuzzer dictionary entry: printable ASCII as it is, other bytes, quotes and
    backslashes as \\xNN."""
    return "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}" for b in token)


def _fast_tmp() -> str | None:
    """`/dev/shm` when there is one (every input is written to a file), else the default."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None


if __name__ == "__main__":
    main()
