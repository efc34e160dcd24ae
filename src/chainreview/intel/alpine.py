"""Alpine Linux security database (secdb): which package release fixed which CVEs.

One secdb file covers one branch and repository (`distroversion` `v3.16`, `reponame` `main`); each
package lists `secfixes`, a map from the release that fixed something to the ids it fixed. One
record is made per (branch, repository, package, fixed release). A fixed release of `0` means
the package was never affected. Ids are kept as written; CVE ids are also picked out (`CVE_…`
typos accepted). secdb data is CC-BY-SA-4.0 (Alpine Linux).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview.intel._common import (
    Fields,
    Sink,
    first_of_each_key,
    head,
    json_object,
    pointer_join,
    read_json,
)
from chainreview.intel.interface import FeedData, FeedKind, IntelError, package_key

LICENCE: Final = "CC-BY-SA-4.0"
ATTRIBUTION: Final = "Alpine Linux security database (secdb), https://secdb.alpinelinux.org/"

NOT_AFFECTED: Final = "0"
"""The `secfixes` release that means the package was never affected."""
_CVE: Final = re.compile(r"CVE[-_](\d{4})-(\d{4,})")
_BRANCH: Final = re.compile(r"v\d+\.\d+|edge")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlpineFix:
    """The ids one release of an Alpine package fixed (or, at release `0`, was never hit by)."""

    ecosystem: str
    """OSV ecosystem, `Alpine:v3.16` (`Alpine:edge` for edge)."""
    repository: str
    """`main` or `community`."""
    package: str
    """Origin (source) package name."""
    fixed_version: str
    """The apk release that carries the fix; `0` means not affected."""
    ids: tuple[str, ...]
    """Every id as secdb writes it (CVE, XSA, GHSA, …)."""
    cves: tuple[str, ...]
    """The CVE ids among `ids`, normalised to `CVE-YYYY-N`."""

    @property
    def key(self) -> str:
        """`<ecosystem>/<repository>/<package>@<fixed_version>`."""
        return f"{self.ecosystem}/{self.repository}/{self.package}@{self.fixed_version}"

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Filed under `package` as `<ecosystem>/<origin package>` (name as `names` keys it)."""
        yield ("package", package_key(self.ecosystem, self.package))

    @property
    def not_affected(self) -> bool:
        """True when secdb says the package was never affected (`0`)."""
        return self.fixed_version == NOT_AFFECTED


def sniff(path: Path) -> bool:
    """True for a secdb JSON file."""
    data = head(path)
    return data.lstrip().startswith(b"{") and all(
        field in data for field in (b'"distroversion"', b'"reponame"', b'"packages"')
    )


def read(path: Path, display: str) -> FeedData:
    """Read one secdb file (one branch, one repository)."""
    doc = Fields(
        json_object(read_json(path, display), display, "an Alpine secdb file"), "", Sink(display)
    )
    branch, repository = doc.text("distroversion"), doc.text("reponame")
    if branch is None or not _BRANCH.fullmatch(branch) or not repository:
        raise IntelError(
            display, "not an Alpine secdb file: needs distroversion (vN.N) and reponame"
        )
    ecosystem = f"Alpine:{branch}"
    fixes: list[tuple[str, AlpineFix]] = []
    for entry in doc.objects("packages"):
        package = entry.at("pkg")
        name = package.text("name")
        if not name:
            doc.sink.reject(package.where, "a package needs a name")
            continue
        for version, ids in package.obj("secfixes").items():
            where = pointer_join(package.where, "secfixes", version)
            kept = _ids(ids, where, doc.sink)
            if kept is not None:
                fix = AlpineFix(
                    ecosystem=ecosystem,
                    repository=repository,
                    package=name,
                    fixed_version=version,
                    ids=kept,
                    cves=_cves(kept),
                )
                fixes.append((where, fix))
    return FeedData(
        kind=FeedKind.DISTRO,
        source=f"alpine:{branch}/{repository}",
        records=first_of_each_key(fixes, doc.sink),
        warnings=doc.sink.warnings(),
        rejected=doc.sink.rejected(),
        licence=LICENCE,
        attribution=ATTRIBUTION,
    )


def _cves(ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f"CVE-{y}-{n}" for text in ids for y, n in _CVE.findall(text)))


def _ids(value: object, where: str, sink: Sink) -> tuple[str, ...] | None:
    """The ids of one `secfixes` entry; None (rejected) when it is not a list of strings."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        sink.reject(where, "secfixes entry must be a list of id strings")
        return None
    ids = tuple(item.strip() for item in value if item.strip())
    if not ids:
        sink.warn(where, "secfixes entry lists no ids")
    return ids
