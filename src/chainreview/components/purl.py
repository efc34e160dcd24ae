"""Package URLs (purl): parse, build, normalise, and map a purl to its OSV ecosystem.

A `Purl` holds decoded, normalised components; `str(purl)` is the canonical purl string
(ECMA-427 / package-url/purl-spec).  `packageurl-python` splits the string (a plain purl, the
usual case, is split by `_split_plain` the same way without it); the per-type
normalisation, validation and the canonical rendering are ours, because packageurl diverges
from the current spec in places (it lower-cases npm names, strips whitespace, accepts `_` in
types, accepts duplicate qualifier keys).  Where the spec suites disagree with each other we
follow the current `tests/` suite; see docs/purl-divergences.md.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final
from urllib.parse import quote, unquote

from chainreview.limits import MAX_STRING_CHARS

__all__ = [
    "OS_ECOSYSTEMS",
    "InvalidPurl",
    "Purl",
    "build_purl",
    "osv_ecosystem",
    "osv_package_name",
    "parse_purl",
    "source_package",
    "source_version",
]


class InvalidPurl(ValueError):
    """A string or set of components that is not a valid purl; `str(e)` is one line."""


@dataclass(frozen=True, slots=True)
class Purl:
    """A normalised package URL with decoded components.

    Build one with `parse_purl` or `build_purl`: they validate and normalise; the constructor
    does neither.  `qualifiers` is a tuple of `(key, value)` pairs sorted by key.
    """

    type: str
    namespace: str | None
    name: str
    version: str | None = None
    qualifiers: tuple[tuple[str, str], ...] = ()
    subpath: str | None = None

    def __str__(self) -> str:
        """Return the canonical purl string."""
        return _render(self)

    def qualifier(self, key: str) -> str | None:
        """Return the value of qualifier `key`, or None when absent."""
        for k, value in self.qualifiers:
            if k == key:
                return value
        return None


# --- per-type rules (purl-spec types/*-definition.json) -------------------------------------

_LOWER_NAMESPACE: Final = frozenset(
    {"alpm", "apk", "bitbucket", "brew", "composer", "deb", "github", "hex", "luarocks"}
    | {"qpkg", "rpm", "vscode-extension", "yocto", "alpine"}
)
_LOWER_NAME: Final = frozenset(
    {"alpm", "apk", "bitbucket", "bitnami", "brew", "chrome-extension", "composer", "deb"}
    | {"github", "hex", "luarocks", "oci", "otp", "pub", "pypi", "vscode-extension", "alpine"}
)
_LOWER_VERSION: Final = frozenset({"huggingface", "oci", "pypi", "vscode-extension"})
# golang is "required" in the spec, but one-segment module paths (go.opencensus.io) are real and
# syft writes them as pkg:golang/go.opencensus.io, so golang is left out on purpose.
_NAMESPACE_REQUIRED: Final = frozenset(
    {"alpm", "apk", "bitbucket", "composer", "deb", "git", "github", "huggingface", "maven"}
    | {"qpkg", "rpm", "swift", "vscode-extension"}
)
_NAMESPACE_PROHIBITED: Final = frozenset(
    {"bazel", "bitnami", "cargo", "chrome-extension", "cocoapods", "conda", "cran", "gem"}
    | {"hackage", "julia", "mlflow", "nuget", "oci", "opam", "otp", "pub", "pypi", "vcpkg"}
)
_REQUIRED_QUALIFIERS: Final[Mapping[str, tuple[str, ...]]] = {
    "julia": ("uuid",),
    "swid": ("tag_id",),
}
_NAME_PATTERNS: Final[Mapping[str, re.Pattern[str]]] = {
    "chrome-extension": re.compile(r"[a-p]{32}"),
}
_VERSION_PATTERNS: Final[Mapping[str, re.Pattern[str]]] = {
    "chrome-extension": re.compile(r"\d+(?:\.\d+){0,3}"),
}

_TYPE_RE: Final = re.compile(r"[a-z][a-z0-9.\-]*")
_KEY_RE: Final = re.compile(r"[a-z][a-z0-9.\-_]*")
_PUB_NAME_RE: Final = re.compile(r"[^a-z0-9]")
_PLAIN_TYPE_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*")
_URL_SCHEME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
"""What `urlsplit` takes for a scheme: a purl whose path starts so goes the general way."""
_SAFE: Final = ":"  # never percent-encoded; quote() keeps ASCII letters, digits and "-._~"
_UNENCODED: Final = string.ascii_letters + string.digits + "-._~" + _SAFE
"""Every character `quote(…, safe=_SAFE)` leaves as it is."""
_DROPPED_SEGMENTS: Final = frozenset({"", ".", ".."})


def parse_purl(text: str) -> Purl:
    """Parse a purl string into a normalised `Purl`; raise `InvalidPurl` when it is not one."""
    if len(text) > MAX_STRING_CHARS:
        raise InvalidPurl(f"purl longer than {MAX_STRING_CHARS} characters")
    return _parse_cached(text)


def build_purl(
    type: str | None,
    namespace: str | None,
    name: str | None,
    version: str | None = None,
    qualifiers: Mapping[str, str] | None = None,
    subpath: str | None = None,
) -> Purl:
    """Build a normalised `Purl` from decoded components; raise `InvalidPurl` when invalid."""
    segments = (namespace or "").strip("/").split("/")
    return _normalise(
        type or "",
        segments,
        (name or "").strip("/"),
        version,
        (qualifiers or {}).items(),
        (subpath or "").split("/"),
    )


@lru_cache(maxsize=32768)
def _parse_cached(text: str) -> Purl:
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() != "pkg":
        raise InvalidPurl(f"not a purl (no 'pkg:' scheme): {_clip(text)}")
    split = _split_plain(rest)
    if split is None:
        if _has_empty_name(rest):
            raise InvalidPurl(f"invalid purl {_clip(text)}: the name before '@' is empty")
        return _parse_packageurl(text, rest)
    ptype, namespace, name, version, pairs, subpath = split
    try:
        return _normalise(
            ptype,
            _decoded(namespace),
            unquote(name) if "%" in name else name,
            (unquote(version) if "%" in version else version) or None,
            pairs,
            _decoded(subpath),
        )
    except InvalidPurl as exc:
        raise InvalidPurl(f"invalid purl {_clip(text)}: {exc}") from None


def _parse_packageurl(text: str, rest: str) -> Purl:
    """The general path: packageurl-python splits `pkg:<rest>`, our rules do the rest."""
    from packageurl import PackageURL  # loaded by the first purl `_split_plain` leaves to it

    try:
        raw = PackageURL.from_string("pkg:" + rest, normalize_purl=False)
    except ValueError as exc:
        raise InvalidPurl(f"invalid purl {_clip(text)}: {_clip(str(exc), 160)}") from None
    try:
        return _normalise(
            raw.type,
            _decoded_segments(raw.namespace or ""),
            unquote(raw.name),
            unquote(raw.version) if raw.version else None,
            _query_pairs(rest),
            _decoded_segments(raw.subpath or ""),
        )
    except InvalidPurl as exc:
        raise InvalidPurl(f"invalid purl {_clip(text)}: {exc}") from None


def _has_empty_name(rest: str) -> bool:
    """True for `type/namespace/@version`: the spec suites reject it, packageurl does not."""
    path = rest.partition("#")[0].partition("?")[0]
    before, at, version = path.rpartition("@")
    return bool(at) and "/" not in version and before.endswith("/")


def _query_pairs(rest: str) -> list[tuple[str, str]]:
    """Decoded qualifier pairs in order; packageurl's dict would hide a repeated key."""
    query = rest.partition("#")[0].partition("?")[2]
    pairs = (item.partition("=") for item in query.split("&") if item)
    return [(key, unquote(value)) for key, _, value in pairs]


def _decoded_segments(encoded: str) -> list[str]:
    return _decoded(encoded.split("/"))


def _decoded(encoded: list[str]) -> list[str]:
    segments = [unquote(s) if "%" in s else s for s in encoded]
    for segment in segments:
        if "/" in segment:
            raise InvalidPurl("a namespace or subpath segment contains an encoded '/'")
    return segments


_Split = tuple[str, list[str], str, str, list[tuple[str, str]], list[str]]


def _split_plain(rest: str) -> _Split | None:
    """Split a plain purl (after `pkg:`) exactly as `PackageURL.from_string` would, or give None.

    packageurl-python stays the splitter of record (`_parse_packageurl`); this shortcut only
    takes the shape nearly every SBOM writes: printable ASCII without spaces, a letter-first
    type, no `scheme:` or `//` that `urlsplit` would read as URL parts, a name before any `@`
    (`_has_empty_name` is false) and well-formed qualifiers.  On such a string every `strip`,
    `lstrip` and `urlsplit` step of `from_string` changes nothing, so the split below is the
    same one.  Anything else, including every string packageurl would refuse, gives None and
    takes the general path, which also words the error.

    Returns (type, encoded namespace segments, encoded name, encoded version, decoded qualifier
    pairs, encoded subpath segments), what `_parse_packageurl` hands on to `_normalise`.
    tests/components/test_purl.py checks both paths agree on every purl of the purl-spec suites
    and of the real SBOMs in the shared data, and on generated ones.
    """
    if not rest.isascii() or not rest.isprintable() or " " in rest:
        return None
    ptype, slash, remainder = rest.partition("/")
    if not slash or not _PLAIN_TYPE_RE.fullmatch(ptype):
        return None
    if remainder.startswith("/") or _URL_SCHEME_RE.match(remainder):
        return None
    head, _, subpath = remainder.partition("#")
    path, _, query = head.partition("?")
    before, at, version = path.rpartition("@")
    if at and "/" not in version and (not before or before.endswith("/")):
        return None  # `_has_empty_name(rest)`: rest's path is "<type>/<path>"
    scope = ""
    if path.startswith("@") and ptype.lower() == "npm":
        scope, _, path = path.partition("/")
        before, at, version = path.rpartition("@")
    if not at:
        before, version = version, ""
    parts = [s for s in before.split("/") if s]
    if scope:
        if len(parts) != 1:
            return None
        namespace = [scope]
    elif parts:
        namespace = parts[:-1] or [""]
    else:
        return None
    pairs: list[tuple[str, str]] = []
    if query:
        for item in query.split("&"):
            key, equals, value = item.partition("=")
            if not equals or not _KEY_RE.fullmatch(key.lower()):
                return None
            pairs.append((key, unquote(value)))
    return ptype, namespace, parts[-1], version, pairs, subpath.split("/")


def _normalise(
    ptype: str,
    namespace: Iterable[str],
    name: str,
    version: str | None,
    qualifiers: Iterable[tuple[str, str]],
    subpath: Iterable[str],
) -> Purl:
    ptype = ptype.lower()
    if not _TYPE_RE.fullmatch(ptype):
        raise InvalidPurl(f"type {ptype!r} must start with a letter and use only a-z 0-9 . -")
    quals = _normalise_qualifiers(qualifiers)
    if ptype == "git":
        namespace, name = _git_host_and_path(namespace, name)
    purl = Purl(
        type=ptype,
        namespace=_normalise_namespace(ptype, namespace),
        name=_normalise_name(ptype, name, quals),
        version=_normalise_version(ptype, version),
        qualifiers=quals,
        subpath="/".join([s for s in subpath if s not in _DROPPED_SEGMENTS]) or None,
    )
    _check_type_rules(purl)
    return purl


def _git_host_and_path(segments: Iterable[str], name: str) -> tuple[list[str], str]:
    """git purls: the namespace is the host, the name is the whole repository path."""
    parts = [s for s in segments if s] + [name]
    return parts[:1], "/".join(parts[1:])


def _normalise_namespace(ptype: str, segments: Iterable[str]) -> str | None:
    kept = [s for s in segments if s]
    if ptype in _LOWER_NAMESPACE:
        kept = [s.lower() for s in kept]
    elif ptype == "cpan":
        kept = [s.upper() for s in kept]
    return "/".join(kept) or None


def _normalise_name(ptype: str, name: str, qualifiers: tuple[tuple[str, str], ...]) -> str:
    if not name:
        raise InvalidPurl("the name is required")
    if ptype in _LOWER_NAME or (
        ptype == "mlflow" and "databricks" in dict(qualifiers).get("repository_url", "").lower()
    ):
        name = name.lower()
    if ptype == "pypi":
        return name.replace("_", "-")
    if ptype == "pub":
        return _PUB_NAME_RE.sub("_", name)
    if ptype == "cpan" and "::" in name:
        raise InvalidPurl(f"a cpan purl names a distribution, not a module: {name!r}")
    return name


def _normalise_version(ptype: str, version: str | None) -> str | None:
    if not version:
        return None
    return version.lower() if ptype in _LOWER_VERSION else version


def _normalise_qualifiers(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    kept: dict[str, str] = {}
    for key, value in pairs:
        low = key.lower()
        if not _KEY_RE.fullmatch(low):
            raise InvalidPurl(f"qualifier key {key!r} must start with a letter, use a-z 0-9 . - _")
        if low in kept:
            raise InvalidPurl(f"qualifier key {low!r} appears twice")
        if value:
            kept[low] = value
    return tuple(sorted(kept.items())) if kept else ()


def _check_type_rules(purl: Purl) -> None:
    if purl.type in _NAMESPACE_REQUIRED and not purl.namespace:
        raise InvalidPurl(f"a {purl.type} purl requires a namespace")
    if purl.type in _NAMESPACE_PROHIBITED and purl.namespace:
        raise InvalidPurl(f"a {purl.type} purl has no namespace, got {purl.namespace!r}")
    pattern = _NAME_PATTERNS.get(purl.type)
    if pattern and not pattern.fullmatch(purl.name):
        raise InvalidPurl(f"{purl.type} name {purl.name!r} does not match {pattern.pattern}")
    pattern = _VERSION_PATTERNS.get(purl.type)
    if pattern and purl.version and not pattern.fullmatch(purl.version):
        raise InvalidPurl(f"{purl.type} version {purl.version!r} does not match {pattern.pattern}")
    required_keys = _REQUIRED_QUALIFIERS.get(purl.type, ())
    if required_keys:
        keys = {k for k, _ in purl.qualifiers}
        for required in required_keys:
            if required not in keys:
                raise InvalidPurl(f"a {purl.type} purl requires the {required!r} qualifier")


@lru_cache(maxsize=32768)
def _render(purl: Purl) -> str:
    parts = ["pkg:", purl.type, "/"]
    if purl.namespace:
        parts += [_encode_segments(purl.namespace), "/"]
    if purl.type == "git":
        parts.append(quote(purl.name, safe=_SAFE + "/"))
    else:
        parts.append(_encode(purl.name))
    if purl.version:
        parts += ["@", _encode(purl.version)]
    if purl.qualifiers:
        parts += ["?", "&".join([f"{k}={_encode(v)}" for k, v in purl.qualifiers])]
    if purl.subpath:
        parts += ["#", _encode_segments(purl.subpath)]
    return "".join(parts)


def _encode(text: str) -> str:
    """`quote(text, safe=_SAFE)`, without the call when nothing needs encoding."""
    return text if not text.rstrip(_UNENCODED) else quote(text, safe=_SAFE)


def _encode_segments(path: str) -> str:
    """Each `/`-separated segment of `path` encoded, the separators kept."""
    if not path.rstrip(_UNENCODED + "/"):
        return path
    return "/".join([quote(s, safe=_SAFE) for s in path.split("/")])


def _clip(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


# --- OSV ecosystems ---------------------------------------------------------------------------

_LANGUAGE_ECOSYSTEMS: Final[Mapping[str, str]] = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "cargo": "crates.io",
    "maven": "Maven",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "composer": "Packagist",
    "pub": "Pub",
    "hex": "Hex",
    "cran": "CRAN",
    "hackage": "Hackage",
    "swift": "SwiftURL",
    "conan": "ConanCenter",
    "bitnami": "Bitnami",
    "julia": "Julia",
    "opam": "opam",
    "vscode-extension": "VSCode",
}
_RPM_ECOSYSTEMS: Final[Mapping[str, str]] = {
    "redhat": "Red Hat",
    "opensuse": "openSUSE",
    "suse": "SUSE",
    "sles": "SUSE",
    "rocky": "Rocky Linux",
    "almalinux": "AlmaLinux",
    "mageia": "Mageia",
    "openeuler": "openEuler",
    "photon": "Photon OS",
    "azurelinux": "Azure Linux",
}
_APK_ECOSYSTEMS: Final[Mapping[str, str]] = {"wolfi": "Wolfi", "chainguard": "Chainguard"}
_DEBIAN_CODENAMES: Final[Mapping[str, str]] = {
    "etch": "4",
    "lenny": "5",
    "squeeze": "6",
    "wheezy": "7",
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
    "sid": "sid",
}
_UBUNTU_CODENAMES: Final[Mapping[str, str]] = {
    "trusty": "14.04",
    "xenial": "16.04",
    "bionic": "18.04",
    "focal": "20.04",
    "jammy": "22.04",
    "kinetic": "22.10",
    "lunar": "23.04",
    "mantic": "23.10",
    "noble": "24.04",
    "oracular": "24.10",
    "plucky": "25.04",
    "questing": "25.10",
    "resolute": "26.04",
}
_RELEASE_RE: Final = re.compile(r"v?(\d+)(?:\.(\d+))?")
OS_ECOSYSTEMS: Final = frozenset(
    {"Debian", "Ubuntu", "Alpine", *_RPM_ECOSYSTEMS.values(), *_APK_ECOSYSTEMS.values()}
)
"""The OSV ecosystems (without `:suffix`) of OS packages' purls (`osv_ecosystem`)."""


def osv_ecosystem(purl: Purl) -> str | None:
    """Return the OSV ecosystem name for `purl`, or None when no OSV ecosystem applies.

    Distro packages are scoped by the `distro` qualifier when it names a release:
    `pkg:deb/debian/x?distro=debian-11` → "Debian:11", `pkg:apk/alpine/x?distro=alpine-3.16.2`
    → "Alpine:v3.16", `pkg:deb/ubuntu/x?distro=ubuntu-22.04` → "Ubuntu:22.04:LTS" (OSV's
    spelling for LTS releases).  Without a usable release the bare ecosystem is returned.
    """
    if purl.type in _LANGUAGE_ECOSYSTEMS:
        return _LANGUAGE_ECOSYSTEMS[purl.type]
    # the legacy syft type pkg:alpine/<name> has no namespace: it means pkg:apk/alpine/<name>
    namespace = (purl.namespace or ("alpine" if purl.type == "alpine" else "")).lower()
    release = _distro_release(purl, namespace)
    if purl.type == "deb":
        return _deb_ecosystem(namespace, release)
    if purl.type in ("apk", "alpine"):
        return _apk_ecosystem(namespace, release)
    if purl.type == "rpm":
        return _rpm_ecosystem(namespace, release)
    return None


def _distro_release(purl: Purl, namespace: str) -> str:
    """The release part of the distro qualifier: 'debian-11' → '11', 'bullseye' → 'bullseye'."""
    distro = (purl.qualifier("distro") or "").lower()
    return distro.removeprefix(namespace + "-")


def _deb_ecosystem(namespace: str, release: str) -> str | None:
    if namespace == "debian":
        found = _DEBIAN_CODENAMES.get(release)
        match = _RELEASE_RE.match(release)
        if found is None and match:
            found = match.group(1)
        return f"Debian:{found}" if found else "Debian"
    if namespace == "ubuntu":
        return _ubuntu_ecosystem(release)
    return None


def _ubuntu_ecosystem(release: str) -> str:
    """'jammy' or '22.04' → 'Ubuntu:22.04:LTS'; 'esm-apps/focal' → 'Ubuntu:Pro:20.04:LTS'."""
    parts = release.split("/")
    pro = any(part.startswith("esm") for part in parts)
    version = None
    for part in parts:
        match = _RELEASE_RE.fullmatch(part)
        version = _UBUNTU_CODENAMES.get(part) or version
        if match and match.group(2):
            version = f"{int(match.group(1))}.{match.group(2)}"
    if version is None:
        return "Ubuntu"
    lts = ":LTS" if _is_ubuntu_lts(version) else ""
    return f"Ubuntu:{'Pro:' if pro else ''}{version}{lts}"


def _is_ubuntu_lts(version: str) -> bool:
    year, _, month = version.partition(".")
    return month == "04" and int(year) % 2 == 0 and int(year) >= 8


def _apk_ecosystem(namespace: str, release: str) -> str | None:
    if namespace in _APK_ECOSYSTEMS:
        return _APK_ECOSYSTEMS[namespace]
    if namespace != "alpine":
        return None
    if release == "edge":
        return "Alpine:edge"
    match = _RELEASE_RE.match(release)
    if match and match.group(2):
        return f"Alpine:v{match.group(1)}.{match.group(2)}"
    return "Alpine"


def _rpm_ecosystem(namespace: str, release: str) -> str | None:
    ecosystem = _RPM_ECOSYSTEMS.get(namespace)
    if ecosystem in ("Rocky Linux", "AlmaLinux", "Mageia"):
        match = _RELEASE_RE.match(release)
        if match:
            return f"{ecosystem}:{match.group(1)}"
    return ecosystem


# --- package names as advisories key them ---------------------------------------------------

_DISTRO_TYPES: Final = frozenset({"deb", "apk", "alpine", "rpm"})
_SOURCE_QUALIFIERS: Final = ("upstream", "source", "origin")
_SRPM_RE: Final = re.compile(r"(.+)-[^-]+-[^-]+\.src\.rpm")


def source_package(purl: Purl) -> str:
    """Return the source package name of a distro purl, else `purl.name`.

    Alpine secdb and the Debian tracker key advisories by source package.  Syft writes it as
    the `upstream` qualifier (`zlib`, `util-linux@2.36.1-8`, or for rpm the source RPM file
    `curl-7.76.1-14.el9.src.rpm`); some tools write `source` or `origin` instead.
    """
    value = _source_qualifier(purl)
    return purl.name if value is None else _source_name(value)


def source_version(purl: Purl) -> str | None:
    """Return the source package version a distro purl gives, else None.

    Syft writes it after an `@` in the `upstream` qualifier when the source version differs
    from the binary package's (`upstream=util-linux@2.36.1-8+deb11u1` for bsdutils
    `1:2.36.1-8+deb11u1`), with the source's own epoch if it has one (`attr@1:2.4.47-2`).
    """
    value = _source_qualifier(purl)
    if value is None or _SRPM_RE.fullmatch(value):
        return None
    return value.partition("@")[2].strip() or None


def _source_qualifier(purl: Purl) -> str | None:
    if purl.type not in _DISTRO_TYPES:
        return None
    for key in _SOURCE_QUALIFIERS:
        value = purl.qualifier(key)
        if value:
            return value
    return None


def _source_name(value: str) -> str:
    srpm = _SRPM_RE.fullmatch(value)
    if srpm:
        return srpm.group(1)
    return value.partition("@")[0].strip() or value


def osv_package_name(purl: Purl) -> str:
    """Return the package name OSV uses for `purl` in its ecosystem.

    Maven joins group and artifact with ':'; other namespaced types (npm scopes, Go module
    paths, Packagist vendors, Swift hosts) join with '/'; distro packages use the source
    package (`source_package`).
    """
    if purl.type in _DISTRO_TYPES:
        return source_package(purl)
    if not purl.namespace:
        return purl.name
    separator = ":" if purl.type == "maven" else "/"
    return f"{purl.namespace}{separator}{purl.name}"
