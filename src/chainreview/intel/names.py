"""Package names as the intel index keys them: one normalisation, shared by import and lookup.

The index maps (ecosystem, normalised name) to advisories, and the matcher looks up with the same
function, so a name written `Django` in an SBOM and `django` in an advisory meet. A name is only
folded where the ecosystem itself treats the variants as one package:

* PyPI — PEP 503: lower case, each run of `-`, `_` and `.` becomes one `-`.
* crates.io — crate names are unique ignoring case and `-`/`_` (crates.io refuses a crate that
  differs from an existing one only so): lower case, `_` → `-`.
* NuGet, Packagist, Pub, Hex, GitHub Actions, Hackage — lower case (case-insensitive registries,
  or names that the registry only allows in lower case).
* Debian, Ubuntu, Alpine, Wolfi, Chainguard — lower case (policy allows only lower-case names).
* Everything else is kept exactly: npm (legacy mixed-case names are distinct packages), Go and
  Kubernetes module paths (case-sensitive), Maven `groupId:artifactId`, RubyGems, and the rest.

The ecosystem is taken without its `:suffix` (`Debian:11` → `Debian`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

_PEP503_RUN: Final = re.compile(r"[-_.]+")
_LOWER_CASE: Final = frozenset(
    {"NuGet", "Packagist", "Pub", "Hex", "GitHub Actions", "Hackage"}
    | {"Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard"}
)


def base_ecosystem(ecosystem: str) -> str:
    """Return the ecosystem without its release or repository suffix: `Alpine:v3.16` → `Alpine`."""
    return ecosystem.partition(":")[0]


@lru_cache(maxsize=1 << 14)
def normalise_name(ecosystem: str, name: str) -> str:
    """Return `name` as the index keys it in `ecosystem` (with or without a `:suffix`); cached,
    as every version of a package in an SBOM asks again."""
    base = base_ecosystem(ecosystem)
    if base == "PyPI":
        return _PEP503_RUN.sub("-", name).lower()
    if base == "crates.io":
        return name.lower().replace("_", "-")
    if base in _LOWER_CASE:
        return name.lower()
    return name
