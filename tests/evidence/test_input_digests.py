"""Each reader records the sha256 and size of the very bytes it parsed (issue 11, input integrity).

The expected digest is `hashlib`'s over the bytes the test wrote. Read through a FIFO, a file
can be read once only: a digest taken on a second read would be of nothing, so agreement there
shows the digest and the document come from one read.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chainreview.evidence.overrides import read_overrides
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.vex import read_vex

SBOMS = (
    "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.json",
    "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml",
    "spdx-spec/v2.3.1/examples/SPDXJSONExample-v2.3.spdx.json",
    "spdx-spec/v2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml",
    "spdx-spec/v2.3.1/examples/SPDXTagExample-v2.3.spdx",
)
VEX = (
    "openvex-go-vex-testdata/pkg/vex/testdata/v020-1.vex.json",
    "openvex-go-vex-testdata/pkg/vex/testdata/vex.yaml",
    "cyclonedx-bom-examples/VEX/vex.json",
    "cyclonedx-specification/tools/src/test/resources/1.6/valid-vulnerability-1.6.xml",
    "oasis-csaf/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-01-a-001.json",
)
OVERRIDES = b"""schema_version: "1.0"
overrides:
  - factor: F07
    level: high
    reason: Export-control exposure confirmed.
    reviewer: Reviewer 3
    date: 2026-04-02
"""


def digest(data: bytes) -> tuple[str, int]:
    return hashlib.sha256(data).hexdigest(), len(data)


@contextmanager
def fifo_of(tmp_path: Path, data: bytes) -> Iterator[Path]:
    """A named pipe that yields `data` once to whoever opens it."""
    path = tmp_path / "pipe"
    os.mkfifo(path)

    def feed() -> None:
        with path.open("wb") as handle:
            handle.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        writer.join(timeout=5)


@pytest.mark.parametrize("relative", SBOMS)
def test_sbom_digest_is_of_the_file_read(shared_data: Path, relative: str) -> None:
    path = shared_data / relative
    for validate in (False, True):
        document = read_sbom(path, "sbom", validate=validate)
        assert (document.sha256, document.size) == digest(path.read_bytes())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("relative", SBOMS)
def test_sbom_read_once_from_a_pipe(shared_data: Path, tmp_path: Path, relative: str) -> None:
    data = (shared_data / relative).read_bytes()
    with fifo_of(tmp_path, data) as pipe:
        document = read_sbom(pipe, "sbom", validate=False)
    assert (document.sha256, document.size) == digest(data)
    assert document.components


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("relative", VEX)
def test_vex_read_once_from_a_pipe(shared_data: Path, tmp_path: Path, relative: str) -> None:
    data = (shared_data / relative).read_bytes()
    assert (read_vex(shared_data / relative, "vex").sha256, len(data)) == digest(data)
    with fifo_of(tmp_path, data) as pipe:
        document = read_vex(pipe, "vex")
    assert (document.sha256, document.size) == digest(data)
    assert document.statements


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_overrides_read_once_from_a_pipe(tmp_path: Path) -> None:
    with fifo_of(tmp_path, OVERRIDES) as pipe:
        read = read_overrides(pipe, "overrides.yaml")
    assert (read.sha256, read.size) == digest(OVERRIDES)
    assert [o.factor for o in read.overrides] == ["F07"]
    assert read.file == "overrides.yaml"
