"""Format detection end to end: `read_sbom` goes by content, never by the file's name.

Real documents are copied into `tmp_path` under misleading names and must read exactly as they
do under their own names; what they are is established here from the raw content.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from chainreview.components.model import Encoding, SbomFormat
from chainreview.errors import InputError
from chainreview.evidence.sbom import read_sbom

CDX_JSON = "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.json"
CDX_XML = "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml"
CDX_XML_1_1 = "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.1.xml"
SPDX_JSON = "spdx-spec/v2.3.1/examples/SPDXJSONExample-v2.3.spdx.json"
SPDX_YAML = "spdx-spec/v2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml"
SPDX_TV = "spdx-spec/v2.3.1/examples/SPDXTagExample-v2.3.spdx"
SPDX_TV_2_2 = "spdx-examples/software/example6/spdx2.2/example6-lib.spdx"


def _truth(path: Path) -> tuple[SbomFormat, Encoding, str]:
    """What the document is, read from its content with the standard library and PyYAML."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    if text.lstrip().startswith("{"):
        doc = json.loads(text)
        if "bomFormat" in doc:
            return SbomFormat.CYCLONEDX, Encoding.JSON, doc["specVersion"]
        return SbomFormat.SPDX, Encoding.JSON, doc["spdxVersion"].removeprefix("SPDX-")
    if text.lstrip().startswith("<"):
        tag = ET.fromstring(data).tag
        return SbomFormat.CYCLONEDX, Encoding.XML, tag[tag.rindex("/") + 1 : tag.index("}")]
    match = re.search(r"^SPDXVersion:\s*SPDX-(\S+)", text, re.MULTILINE)
    if match:
        return SbomFormat.SPDX, Encoding.TAG_VALUE, match.group(1)
    return SbomFormat.SPDX, Encoding.YAML, yaml.safe_load(text)["spdxVersion"][5:]


@pytest.mark.parametrize(
    ("relative", "misleading_name"),
    [
        (CDX_JSON, "bom.txt"),
        (CDX_JSON, "bom.cdx.xml"),
        (CDX_XML, "x.json"),
        (CDX_XML_1_1, "bom.spdx"),
        (SPDX_JSON, "bom.yaml"),
        (SPDX_YAML, "sbom.spdx.json"),
        (SPDX_YAML, "sbom.xml"),
        (SPDX_TV, "bom.txt"),
        (SPDX_TV, "sbom.json"),
        (SPDX_TV_2_2, "SBOM"),
    ],
)
def test_misleading_name_reads_as_what_the_content_is(
    shared_data: Path, tmp_path: Path, relative: str, misleading_name: str
) -> None:
    original = shared_data / relative
    copy = tmp_path / misleading_name
    shutil.copyfile(original, copy)

    document = read_sbom(copy, "shown-name")
    assert (document.format, document.encoding, document.spec_version) == _truth(original)
    # Nothing about the name changes the reading: the copy reads exactly as the original does.
    assert document == read_sbom(original, "shown-name")
    assert document.components  # and it is not an empty reading
    assert document.file == "shown-name"


def test_display_name_defaults_to_the_path_as_given(shared_data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "weird name.bin"
    shutil.copyfile(shared_data / CDX_JSON, copy)
    document = read_sbom(copy)
    assert document.file == str(copy)
    assert all(c.sources[0].file == str(copy) for c in document.components)


@pytest.mark.parametrize("relative", [CDX_JSON, CDX_XML, SPDX_JSON, SPDX_YAML, SPDX_TV])
def test_byte_order_mark_crlf_and_long_leading_blank_space(
    shared_data: Path, tmp_path: Path, relative: str
) -> None:
    """A UTF-8 BOM, CRLF line ends and kilobytes of leading blank lines hide nothing."""
    original = (shared_data / relative).read_bytes()
    # XML allows nothing before its `<?xml` declaration, so XML gets only the BOM and CRLF.
    blank = b"" if original.startswith(b"<?xml") else b"\r\n" * 3000
    crlf = original.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    padded = b"\xef\xbb\xbf" + blank + crlf
    copy = tmp_path / "bom"
    copy.write_bytes(padded)
    document = read_sbom(copy, "bom")
    reference = read_sbom(shared_data / relative, "bom")
    assert (document.format, document.encoding, document.spec_version) == _truth(
        shared_data / relative
    )
    assert [(c.name, c.version, c.purl) for c in document.components] == [
        (c.name, c.version, c.purl) for c in reference.components
    ]


@pytest.mark.parametrize(
    ("relative", "says"),
    [
        ("openvex-go-vex-testdata/pkg/vex/testdata/v0.2.0.json", "OpenVEX"),
        ("openvex-go-vex-testdata/pkg/vex/testdata/csaf.json", "CSAF"),
        ("golang-vulndb/data/osv/GO-2020-0001.json", "OSV"),
        ("cisa-kev/known_exploited_vulnerabilities.json", "no bomFormat or spdxVersion"),
    ],
)
def test_other_documents_named_like_sboms_are_refused_saying_what_they_are(
    shared_data: Path, tmp_path: Path, relative: str, says: str
) -> None:
    copy = tmp_path / "bom.cdx.json"
    shutil.copyfile(shared_data / relative, copy)
    with pytest.raises(InputError) as caught:
        read_sbom(copy, "bom.cdx.json")
    message = str(caught.value)
    assert message.startswith("bom.cdx.json: ") and "\n" not in message
    assert says in message
