"""The version a matcher evaluates for a component, and what a reviewer must know of it.

The OSV and distro matchers take a component's version by the same rules, and say so on each
match as a `Caveat` (labels, and the same in words) wherever the version evaluated is not
simply the one the SBOM gives:

* **Version from the purl** (`version-from-purl`): when the component's version does not parse
  in its ecosystem but the purl's does, the purl's is evaluated. syft writes the Go standard
  library so: version `go1.19.1`, purl `pkg:golang/stdlib@1.19.1`.
* **Source version** of Debian and Ubuntu packages: their advisories (Debian's DSA/DLA lists,
  OSV's Debian and Ubuntu records) name source packages at source versions, so a binary package
  is evaluated at the source version its purl gives (`bsdutils@1:2.36.1-8+deb11u1?upstream=
  util-linux@2.36.1-8+deb11u1`: the epoch 1 is the binary's, not the source's), with a note.
  When the purl gives none, the binary's version stands in for it (`binary-version`).
* **Untagged Go pseudo-version** (`low-confidence`): `go` gives a commit with no tagged release
  below it the version `v0.0.0-<time>-<commit>`, and a build tool stamps the same form on a
  binary's own module built from any commit (syft does for a `(devel)` build: the main module
  of kube-apiserver 1.25.2 reads `v0.0.0-20220921142545-5835544ca568`). Version order puts it
  below every release. When the module's advisories name tagged releases only (no
  pseudo-version anywhere: none of them speaks of an untagged history) and releases of v1 or
  later among them, a match that rests on such a release as its upper bound (`fixed 1.25.11`)
  is labelled low-confidence with that reason; a match of a range open above (`introduced 0`
  and no fix) holds whatever the version. A dependency resolved by `go` at a commit older than
  the module's first tag is labelled too when those conditions hold: the label says the order
  cannot be trusted, not that the match is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from chainreview.components.model import Component
from chainreview.components.purl import Purl, source_package, source_version
from chainreview.components.versions import InvalidVersion, sort_key
from chainreview.intel.names import base_ecosystem
from chainreview.matches.model import Caveat

__all__ = [
    "BINARY_VERSION",
    "LOW_CONFIDENCE",
    "VERSION_FROM_PURL",
    "evaluated_version",
    "tagged_releases",
    "untagged_base",
    "untagged_pseudo_version",
]

VERSION_FROM_PURL: Final = "version-from-purl"
BINARY_VERSION: Final = "binary-version"
LOW_CONFIDENCE: Final = "low-confidence"

_SOURCE_VERSIONED: Final = frozenset({"Debian", "Ubuntu"})
"""Ecosystems whose advisories give source versions (purl type `deb`)."""
_NO_BASE: Final = re.compile(r"v?0\.0\.0-\d{14}-[0-9a-f]{12}")
"""A Go pseudo-version with no tagged base on a v0/v1 module path; a `/vN` module's
`vN.0.0-…` is a commit before its first vN tag, and ordered as it is."""
_PSEUDO: Final = re.compile(r"(?:^|[.-])\d{14}-[0-9a-f]{12}$")
"""Any Go pseudo-version (the three forms end so)."""


def evaluated_version(
    component: Component, purl: Purl, ecosystem: str
) -> tuple[str | None, Caveat | None]:
    """The version to evaluate `component` at in `ecosystem` and its caveat (module doc)."""
    version, purl_version = component.version, purl.version
    if not version:
        version = purl_version
    caveat = None
    if (
        version
        and purl_version
        and version != purl_version
        and not _parses(ecosystem, version)
        and _parses(ecosystem, purl_version)
    ):
        note = (
            f"version {version!r} does not parse as a {base_ecosystem(ecosystem)} version: "
            f"the purl's {purl_version!r} was evaluated"
        )
        version, caveat = purl_version, Caveat(labels=(VERSION_FROM_PURL,), notes=(note,))
    if version is None or base_ecosystem(ecosystem) not in _SOURCE_VERSIONED:
        return version, caveat
    source = source_version(purl)
    if source is None:
        note = (
            f"the purl gives no source version: the binary package's {version} was evaluated "
            f"as the source package {source_package(purl)}'s"
        )
        return version, Caveat(labels=(BINARY_VERSION,), notes=(note,)).joined(caveat)
    binary = component.version or purl_version
    if source == binary:
        return source, None
    note = (
        f"the source package's version given in the purl ({source_package(purl)} {source}) was "
        f"evaluated, not the binary package's {binary}"
    )
    return source, Caveat(notes=(note,))


def untagged_base(version: str) -> bool:
    """Whether a Go version is a pseudo-version with no tagged base (`v0.0.0-<time>-<commit>`)."""
    return _NO_BASE.fullmatch(version) is not None


def tagged_releases(events: Iterable[str]) -> tuple[str, str] | None:
    """The lowest and highest release a Go module's advisories name (`events`: their event
    versions) when they name tagged releases only, one of v1 or later among them; else None."""
    named = {e for e in events if e != "0"}
    if any(_PSEUDO.search(e) for e in named):
        return None
    tagged = sorted((e for e in named if _parses("Go", e)), key=lambda e: sort_key("Go", e))
    if not tagged or int(tagged[-1].lstrip("v").split(".")[0]) < 1:
        return None
    return tagged[0], tagged[-1]


def untagged_pseudo_version(name: str, version: str, releases: tuple[str, str]) -> Caveat:
    """The low-confidence caveat of module `name` at a `version` with no tagged base
    (`untagged_base`), whose advisories name the tagged `releases` (`tagged_releases`)."""
    note = (
        f"{version} is a Go pseudo-version with no tagged base, while the advisories of {name} "
        f"name tagged releases only, {releases[0]} to {releases[1]}: `go` gives that form to a "
        "commit with no release tagged below it, but a build tool stamps it on a binary's own "
        "module whatever commit that was built from, so where this build stands among those "
        "releases is unknown"
    )
    return Caveat(labels=(LOW_CONFIDENCE,), notes=(note,))


def _parses(ecosystem: str, version: str) -> bool:
    try:
        sort_key(ecosystem, version)
    except InvalidVersion:
        return False
    return True
