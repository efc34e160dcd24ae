"""Per-ecosystem version parsing and ordering for the vulnerability matcher (DESIGN §4).

`sort_key(ecosystem, version)` parses a version once into a hashable, totally ordered tuple;
keys of one ecosystem compare with the ordinary operators, keys of different schemes must not be
mixed.  `compare` is the three-way comparison on top of it.  The ecosystem is the OSV ecosystem
string; only its base name (before the first `:`) selects the scheme, so `Debian:12`,
`Alpine:v3.16` and `Red Hat:enterprise_linux:9::appstream` work.  `SEMVER` is OSV's SEMVER range
type.

Schemes and their references:

- PyPI: PEP 440 (`packaging`), plus setuptools' legacy ordering (`pep440`).
- SEMVER, npm, crates.io, Go, Hex, SwiftURL, Bitnami, Julia, Kubernetes: SemVer 2.0.0 (`semver`).
- Pub: Dart `pub_semver` (`semver.parse_pub`).
- Maven: POM reference "Version Order Specification" (`maven`).
- NuGet: `NuGetVersion` (`nuget`).  RubyGems: `Gem::Version` (`rubygems`).
- Packagist: PHP `version_compare` (`packagist`).
- Debian, Ubuntu: dpkg `verrevcmp` (`dpkg`).
- Alpine, Wolfi, Chainguard, MinimOS, Alpaquita, BellSoft Hardened Containers: apk-tools (`apk`).
- Red Hat, Rocky Linux, AlmaLinux, openSUSE, SUSE, Mageia, Photon OS, openEuler, Azure Linux:
  rpm `rpmvercmp` (`rpm`).
- CRAN, Bioconductor: R `package_version`; Hackage, GHC: Haskell PVP (`numeric`).

Every scheme refuses empty strings, strings over 256 characters and strings with whitespace or
control characters; docs/version-divergences.md lists where we knowingly differ from a reference.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from chainreview.components.versions._common import (
    MAX_VERSION_CHARS,
    InvalidVersion,
    Key,
    Parser,
)
from chainreview.components.versions.apk import parse_apk
from chainreview.components.versions.dpkg import parse_dpkg
from chainreview.components.versions.generic import parse_generic
from chainreview.components.versions.maven import parse_maven
from chainreview.components.versions.nuget import parse_nuget
from chainreview.components.versions.numeric import parse_cran, parse_hackage
from chainreview.components.versions.packagist import parse_packagist
from chainreview.components.versions.pep440 import parse_pypi
from chainreview.components.versions.rpm import parse_rpm
from chainreview.components.versions.rubygems import parse_rubygems
from chainreview.components.versions.semver import parse_pub, parse_semver

__all__ = ["MAX_VERSION_CHARS", "InvalidVersion", "Key", "compare", "sort_key", "supported"]


def _family(parser: Parser, *ecosystems: str) -> dict[str, Parser]:
    return dict.fromkeys(ecosystems, parser)


_SCHEMES: Final[dict[str, Parser]] = {
    **_family(parse_pypi, "PyPI"),
    **_family(
        parse_semver,
        "SEMVER", "npm", "crates.io", "Go", "Hex", "SwiftURL", "Bitnami", "Julia", "Kubernetes",
    ),
    **_family(parse_pub, "Pub"),
    **_family(parse_maven, "Maven"),
    **_family(parse_nuget, "NuGet"),
    **_family(parse_rubygems, "RubyGems"),
    **_family(parse_packagist, "Packagist"),
    **_family(parse_dpkg, "Debian", "Ubuntu"),
    **_family(
        parse_apk,
        "Alpine", "Wolfi", "Chainguard", "MinimOS", "Alpaquita", "BellSoft Hardened Containers",
    ),
    **_family(
        parse_rpm,
        "Red Hat", "Rocky Linux", "AlmaLinux", "openSUSE", "SUSE", "Mageia", "Photon OS",
        "openEuler", "Azure Linux",
    ),
    **_family(parse_cran, "CRAN", "Bioconductor"),
    **_family(parse_hackage, "Hackage", "GHC"),
    **_family(parse_generic, "CPE"),  # pseudo-ecosystem: CPE and NVD versions (`generic`)
}  # fmt: skip


def _scheme(ecosystem: str) -> Parser:
    parser = _SCHEMES.get(ecosystem.split(":", 1)[0])
    if parser is None:
        raise InvalidVersion(f"no version ordering for ecosystem {ecosystem!r}")
    return parser


_SPACE: Final = re.compile(r"\s")


def _check_text(version: str) -> None:
    if not version:
        raise InvalidVersion("empty version")
    if len(version) > MAX_VERSION_CHARS:
        raise InvalidVersion(f"version longer than {MAX_VERSION_CHARS} characters")
    if not version.isprintable() or _SPACE.search(version):
        raise InvalidVersion(f"version contains whitespace or control characters: {version!r}")


def supported(ecosystem: str) -> bool:
    """Whether versions of this OSV ecosystem (suffix allowed) can be ordered."""
    return ecosystem.split(":", 1)[0] in _SCHEMES


@lru_cache(maxsize=1 << 16)
def sort_key(ecosystem: str, version: str) -> Key:
    """Parse `version` under `ecosystem`'s scheme into a totally ordered, hashable key.

    Raises `InvalidVersion` (one-line message) for an unsupported ecosystem or a version the
    scheme cannot parse.  Keys are only comparable with keys of the same scheme.
    """
    parser = _scheme(ecosystem)
    _check_text(version)
    return parser(version)


def compare(ecosystem: str, a: str, b: str) -> int:
    """Three-way comparison of two versions of one ecosystem: -1, 0 or 1."""
    key_a = sort_key(ecosystem, a)
    key_b = sort_key(ecosystem, b)
    return (key_a > key_b) - (key_a < key_b)
