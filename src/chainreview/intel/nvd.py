"""NVD CVE records, from the CVE API 2.0 shape or the legacy JSON 1.1 feed, as one record type.

Three inputs are read: an API 2.0 response page (`vulnerabilities[].cve`), a single API 2.0 CVE
object (one file per CVE, as fkie-cad/nvd-json-data-feeds lays them out), and a 1.1 feed
(`CVE_Items`). Both shapes normalise to `NvdCve`, whose applicability statements are a tree:
configurations → nodes → CPE matches. A 1.1 top-level node with `children` becomes a
configuration of those children; one without becomes a configuration of itself.

A CPE match whose criteria do not parse as a CPE is dropped with a warning at its JSON pointer;
the CVE is kept. A CVE without an id is rejected. NVD data is a US Government work in the public
domain; NVD asks users to show its notice (`NOTICE`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from chainreview.components.cpe import InvalidCpe, parse_cpe
from chainreview.intel._common import (
    Fields,
    Sink,
    head,
    iso_date,
    json_object,
    newest,
    pointer,
    read_json,
)
from chainreview.intel.interface import FeedData, FeedKind, IntelError

LICENCE: Final = "LicenseRef-US-Government-Public-Domain"
NOTICE: Final = (
    "This product uses data from the NVD API but is not endorsed or certified by the NVD."
)
"""The attribution NVD asks every user of its data to display."""

_CVE_ID: Final = re.compile(r"CVE-\d{4}-\d{4,}")
_VECTOR_VERSION: Final = re.compile(r"CVSS:(\d\.\d)/")
_METRIC_KEYS: Final = {
    "cvssMetricV2": "2.0",
    "cvssMetricV30": "3.0",
    "cvssMetricV31": "3.1",
    "cvssMetricV40": "4.0",
}
"""API 2.0 metric arrays and the CVSS version each holds."""
_V11_METRICS: Final = (("baseMetricV3", "cvssV3", "3"), ("baseMetricV2", "cvssV2", "2.0"))
"""1.1 `impact` entries, their CVSS data key, and the version assumed when nothing says."""
_PARTS: Final = frozenset("aoh")
"""CPE parts indexed: applications, operating systems (and firmware), hardware."""
_VERSION_BOUNDS: Final = (
    "versionStartIncluding",
    "versionStartExcluding",
    "versionEndIncluding",
    "versionEndExcluding",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CvssMetric:
    """One CVSS score of a CVE, by one scorer."""

    version: str
    """`2.0`, `3.0`, `3.1` or `4.0`."""
    vector: str
    base_score: float | None = None
    severity: str | None = None
    source: str | None = None
    """Who scored it, e.g. `nvd@nist.gov` or a CNA's id."""
    type: str | None = None
    """`Primary` (the NVD's own) or `Secondary` (a CNA's)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CpeMatch:
    """A CPE match criterion with its optional version range (NVD `cpeMatch`)."""

    criteria: str
    """The CPE 2.3 formatted string, as the NVD wrote it (checked with `parse_cpe`)."""
    vulnerable: bool
    version_start_including: str | None = None
    version_start_excluding: str | None = None
    version_end_including: str | None = None
    version_end_excluding: str | None = None
    match_criteria_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A node: its CPE matches combined with `operator`, the result negated when `negate`."""

    operator: str
    """`OR` or `AND`."""
    negate: bool = False
    cpe_matches: tuple[CpeMatch, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Configuration:
    """One applicability statement: its nodes combined with `operator` (AND: platform pairs)."""

    operator: str = "OR"
    negate: bool = False
    nodes: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """A reference URL with its source and the NVD's tags (`Patch`, `Vendor Advisory`, …)."""

    url: str
    source: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class NvdCve:
    """A CVE as the NVD describes it: scores, weaknesses, references and CPE applicability."""

    cve_id: str
    published: str | None = None
    """Timestamp as the NVD wrote it (2.0: `2022-11-01T18:15:10.983`; 1.1: `2022-01-18T17:15Z`)."""
    last_modified: str | None = None
    status: str | None = None
    """API 2.0 `vulnStatus` (`Analyzed`, `Modified`, `Rejected`, …); None in 1.1 feeds."""
    description: str = ""
    """The English description."""
    metrics: tuple[CvssMetric, ...] = ()
    cwes: tuple[str, ...] = ()
    """Weakness ids as written (`CWE-787`, also `NVD-CWE-Other`, `NVD-CWE-noinfo`)."""
    references: tuple[Reference, ...] = ()
    configurations: tuple[Configuration, ...] = ()

    @property
    def key(self) -> str:
        """The CVE id."""
        return self.cve_id

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Filed under `cve`, and under `cpe` as `vendor:product` of each vulnerable CPE match."""
        yield ("cve", self.cve_id)
        for vendor, product in sorted(vendor_products(self)):
            yield ("cpe", cpe_index_value(vendor, product))


def cpe_index_value(vendor: str, product: str) -> str:
    """The `cpe` index value: the CPE 2.3 formatted-string vendor and product, `busybox:busybox`."""
    return f"{vendor}:{product}"


def vendor_products(record: NvdCve) -> set[tuple[str, str]]:
    """The (vendor, product) pairs of the record's vulnerable CPE matches (parts a, o and h)."""
    return {
        (cpe.vendor, cpe.product)
        for configuration in record.configurations
        for node in configuration.nodes
        for match in node.cpe_matches
        if match.vulnerable
        for cpe in (parse_cpe(match.criteria),)
        if cpe.part in _PARTS
    }


def sniff(path: Path) -> bool:
    """True for an NVD API 2.0 page, a single API 2.0 CVE object, or a 1.1 feed."""
    data = head(path)
    if not data.lstrip().startswith(b"{"):
        return False
    return (
        b'"CVE_Items"' in data
        or (b'"format"' in data and b'"NVD_CVE"' in data)
        or (b'"sourceIdentifier"' in data and b'"descriptions"' in data)
    )


def read(path: Path, display: str) -> FeedData:
    """Read one NVD file (API 2.0 page, single API 2.0 CVE, or 1.1 feed)."""
    doc = json_object(read_json(path, display), display, "an NVD CVE document")
    sink = Sink(display)
    records: list[NvdCve] = []
    for where, item, convert in _candidates(doc, display):
        if not isinstance(item, dict):
            sink.reject(where, "not a CVE object")
            continue
        record = convert(Fields(item, where, sink))
        if record is not None:
            records.append(record)
    return FeedData(
        kind=FeedKind.NVD,
        source="nvd",
        records=tuple(records),
        warnings=sink.warnings(),
        rejected=sink.rejected(),
        newest=newest([iso_date(r.last_modified or r.published) for r in records]),
        licence=LICENCE,
        attribution=NOTICE,
    )


_Convert = Callable[[Fields], "NvdCve | None"]


def _candidates(doc: dict[str, Any], display: str) -> list[tuple[str, object, _Convert]]:
    """Each CVE object of the document with its pointer and the converter of its shape."""
    if isinstance(doc.get("CVE_Items"), list):
        return [(pointer("CVE_Items", i), item, _v11) for i, item in enumerate(doc["CVE_Items"])]
    if isinstance(doc.get("vulnerabilities"), list):
        pages = enumerate(doc["vulnerabilities"])
        return [(pointer("vulnerabilities", i, "cve"), _inner_cve(item), _v20) for i, item in pages]
    if "id" in doc and "descriptions" in doc:
        return [("", doc, _v20)]
    raise IntelError(display, "not an NVD CVE document: no CVE_Items, vulnerabilities or CVE id")


def _inner_cve(item: object) -> object:
    return item.get("cve") if isinstance(item, dict) else item


def _checked_id(cve_id: str | None, where: str, sink: Sink) -> str | None:
    if cve_id is None or not _CVE_ID.fullmatch(cve_id):
        sink.reject(where, f"no valid CVE id (got {cve_id!r})")
        return None
    return cve_id


def _english(entries: list[Fields]) -> str:
    texts = [entry.text("value") for entry in entries if entry.text("lang") in ("en", "en-US")]
    return next((text for text in texts if text), "")


def _unique(values: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


# --- API 2.0 -------------------------------------------------------------------------------


def _v20(cve: Fields) -> NvdCve | None:
    cve_id = _checked_id(cve.text("id"), cve.where, cve.sink)
    if cve_id is None:
        return None
    metrics = cve.at("metrics")
    return NvdCve(
        cve_id=cve_id,
        published=cve.text("published"),
        last_modified=cve.text("lastModified"),
        status=cve.text("vulnStatus"),
        description=_english(list(cve.objects("descriptions"))),
        metrics=tuple(
            _metric(entry, entry.at("cvssData"), version)
            for key, version in _METRIC_KEYS.items()
            for entry in metrics.objects(key)
        ),
        cwes=_unique(
            [
                text.text("value")
                for weakness in cve.objects("weaknesses")
                for text in weakness.objects("description")
            ]
        ),
        references=tuple(
            Reference(url=url, source=ref.text("source"), tags=ref.strings("tags"))
            for ref in cve.objects("references")
            for url in (ref.text("url"),)
            if url
        ),
        configurations=tuple(
            Configuration(
                operator=conf.text("operator") or "OR",
                negate=bool(conf.flag("negate")),
                nodes=tuple(_node(node, "cpeMatch", "criteria") for node in conf.objects("nodes")),
            )
            for conf in cve.objects("configurations")
        ),
    )


def _metric(entry: Fields, data: Fields, version: str) -> CvssMetric:
    """A metric; its version from `cvssData`, else from the vector's `CVSS:x.y/`, else `version`."""
    vector = data.text("vectorString") or ""
    prefix = _VECTOR_VERSION.match(vector)
    return CvssMetric(
        version=data.text("version") or (prefix[1] if prefix else version),
        vector=vector,
        base_score=data.number("baseScore"),
        severity=data.text("baseSeverity") or entry.text("baseSeverity") or entry.text("severity"),
        source=entry.text("source"),
        type=entry.text("type"),
    )


def _node(node: Fields, matches_key: str, criteria_key: str) -> Node:
    matches: list[CpeMatch] = []
    for match in node.objects(matches_key):
        criteria = match.text(criteria_key)
        where = f"{match.where}/{criteria_key}"
        try:
            parse_cpe(criteria or "")
        except InvalidCpe as exc:
            match.sink.warn(where, f"CPE match dropped: {exc}", "cpe")
            continue
        bounds = [match.text(key) for key in _VERSION_BOUNDS]
        matches.append(
            CpeMatch(
                criteria=criteria or "",
                vulnerable=bool(match.flag("vulnerable")),
                version_start_including=bounds[0],
                version_start_excluding=bounds[1],
                version_end_including=bounds[2],
                version_end_excluding=bounds[3],
                match_criteria_id=match.text("matchCriteriaId"),
            )
        )
    return Node(
        operator=node.text("operator") or "OR",
        negate=bool(node.flag("negate")),
        cpe_matches=tuple(matches),
    )


# --- legacy 1.1 feed -----------------------------------------------------------------------


def _v11(item: Fields) -> NvdCve | None:
    cve = item.at("cve")
    cve_id = _checked_id(cve.at("CVE_data_meta").text("ID"), item.where, item.sink)
    if cve_id is None:
        return None
    return NvdCve(
        cve_id=cve_id,
        published=item.text("publishedDate"),
        last_modified=item.text("lastModifiedDate"),
        description=_english(list(cve.at("description").objects("description_data"))),
        metrics=_v11_metrics(item.at("impact")),
        cwes=_unique(
            [
                text.text("value")
                for problem in cve.at("problemtype").objects("problemtype_data")
                for text in problem.objects("description")
            ]
        ),
        references=tuple(
            Reference(url=url, source=ref.text("refsource"), tags=ref.strings("tags"))
            for ref in cve.at("references").objects("reference_data")
            for url in (ref.text("url"),)
            if url
        ),
        configurations=tuple(
            _v11_configuration(n) for n in item.at("configurations").objects("nodes")
        ),
    )


def _v11_metrics(impact: Fields) -> tuple[CvssMetric, ...]:
    """1.1 feeds carry only the NVD's own scores."""
    return tuple(
        replace(_metric(entry, entry.at(data_key), version), source="nvd@nist.gov", type="Primary")
        for key, data_key, version in _V11_METRICS
        for entry in (impact.at(key),)
        if entry.value
    )


def _v11_configuration(node: Fields) -> Configuration:
    """A 1.1 top-level node: with `children` it is a configuration of them, else of itself."""
    children = list(node.objects("children"))
    own = _node(node, "cpe_match", "cpe23Uri")
    if not children:
        return Configuration(nodes=(own,))
    nodes = [_node(child, "cpe_match", "cpe23Uri") for child in children]
    return Configuration(
        operator=own.operator,
        negate=own.negate,
        nodes=(own, *nodes) if own.cpe_matches else tuple(nodes),
    )
