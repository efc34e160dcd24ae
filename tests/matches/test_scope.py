"""Which matchers an inventory needs: decided without importing the CPE and distro matchers."""

from __future__ import annotations

import pytest

from chainreview.components.model import Component, Inventory
from chainreview.matches.scope import needs_cpe, needs_distro


def inventory(*components: Component) -> Inventory:
    return Inventory(
        documents=(), components=components, services=(), edges=(), skipped=(), warnings=(),
        duplicates=(),
    )  # fmt: skip


def component(purl: str | None, ecosystem: str | None) -> Component:
    return Component(ref=purl or "x", name="x", version="1", purl=purl, ecosystem=ecosystem)


def test_language_packages_need_neither() -> None:
    items = inventory(component("pkg:pypi/a@1", "PyPI"), component("pkg:golang/b/c@v1", "Go"))
    assert not needs_cpe(items)
    assert not needs_distro(items)


def test_a_component_without_ecosystem_needs_the_cpe_matcher() -> None:
    assert needs_cpe(inventory(component("pkg:pypi/a@1", "PyPI"), component(None, None)))


@pytest.mark.parametrize(
    "purl",
    ["pkg:deb/debian/openssl@1.1", "pkg:apk/alpine/musl@1.2", "PKG:DEB/x/y@1", "pkg:/apk/a/b@1"],
)
def test_os_packages_need_the_distro_matcher(purl: str) -> None:
    assert needs_distro(inventory(component("pkg:pypi/a@1", "PyPI"), component(purl, None)))


@pytest.mark.parametrize("purl", ["pkg:rpm/fedora/x@1", "pkg:debian-like/x@1", "pkg:npm/deb@1"])
def test_other_types_do_not(purl: str) -> None:
    assert not needs_distro(inventory(component(purl, None)))
