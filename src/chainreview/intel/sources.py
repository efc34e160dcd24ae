"""The official download locations `intel sync` fetches, and how their base URLs are configured.

Each `Source` has a name (used by `--only` and `--base-url NAME=URL`), the feed kind its files
hold, a default base URL as its publisher documents it, and the paths under that base. The NVD
source is an API (paged by `startIndex`/`resultsPerPage`) rather than files.

A base URL is chosen, first match wins:

1. `--base-url NAME=URL` on the command line;
2. `[base_url]` `NAME = "URL"` in `$CHAINREVIEW_HOME/sources.toml`;
3. a mirror root — `$CHAINREVIEW_SYNC_BASE`, else `mirror = "URL"` in `sources.toml` — under
   which each source lives in a folder of its name: `<root>/osv/PyPI/all.zip`,
   `<root>/kev/known_exploited_vulnerabilities.json`, `<root>/nvd` (the API), …;
4. the default below.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview.errors import InputError
from chainreview.intel.interface import FeedKind

MIRROR_ENV: Final = "CHAINREVIEW_SYNC_BASE"
"""Environment variable naming a mirror root that every source is fetched under."""

CONFIG_FILE: Final = "sources.toml"
"""The sources configuration file in `$CHAINREVIEW_HOME`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One official feed location."""

    name: str
    kind: FeedKind
    base_url: str
    """The publisher's default base URL (no trailing slash)."""
    paths: tuple[str, ...] = ()
    """File paths under the base; `{ecosystem}` and `{branch}` expand per OSV ecosystem and
    Alpine branch. Empty for the NVD API, which is the base URL itself."""
    description: str

    @property
    def is_api(self) -> bool:
        """Whether the source is the paged NVD API rather than files."""
        return not self.paths

    def files(self, ecosystems: Sequence[str], branches: Sequence[str]) -> tuple[str, ...]:
        """The file paths to fetch, with `{ecosystem}` and `{branch}` expanded (URL-quoted)."""
        out: list[str] = []
        for template in self.paths:
            if "{ecosystem}" in template:
                out.extend(template.format(ecosystem=_segment(e, "ecosystem")) for e in ecosystems)
            elif "{branch}" in template:
                out.extend(template.format(branch=_segment(b, "Alpine branch")) for b in branches)
            else:
                out.append(template)
        return tuple(out)


SOURCES: Final[tuple[Source, ...]] = (
    Source(
        name="osv",
        kind=FeedKind.OSV,
        base_url="https://osv-vulnerabilities.storage.googleapis.com",
        paths=("{ecosystem}/all.zip",),
        description="OSV data dumps, one all.zip per ecosystem (osv.dev)",
    ),
    Source(
        name="kev",
        kind=FeedKind.KEV,
        base_url="https://www.cisa.gov/sites/default/files/feeds",
        paths=("known_exploited_vulnerabilities.json",),
        description="CISA Known Exploited Vulnerabilities catalogue (JSON)",
    ),
    Source(
        name="epss",
        kind=FeedKind.EPSS,
        base_url="https://epss.empiricalsecurity.com",
        paths=("epss_scores-current.csv.gz",),
        description="FIRST EPSS scores, daily CSV (formerly served from epss.cyentia.com)",
    ),
    Source(
        name="nvd",
        kind=FeedKind.NVD,
        base_url="https://services.nvd.nist.gov/rest/json/cves/2.0",
        description="NVD CVE API 2.0 (paged; incremental by lastModStartDate/lastModEndDate)",
    ),
    Source(
        name="ofac-sdn",
        kind=FeedKind.SANCTIONS,
        base_url="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports",
        paths=("SDN.CSV",),
        description="OFAC Specially Designated Nationals list (legacy CSV)",
    ),
    Source(
        name="csl",
        kind=FeedKind.SANCTIONS,
        base_url="https://data.trade.gov/downloadable_consolidated_screening_list/v1",
        paths=("consolidated.json",),
        description="US Consolidated Screening List (trade.gov, JSON)",
    ),
    Source(
        name="alpine",
        kind=FeedKind.DISTRO,
        base_url="https://secdb.alpinelinux.org",
        paths=("{branch}/main.json", "{branch}/community.json"),
        description="Alpine Linux security database (secdb), per branch and repository",
    ),
)
"""Every source `intel sync` knows, in the order they are fetched."""

DEFAULT_ECOSYSTEMS: Final = (
    "PyPI",
    "npm",
    "Go",
    "crates.io",
    "Maven",
    "NuGet",
    "RubyGems",
    "Packagist",
)
"""OSV ecosystems fetched without `--ecosystem`: those whose versions the matcher compares."""

DEFAULT_ALPINE_BRANCHES: Final = ("v3.19", "v3.20", "v3.21", "edge")
"""Alpine branches fetched when `--alpine-branch` is not given."""


def by_name(name: str) -> Source:
    """Return the source called `name` (an `InputError` lists the known names)."""
    for source in SOURCES:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in SOURCES)
    raise InputError(name, f"unknown intel source; known sources: {known}")


def base_urls(
    home: Path,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Resolve the base URL of every source (see the module doc for the order)."""
    environ = os.environ if environ is None else environ
    config = _read_config(home / CONFIG_FILE)
    configured = config.get("base_url", {})
    if not isinstance(configured, dict):
        raise InputError(str(home / CONFIG_FILE), "[base_url] must be a table of NAME = URL")
    mirror = environ.get(MIRROR_ENV) or config.get("mirror")
    if mirror is not None and not isinstance(mirror, str):
        raise InputError(str(home / CONFIG_FILE), "mirror must be a URL string")
    explicit = {**configured, **(overrides or {})}
    for name, url in explicit.items():
        by_name(name)
        if not isinstance(url, str):
            raise InputError(name, "a base URL must be a string")
    resolved: dict[str, str] = {}
    for source in SOURCES:
        if source.name in explicit:
            url = explicit[source.name]
        elif mirror:
            url = f"{mirror.rstrip('/')}/{source.name}"
        else:
            url = source.base_url
        resolved[source.name] = checked_url(url, source.name).rstrip("/")
    return resolved


def checked_url(url: str, what: str) -> str:
    """Return `url` when it is an absolute http(s) URL, else raise `InputError`."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(what, f"base URL must be an absolute http(s) URL, got {url!r}")
    return url


def parse_override(text: str) -> tuple[str, str]:
    """Split a `NAME=URL` command-line value, checking the name and the URL."""
    name, equals, url = text.partition("=")
    if not equals:
        raise InputError(text, "expected NAME=URL")
    return by_name(name.strip()).name, checked_url(url.strip(), name.strip())


def _segment(value: str, what: str) -> str:
    if not value or value in (".", "..") or "/" in value or "\\" in value:
        raise InputError(value, f"not a valid {what} name")
    return urllib.parse.quote(value, safe="")


def _read_config(path: Path) -> dict[str, object]:
    import tomllib  # only `intel sync` reads the file; the CLI imports this module at start-up

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), f"not valid TOML: {exc}") from exc
