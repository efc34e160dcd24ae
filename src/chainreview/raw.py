"""Safe loading of untrusted bytes as JSON, YAML or XML, with the caps of `chainreview.limits`.

Every function raises `InputError` (or `LimitExceeded`) with one line naming the file and the
location; none lets a parser's own exception or a traceback through.

PyYAML and lxml load on the first YAML or XML document: reading JSON (a CycloneDX or SPDX JSON
SBOM, an intel feed) does not import them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import select
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded

if TYPE_CHECKING:
    import yaml
    from lxml import etree

_READ_CHUNK = 1024 * 1024
"""Bytes read at a time once a file turns out bigger than `stat` said (pipes, growing files)."""


def read_bytes(path: Path, display: str, max_bytes: int | None = None) -> bytes:
    """Read a whole file or pipe, refusing more than `max_bytes` (default
    `limits.MAX_SBOM_BYTES`).

    A regular file over the limit (a huge sparse file included) is refused before it is read;
    memory is what the file holds, never the limit. A pipe (`<(syft …)`, `/dev/stdin`, a named
    FIFO) is read as it comes, up to the limit, and refused when nothing arrives for
    `limits.PIPE_IDLE_SECONDS` (a FIFO nobody writes to never hangs the reader). A device, a
    socket or a directory is refused before anything is read from it.
    """
    limit = limits.MAX_SBOM_BYTES if max_bytes is None else max_bytes
    with _opened(path, display) as (handle, mode):
        if stat.S_ISFIFO(mode.st_mode):
            data = _read_pipe(handle.fileno(), display, limit + 1)
        else:
            _check_regular(mode, display, limit)
            os.set_blocking(handle.fileno(), True)
            try:
                data = _read_capped(handle, mode.st_size, limit + 1)
            except OSError as exc:
                raise InputError(display, f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise LimitExceeded(display, f"file is over the {limit:,}-byte limit")
    return data


def digest_file(path: Path, display: str, max_bytes: int) -> tuple[str, int]:
    """The lower-case hex sha256 and the size of a regular file of at most `max_bytes`, read in
    chunks; anything but a regular file is refused, and so is a file over the limit."""
    digest = hashlib.sha256()
    total = 0
    with _opened(path, display) as (handle, mode):
        _check_regular(mode, display, max_bytes)
        os.set_blocking(handle.fileno(), True)
        try:
            while chunk := handle.read(_READ_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise LimitExceeded(display, f"file is over the {max_bytes:,}-byte limit")
                digest.update(chunk)
        except OSError as exc:
            raise InputError(display, f"cannot read: {exc.strerror or exc}") from exc
    return digest.hexdigest(), total


@contextmanager
def _opened(path: Path, display: str) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """`path` opened for reading without blocking (opening a FIFO does not wait for a writer),
    with its `stat`."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except IsADirectoryError as exc:
        raise InputError(display, "is a directory, not a file") from exc
    except FileNotFoundError as exc:
        raise InputError(display, "no such file") from exc
    except PermissionError as exc:
        raise InputError(display, "permission denied") from exc
    except OSError as exc:
        raise InputError(display, f"cannot open: {exc.strerror or exc}") from exc
    mode = os.fstat(descriptor)
    if stat.S_ISDIR(mode.st_mode):  # Linux opens a folder read-only; Python's file object refuses
        os.close(descriptor)
        raise InputError(display, "is a directory, not a file")
    with os.fdopen(descriptor, "rb") as handle:
        yield handle, mode


def _check_regular(mode: os.stat_result, display: str, limit: int) -> None:
    if not stat.S_ISREG(mode.st_mode):
        raise InputError(display, f"is not a regular file (a {_file_kind(mode.st_mode)})")
    if mode.st_size > limit:
        message = f"file is {mode.st_size:,} bytes, over the {limit:,}-byte limit"
        raise LimitExceeded(display, message)


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def _read_pipe(descriptor: int, display: str, cap: int) -> bytes:
    """At most `cap` bytes of a pipe, until its writer closes it; refused when no byte comes
    for `limits.PIPE_IDLE_SECONDS` (Linux reports no hang-up on a FIFO no writer ever opened,
    and a read there says end of file at once, so only `poll` tells data from nothing)."""
    waiting = select.poll()
    waiting.register(descriptor, select.POLLIN)
    parts: list[bytes] = []
    total = 0
    while total < cap:
        if not waiting.poll(limits.PIPE_IDLE_SECONDS * 1000):
            what = "nothing was written to the pipe" if not total else "the pipe stalled"
            raise InputError(display, f"{what} for {limits.PIPE_IDLE_SECONDS:g} s; refused")
        try:
            chunk = os.read(descriptor, min(_READ_CHUNK, cap - total))
        except BlockingIOError:
            continue
        except OSError as exc:
            raise InputError(display, f"cannot read: {exc.strerror or exc}") from exc
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def _read_capped(handle: BinaryIO, expected: int, cap: int) -> bytes:
    """At most `cap` bytes of `handle`, reading `expected` + 1 first, then in chunks."""
    first = handle.read(min(expected + 1, cap))
    if len(first) <= expected or len(first) >= cap:
        return first
    parts = [first]
    total = len(first)
    while total < cap:
        chunk = handle.read(min(_READ_CHUNK, cap - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def one_line(text: str, width: int = 200) -> str:
    """`text` on one line (runs of whitespace made one space), cut to `width` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def decode_utf8(data: bytes, display: str) -> str:
    """Decode UTF-8 (a BOM is allowed), naming the byte offset of the first invalid sequence."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(display, f"invalid UTF-8 at byte {exc.start}") from exc


def check_depth(value: Any, display: str, max_depth: int | None = None) -> None:
    """Refuse a parsed JSON/YAML value nested deeper than `max_depth` (`limits.MAX_JSON_DEPTH`)."""
    if max_depth is None:
        max_depth = limits.MAX_JSON_DEPTH
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 1  # a level at a time: one list per level, no (node, depth) pair per node
    while level:
        if depth > max_depth:
            raise LimitExceeded(display, f"nesting deeper than {max_depth} levels")
        below: list[Any] = []
        for node in level:
            children = node.values() if isinstance(node, dict) else node
            below += [child for child in children if isinstance(child, (dict, list))]
        level = below
        depth += 1


def load_json(data: bytes, display: str) -> Any:
    """Parse JSON bytes (UTF-8, BOM allowed) and check their nesting depth."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        message = str(exc)
        if "utf-8" in message.lower() or "surrogates" in message.lower():
            decode_utf8(data, display)  # names the offending byte offset
        line, column = exc.lineno, exc.colno
        reason = exc.msg.split(":")[0]
        raise InputError(
            display, f"not valid JSON: {reason}", f"line {line}, column {column}"
        ) from exc
    check_depth(value, display)
    _refuse_duplicate_members(data, value, display)
    return value


_ESCAPED_COLONS = (b"\\u003a", b"\\u003A")
"""A colon as JSON may escape it inside a string."""


def _refuse_duplicate_members(data: bytes, value: Any, display: str) -> None:
    """Refuse JSON with an object that names one member twice (orjson keeps the last value, so a
    second `"components": []` would hide the first list).

    Counted, not searched, on the common path: in valid JSON every colon outside a string ends a
    member's name, so the text holds exactly as many colons (escaped ones counted as written) as
    the value orjson built serialises to, unless a member was dropped as a repeat. Only when the
    counts differ is the text parsed again, keeping each object's pairs, to name the member.
    """
    written = data.count(b":")
    if b"\\u003" in data:  # a colon may be written escaped
        written += sum(data.count(escaped) for escaped in _ESCAPED_COLONS)
    if written == orjson.dumps(value).count(b":"):
        return
    import json

    found = _first_repeat(json.loads(data, object_pairs_hook=_RepeatedMember.of))
    if found is not None:  # else the counts differed only by text like `\\u003a`
        pointer, key = found
        message = f"duplicate key {preview(key)} (readers keep only one of its values)"
        raise InputError(display, message, pointer)


class _RepeatedMember(dict[str, Any]):
    """A JSON object read from pairs that name `key` twice (the last value kept)."""

    key = ""

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        """The object of `pairs`; a `_RepeatedMember` when a name repeats."""
        mapping = dict(pairs)
        if len(mapping) == len(pairs):
            return mapping
        found = cls(mapping)
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                found.key = key
                break
            seen.add(key)
        return found


def _first_repeat(value: Any) -> tuple[str, str] | None:
    """The JSON pointer and name of the first repeated member, in document order."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, _RepeatedMember):
            return f"{pointer}/{_pointer_part(node.key)}", node.key
        steps = node.items() if isinstance(node, dict) else enumerate(node)
        below = [(f"{pointer}/{_pointer_part(str(step))}", child) for step, child in steps]
        stack += reversed([(where, c) for where, c in below if isinstance(c, (dict, list))])
    return None


def _pointer_part(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _MergeLimit(Exception):
    """YAML merge keys would copy more than `limits.MAX_YAML_MERGED_KEYS` pairs."""


@functools.cache
def _string_timestamp_loader() -> type[yaml.CSafeLoader]:
    """The loader class `load_yaml` uses, made on first use so that PyYAML loads only then."""
    import yaml

    class _StringTimestampLoader(yaml.CSafeLoader):
        """libyaml's parser and composer (C) with PyYAML's safe constructor, timestamps and dates
        kept as the strings the document wrote.

        libyaml refuses nesting past its own depth cap. Before constructing anything, the node
        graph is checked once (linear, each node once however often aliases repeat it): a key
        given twice in one mapping is refused, and merge keys (`<<: [*a, *a]`) may copy at most
        `MAX_YAML_MERGED_KEYS` pairs, counted on the graph so that the bound does not depend on
        how a PyYAML release implements merging.
        """

        def get_single_data(self) -> Any:
            """Compose the document, check its node graph, then construct it."""
            node = self.get_single_node()
            if node is None:
                return None
            _check_nodes(node, self)
            return self.construct_document(node)

    _StringTimestampLoader.add_constructor(
        "tag:yaml.org,2002:timestamp",
        lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
    )
    _StringTimestampLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)
    return _StringTimestampLoader


def _bounded_int(loader: yaml.CSafeLoader, node: yaml.ScalarNode) -> int | str:
    """An integer scalar of at most `MAX_YAML_INT_CHARS` characters, as PyYAML reads it.

    PyYAML's YAML 1.1 resolver also tags `0x_`, `0b_` and `-0x__` as integers, then fails on
    their empty digits; such a scalar is kept as the text it is (as YAML 1.2 reads it).
    """
    if len(node.value) > limits.MAX_YAML_INT_CHARS:
        raise _LongInteger(len(node.value), node.start_mark.line + 1, node.start_mark.column + 1)
    try:
        value: int = loader.construct_yaml_int(node)
    except ValueError:
        text: str = loader.construct_scalar(node)
        return text
    return value


class _LongInteger(Exception):
    """A YAML integer over `MAX_YAML_INT_CHARS` characters: its length and where it starts."""

    def __init__(self, length: int, line: int, column: int) -> None:
        super().__init__(length)
        self.length, self.line, self.column = length, line, column


class _DuplicateKey(Exception):
    """A YAML mapping gives one key twice (YAML requires keys to be unique): the key as written,
    where it is given again, and the line it was first given on."""

    def __init__(self, key: str, line: int, column: int, first_line: int) -> None:
        super().__init__(key)
        self.key, self.line, self.column, self.first_line = key, line, column, first_line


_MERGE_TAG = "tag:yaml.org,2002:merge"
_TEXT_KEY_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:value"})
"""Key tags whose key is the scalar's text (PyYAML reads the `=` value key as a string)."""


def _check_nodes(root: yaml.Node, loader: yaml.CSafeLoader) -> None:
    """Refuse duplicate keys, and merge keys that would copy more than `MAX_YAML_MERGED_KEYS`
    pairs, in one walk of the node graph."""
    import yaml

    expanded: dict[int, int] = {}
    copied = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in expanded and not children_done:
            continue
        if isinstance(node, yaml.SequenceNode):
            if not children_done:
                expanded[id(node)] = 0
                stack.extend((child, False) for child in node.value)
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        if not children_done:
            _check_unique_keys(node, loader)
            expanded[id(node)] = 0  # marks it visited; a cycle through merges counts as empty
            stack.append((node, True))
            stack.extend((child, False) for pair in node.value for child in pair)
            continue
        sources = _merge_sources(node)
        merged = sum(expanded.get(id(source), 0) for source in sources)
        copied += merged
        if copied > limits.MAX_YAML_MERGED_KEYS:
            raise _MergeLimit
        expanded[id(node)] = len(node.value) - (1 if sources else 0) + merged


def _check_unique_keys(node: yaml.MappingNode, loader: yaml.CSafeLoader) -> None:
    """Refuse a mapping that writes one key twice. Keys are compared as the constructed values
    the dict would hold (`1`, `0x1` and `true` are one key); pairs copied in by merge keys may
    repeat a key, as the merge type allows, but two merge keys in one mapping may not."""
    import yaml

    seen: dict[object, yaml.Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue  # a collection as a key is refused when constructed (unhashable)
        tag = key_node.tag
        if tag in _TEXT_KEY_TAGS:
            key: object = key_node.value
        elif tag == _MERGE_TAG:
            key = _MERGE_TAG
        else:
            key = loader.construct_object(key_node)  # kept: the document's construction reuses it
        first = seen.get(key)
        if first is not None:
            mark, first_mark = key_node.start_mark, first.start_mark
            raise _DuplicateKey(key_node.value, mark.line + 1, mark.column + 1, first_mark.line + 1)
        seen[key] = key_node


def _merge_sources(node: yaml.MappingNode) -> list[yaml.MappingNode]:
    import yaml

    sources: list[yaml.MappingNode] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            values = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            sources.extend(v for v in values if isinstance(v, yaml.MappingNode))
    return sources


def yaml_error(exc: yaml.YAMLError, display: str) -> InputError:
    """The one-line error for a YAML parser error; libyaml's own depth cap is our depth limit."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = one_line(str(exc.problem or exc))
        if "maximum nesting depth" in problem:  # libyaml ≥ 0.2.6 / PyYAML ≥ 6.0.4
            message = f"nesting deeper than {limits.MAX_JSON_DEPTH} levels"
            return LimitExceeded(display, message, where)
        return InputError(display, f"not valid YAML: {problem}", where)
    return InputError(display, f"not valid YAML: {one_line(str(exc))}")


def load_yaml(data: bytes, display: str) -> Any:
    """Parse YAML safely with libyaml: no Python tags, timestamps kept as strings, no key given
    twice in a mapping, alias and merge expansion bounded.

    A plain document (no merge key, no tag but the standard scalar ones, each key once, each
    anchor once) is built straight from libyaml's events (`_from_events`); any other, or any
    error, is composed into PyYAML's node graph and checked there (`get_single_data`), which
    gives the same value and says what is wrong. The event path makes no node objects, so the
    cyclic garbage collector, which this function leaves alone, has far less to walk: an 8 MB
    SPDX YAML document reads in about 1 s with it on, against 7 s through the node graph.
    """
    import yaml

    if len(data) > limits.MAX_YAML_BYTES:
        message = f"YAML of {len(data):,} bytes, over the {limits.MAX_YAML_BYTES:,}-byte YAML limit"
        raise LimitExceeded(display, message)
    text = decode_utf8(data, display)
    shape: _Shape | None = None
    try:
        value, shape = _from_events(text)
    except Exception:  # anything out of the ordinary: the node graph decides, with its errors
        value = _NOT_PLAIN
    try:
        if value is _NOT_PLAIN:
            loader = _string_timestamp_loader()(text)
            try:
                value = loader.get_single_data()
            finally:
                loader.dispose()
    except _DuplicateKey as exc:
        message = f"duplicate key {preview(exc.key)} (first at line {exc.first_line})"
        raise InputError(display, message, f"line {exc.line}, column {exc.column}") from exc
    except _MergeLimit as exc:
        message = f"YAML merge keys copy more than {limits.MAX_YAML_MERGED_KEYS:,} entries"
        raise LimitExceeded(display, message) from exc
    except _LongInteger as exc:
        limit = limits.MAX_YAML_INT_CHARS
        message = f"integer of {exc.length:,} characters, over the {limit:,}-character limit"
        raise LimitExceeded(display, message, f"line {exc.line}, column {exc.column}") from exc
    except yaml.YAMLError as exc:
        raise yaml_error(exc, display) from exc
    except RecursionError as exc:
        raise LimitExceeded(display, "YAML nested too deeply to parse") from exc
    if shape is None:
        _check_shared_structure(value, display)
    else:
        _check_shape(shape, display)
    return value


@dataclass(frozen=True, slots=True)
class _Shape:
    """The height and size (in collections) of a value without aliases, as `_from_events`
    counted them while building it: a tree, which `_check_shared_structure` need not walk."""

    height: int
    size: int


def _check_shape(shape: _Shape, display: str) -> None:
    """`_check_shared_structure`'s limits, on a tree's measured shape."""
    if shape.height > limits.MAX_JSON_DEPTH:
        raise LimitExceeded(display, f"nesting deeper than {limits.MAX_JSON_DEPTH} levels")
    if shape.size > limits.MAX_EXPANDED_NODES:
        raise LimitExceeded(display, "YAML aliases expand past the node limit")


_NOT_PLAIN: Any = object()
"""`load_yaml`'s marker: the document needs the node graph."""
_PLAIN_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
"""The scalar tags a plain document may carry (resolved or written)."""
_COLLECTION_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _Unplain(Exception):
    """The document is not plain (see `load_yaml`): the node graph must read it."""


def _from_events(text: str) -> tuple[Any, _Shape | None]:
    """A plain YAML document's value built from libyaml's events, as `get_single_data` builds
    it, with its shape when no alias made it share a collection (else None); `_Unplain` (or the
    parser's error) for anything else.

    Each open collection is a `[container, key]` pair: a mapping's key waits in the pair until
    its value comes. A key given twice, a key that cannot be hashed, a merge key, an explicit
    collection tag, a scalar tag outside `_PLAIN_TAGS`, an anchor given twice, an alias to no
    anchor and a second document all raise, for the node graph to judge.
    """
    import yaml
    from yaml import events

    loader = _string_timestamp_loader()(text)
    try:
        resolve: Any = loader.resolve
        constructors = loader.yaml_constructors
        anchors: dict[str, Any] = {}
        open_: list[list[Any]] = []
        waiting = _NOT_PLAIN  # a mapping's pair holds this while it waits for a key
        root: Any = None
        documents = 0
        height = size = 0
        aliased = False
        while True:
            event: Any = loader.get_event()
            kind = type(event)
            value: Any
            if kind is events.ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(yaml.ScalarNode, event.value, event.implicit)
                if tag not in _PLAIN_TAGS:
                    raise _Unplain
                if tag == "tag:yaml.org,2002:str":
                    value = event.value
                else:
                    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
                    value = constructors[tag](loader, node)
            elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
                if event.tag not in _COLLECTION_TAGS:
                    raise _Unplain
                value = {} if kind is events.MappingStartEvent else []
                _anchor(anchors, event.anchor, value)
                open_.append([value, waiting])
                size += 1
                if len(open_) > height:
                    height = len(open_)
                continue
            elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                value = open_.pop()[0]
            elif kind is events.AliasEvent:
                value = anchors[event.anchor]
                aliased = True
            elif kind is events.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Unplain
                continue
            elif kind is events.StreamEndEvent:
                return root, None if aliased else _Shape(height, size)
            else:  # stream start, document end
                continue
            if kind is events.ScalarEvent:
                _anchor(anchors, event.anchor, value)
            if not open_:
                root = value
                continue
            top = open_[-1]
            into = top[0]
            if type(into) is list:
                into.append(value)
            elif top[1] is waiting:  # a key (a merge key `<<` has the merge tag: not plain)
                if value in into:
                    raise _Unplain
                top[1] = value
            else:
                into[top[1]] = value
                top[1] = waiting
    finally:
        loader.dispose()


def _anchor(anchors: dict[str, Any], name: str | None, value: Any) -> None:
    if name is not None:
        if name in anchors:
            raise _Unplain
        anchors[name] = value


def preview(value: object, width: int = 80) -> str:
    """`repr` of an untrusted value on one line, cut to about `width` characters."""
    try:
        shown = repr(value)
    except ValueError:  # holds an integer longer than Python prints (`sys.int_info`)
        shown = f"<a {type(value).__name__} too large to show>"
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _check_shared_structure(value: Any, display: str) -> None:
    """Check depth and expanded size of a value whose containers YAML aliases may share.

    Aliases share objects, so height and size are computed once per object (linear in the text)
    while the size counted is what a recursive walk would visit ("billion laughs"); a cycle is
    refused outright.
    """
    measured: dict[int, tuple[int, int]] = {}
    in_progress: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        key = id(node)
        children = [
            c
            for c in (node.values() if isinstance(node, dict) else node)
            if isinstance(c, (dict, list))
        ]
        if children_done:
            in_progress.discard(key)
            below = [measured[id(c)] for c in children]
            height = 1 + max((h for h, _ in below), default=0)
            size = 1 + sum(n for _, n in below)
            if height > limits.MAX_JSON_DEPTH:
                raise LimitExceeded(display, f"nesting deeper than {limits.MAX_JSON_DEPTH} levels")
            if size > limits.MAX_EXPANDED_NODES:
                raise LimitExceeded(display, "YAML aliases expand past the node limit")
            measured[key] = (height, size)
        elif key in in_progress:
            raise InputError(
                display, "recursive YAML structure (an alias refers to its own parent)"
            )
        elif key not in measured:
            in_progress.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in children)


_NO_DOCTYPE = "XML with a DOCTYPE or entity declaration is refused"


def parse_xml(data: bytes, display: str) -> etree._Element:
    """Parse UTF-8 XML with entities, DTDs and network access disabled; any DOCTYPE is refused.

    The parser is told the input is UTF-8 whatever its declaration says, so the byte search for
    `<!DOCTYPE` cannot be dodged by declaring UTF-16 or UTF-7; the parsed tree is checked again.
    """
    from lxml import etree

    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise InputError(display, _NO_DOCTYPE)
    parser = etree.XMLParser(
        encoding="utf-8",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        message = f"not well-formed XML: {one_line(exc.msg)}"
        raise InputError(display, message, f"line {line}") from exc
    if not head or root is None:
        raise InputError(display, "empty XML document")
    if root.getroottree().docinfo.internalDTD is not None:
        raise InputError(display, _NO_DOCTYPE)
    _check_xml_depth(root, display)
    return root


def _check_xml_depth(root: etree._Element, display: str) -> None:
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.MAX_XML_DEPTH:
            raise LimitExceeded(
                display,
                f"XML nesting deeper than {limits.MAX_XML_DEPTH} levels",
                f"line {node.sourceline}",
            )
        stack.extend((child, depth + 1) for child in node)
