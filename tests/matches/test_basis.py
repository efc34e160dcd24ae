"""The version a matcher evaluates (`matches.basis`): the rules one case each.

The same rules on the real image SBOMs against the raw advisories: tests/findings/
test_real_images.py.
"""

from __future__ import annotations

import pytest

from chainreview.components.model import Component
from chainreview.components.purl import osv_ecosystem, parse_purl
from chainreview.matches.basis import (
    BINARY_VERSION,
    LOW_CONFIDENCE,
    VERSION_FROM_PURL,
    evaluated_version,
    tagged_releases,
    untagged_base,
    untagged_pseudo_version,
)


def evaluated(version: str | None, purl: str) -> tuple[str | None, tuple[str, ...], str]:
    """(version evaluated, caveat labels, caveat notes joined) for a component."""
    parsed = parse_purl(purl)
    ecosystem = osv_ecosystem(parsed)
    assert ecosystem is not None
    component = Component(ref="c", name=parsed.name, version=version, purl=purl)
    found, caveat = evaluated_version(component, parsed, ecosystem)
    if caveat is None:
        return found, (), ""
    return found, caveat.labels, " ".join(caveat.notes)


def test_go_standard_library_takes_the_purl_version() -> None:
    # syft: version "go1.16.8" (the compiler's), purl pkg:golang/stdlib@1.16.8
    version, labels, notes = evaluated("go1.16.8", "pkg:golang/stdlib@1.16.8")
    assert (version, labels) == ("1.16.8", (VERSION_FROM_PURL,))
    assert (
        notes
        == "version 'go1.16.8' does not parse as a Go version: the purl's '1.16.8' was evaluated"
    )


@pytest.mark.parametrize(
    ("version", "purl", "expected"),
    [
        ("1.0", "pkg:pypi/demo@1.0.0", "1.0"),  # both parse: the component's, as always
        ("(devel)", "pkg:golang/example.com/m@(devel)", "(devel)"),  # neither: indeterminate later
        (None, "pkg:golang/example.com/m@v1.2.3", "v1.2.3"),  # none given: the purl's
    ],
)
def test_the_component_version_stands_otherwise(
    version: str | None, purl: str, expected: str
) -> None:
    assert evaluated(version, purl) == (expected, (), "")


def test_debian_source_version_from_the_purl() -> None:
    version, labels, notes = evaluated(
        "1:2.36.1-8",
        "pkg:deb/debian/bsdutils@1:2.36.1-8?upstream=util-linux%402.36.1-8&distro=debian-11",
    )
    assert (version, labels) == ("2.36.1-8", ())
    assert notes == (
        "the source package's version given in the purl (util-linux 2.36.1-8) was evaluated, "
        "not the binary package's 1:2.36.1-8"
    )
    # an Ubuntu package: the same rule
    version, labels, _ = evaluated(
        "1:2.37.2-4ubuntu3",
        "pkg:deb/ubuntu/bsdutils@1:2.37.2-4ubuntu3?upstream=util-linux%402.37.2-4ubuntu3"
        "&distro=ubuntu-22.04",
    )
    assert (version, labels) == ("2.37.2-4ubuntu3", ())


def test_debian_binary_version_stands_in_and_says_so() -> None:
    version, labels, notes = evaluated(
        "2.36.1-8", "pkg:deb/debian/libuuid1@2.36.1-8?upstream=util-linux&distro=debian-11"
    )
    assert (version, labels) == ("2.36.1-8", (BINARY_VERSION,))
    assert notes == (
        "the purl gives no source version: the binary package's 2.36.1-8 was evaluated as the "
        "source package util-linux's"
    )
    # a source version equal to the binary's is simply the source version
    same = "pkg:deb/debian/libc6@2.31-13?upstream=glibc%402.31-13&distro=debian-11"
    assert evaluated("2.31-13", same) == ("2.31-13", (), "")


def test_alpine_packages_keep_their_version() -> None:
    # apk subpackages share their origin's version: no source version rule
    purl = "pkg:apk/alpine/ssl_client@1.35.0-r17?upstream=busybox&distro=alpine-3.16.2"
    assert evaluated("1.35.0-r17", purl) == ("1.35.0-r17", (), "")


KUBE_EVENTS = ("0", "1.0.0", "1.11.9", "1.25.0", "1.25.11", "1.34.2")


@pytest.mark.parametrize(
    ("version", "events", "low"),
    [
        # the main module of kube-apiserver 1.25.2, as syft stamps it
        ("v0.0.0-20220921142545-5835544ca568", KUBE_EVENTS, True),
        # a version with a tagged base (`go` computed it from v1.25.1): ordered as it is
        ("v1.25.2-0.20220921142545-5835544ca568", KUBE_EVENTS, False),
        ("v1.25.2", KUBE_EVENTS, False),
        # a /v3 module's commit before its first v3 tag
        ("v3.0.0-20220316132223-5f6a8f5d9d3c", ("0", "3.0.1", "3.1.0"), False),
        # advisories that speak of the module's untagged history (golang.org/x/net)
        ("v0.0.0-20220722155237-a158d28d115b", ("0", "0.0.0-20220906165146-f3363e06e74c"), False),
        # a module never released at v1 (golang.org/x/oauth2: fixed 0.27.0)
        ("v0.0.0-20211104180415-d3ed0bb246c8", ("0", "0.27.0"), False),
        # every version affected: nothing to place it among
        ("v0.0.0-20220921142545-5835544ca568", ("0",), False),
    ],
)
def test_untagged_pseudo_version(version: str, events: tuple[str, ...], low: bool) -> None:
    releases = tagged_releases(events)
    assert (untagged_base(version) and releases is not None) is low
    if low:
        assert releases == ("1.0.0", "1.34.2")
        caveat = untagged_pseudo_version("k8s.io/kubernetes", version, releases)
        assert caveat.labels == (LOW_CONFIDENCE,)
        assert caveat.notes[0].startswith(
            f"{version} is a Go pseudo-version with no tagged base, while the advisories of "
            "k8s.io/kubernetes name tagged releases only, 1.0.0 to 1.34.2:"
        )
