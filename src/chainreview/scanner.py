"""Scanning one product's SBOMs as a library call, against an open intel snapshot.

`Scanner(snapshot)` holds the matchers of one snapshot and scans as many products as asked:
`scan(sboms, vex=…, ignore=…)` reads and merges the SBOMs, reads the VEX documents and the ignore
file, matches, applies VEX and ignore entries (`findings.scan`) and returns a `Scan`: the
report every output format renders (coverage included) and the inventory it came from;
`scan_inventory` does the same for an inventory already read (a portfolio's products). It never
prints, exits or changes process-wide state; the CLI adds what a short-lived process may (a
paused garbage collector, no interpreter teardown). A scanner belongs to the thread that opened
its snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from chainreview.components.model import Inventory
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.vex import VexStatement, read_vex
from chainreview.findings.scan import ScanReport, ScanResult, matchers_for, scan
from chainreview.findings.suppressed import SuppressionSource
from chainreview.intel.snapshot import Snapshot
from chainreview.matches.interface import Matcher
from chainreview.progress import Progress, silent

__all__ = ["Scan", "Scanner"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """One product scanned: the report, the merged inventory it describes, and its date."""

    report: ScanReport
    inventory: Inventory
    as_of: date
    """The scan's date: ignore entries expire against it, and the VEX a scan is written as
    (`formats`) is dated by it, never by the clock."""


class Scanner:
    """Scans SBOMs against one open snapshot (see the module doc)."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        matchers: Sequence[Matcher[ScanResult]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`matchers` replace the default ones (OSV by purl, CPE, distro); `clock` gives the
        day ignore entries expire against."""
        self._snapshot = snapshot
        self._matchers = tuple(matchers) if matchers is not None else matchers_for(snapshot)
        self._clock = clock

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot scanned against."""
        return self._snapshot

    @property
    def matchers(self) -> tuple[Matcher[ScanResult], ...]:
        """The matchers every scan runs, in order."""
        return self._matchers

    def scan(
        self,
        sboms: Sequence[Path],
        *,
        vex: Sequence[Path] = (),
        ignore: Path | None = None,
        today: date | None = None,
        progress: Progress = silent,
    ) -> Scan:
        """Scan the SBOMs of one product (files are named by their path as given); `progress`
        hears of each file read and each stage of the scan; `today` is the scan's date (default:
        today by the scanner's clock)."""
        day = today or self._clock().date()
        read = []
        for done, path in enumerate(sboms):
            progress("Reading SBOMs", done, len(sboms))
            read.append(read_sbom(path, str(path), validate=False))
        progress("Reading SBOMs", len(sboms), len(sboms))
        inventory = merge_documents(read)
        documents = []
        for done, path in enumerate(vex):
            progress("Reading VEX", done, len(vex))
            documents.append(read_vex(path, str(path)))
        suppressions = None
        if ignore is not None:  # the ignore-file reader (and tomllib) loads only for one
            from chainreview.findings.suppressions import load_ignore_file

            suppressions = load_ignore_file(ignore, str(ignore))
        report = self.scan_inventory(
            inventory,
            vex_files=[str(p) for p in vex],
            statements=[s for d in documents for s in d.statements],
            suppressions=suppressions,
            today=day,
            progress=progress,
        )
        return Scan(report=report, inventory=inventory, as_of=day)

    def scan_inventory(
        self,
        inventory: Inventory,
        *,
        vex_files: Sequence[str] = (),
        statements: Sequence[VexStatement] = (),
        suppressions: SuppressionSource | None = None,
        today: date | None = None,
        progress: Progress = silent,
    ) -> ScanReport:
        """Scan an inventory already read (one product's merged SBOMs), with the VEX statements
        and ignore entries given, on `today` (default: today by the scanner's clock); see
        `findings.scan.scan`."""
        return scan(
            inventory,
            self._matchers,
            self._snapshot,
            snapshot=self._snapshot.hash,
            vex_files=vex_files,
            statements=statements,
            suppressions=suppressions,
            today=today or self._clock().date(),
            progress=progress,
        )
