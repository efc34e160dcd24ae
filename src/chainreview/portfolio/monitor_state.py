"""What the monitor keeps between runs: `$CHAINREVIEW_HOME/monitor/state.json`.

The state names the snapshot the last run matched against, the day it ran and the inventory it
read; it keeps each deployed package's results (per instance, `rematch.InstanceResult`) and,
per product, a digest of the instances it carries and the findings it was last reported with.
A run compares against these and writes them anew, whole or not at all (written beside, then
renamed). A file this chainreview cannot read is refused in one line naming it: delete it to
start a new baseline.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

import orjson

from chainreview import canonical, limits
from chainreview.errors import InputError, LimitExceeded
from chainreview.portfolio.deployments import Instance, PackageKey
from chainreview.portfolio.rematch import InstanceResult, Seen

__all__ = [
    "FORMAT",
    "MonitorState",
    "ProductFinding",
    "ProductView",
    "instances_digest",
    "package_results",
    "product_view",
    "read_state",
    "state_path",
    "stored_instances",
    "view_digest",
    "write_state",
]

_T = TypeVar("_T")

FORMAT: Final = 1
"""Version of the state file's layout."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductFinding:
    """A finding of a product: the package and instance it is of."""

    package: PackageKey
    purl: str
    seen: Seen


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductView:
    """A product as the last run saw it."""

    instances: str
    """`instances_digest` of the instances it carried."""
    findings: tuple[ProductFinding, ...]
    undetermined: tuple[tuple[PackageKey, str], ...]
    """(package, advisory id) whose versions could not be placed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorState:
    """What the last run matched against and saw (module doc).

    The packages' results and the products' views are kept as read (plain JSON) and parsed
    only for what a run touches (`package_results`, `product_view`): a run that re-matches a
    few packages neither parses nor rebuilds the rest, it writes them back as they were."""

    snapshot: str
    ran_on: date
    inventory: str
    """The inventory read, as given to the run."""
    packages: Mapping[PackageKey, Any]
    """Each package's instance results, as read (`package_results`)."""
    products: Mapping[str, Any]
    """Each product's view, as read (`product_view`)."""


def state_path(home: Path) -> Path:
    """The monitor's state file under `home`."""
    return home / "monitor" / "state.json"


def instances_digest(instances: Iterable[tuple[PackageKey, Instance]]) -> str:
    """A digest of a product's instances (sorted), to tell when its SBOMs changed."""
    plain = [[*key, i.purl, i.version] for key, i in sorted(instances)]
    return hashlib.sha256(orjson.dumps(plain)).hexdigest()


def read_state(home: Path) -> MonitorState | None:
    """The state of the last run, or None before the first."""
    path = state_path(home)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size > limits.MAX_MONITOR_STATE_BYTES:
        raise LimitExceeded(
            str(path),
            f"file is {size:,} bytes, over the {limits.MAX_MONITOR_STATE_BYTES:,}-byte limit",
        )
    try:
        plain = orjson.loads(path.read_bytes())
        if plain.get("format") != FORMAT:
            raise ValueError(f"format {plain.get('format')!r}, not {FORMAT}")
        return MonitorState(
            snapshot=str(plain["snapshot"]),
            ran_on=date.fromisoformat(plain["ran_on"]),
            inventory=str(plain["inventory"]),
            packages={(str(eco), str(name)): results for eco, name, results in plain["packages"]},
            products=dict(plain["products"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            str(path),
            f"not a monitor state this chainreview can read ({exc}): delete it to "
            "start a new baseline",
        ) from exc


def write_state(
    home: Path,
    *,
    snapshot: str,
    ran_on: date,
    inventory: str,
    packages: Mapping[PackageKey, object],
    products: Mapping[str, object],
) -> None:
    """Write the run's state, atomically: each package's results and each product's view
    either parsed (`InstanceResult`s, a `ProductView`) or carried over as read."""
    plain = {
        "format": FORMAT,
        "snapshot": snapshot,
        "ran_on": ran_on.isoformat(),
        "inventory": inventory,
        "packages": [[*key, results] for key, results in sorted(packages.items())],
        "products": dict(products),
    }
    path = state_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(canonical.dumps(plain))
    os.replace(temporary, path)


def package_results(plain: Any) -> tuple[InstanceResult, ...]:
    """A package's instance results as `read_state` keeps them, parsed; a malformed state is
    refused as `read_state` refuses one."""
    return _parsed(lambda: tuple(_instance_result(r) for r in plain))


def stored_instances(plain: Any) -> frozenset[Instance]:
    """The instances a package's stored results are of, without parsing the results."""
    return _parsed(lambda: frozenset(_instance(r["instance"]) for r in plain))


def product_view(plain: Any) -> ProductView:
    """A product's view as `read_state` keeps it, parsed."""
    return _parsed(lambda: _product(plain))


def view_digest(plain: Any) -> str:
    """The instances digest of a product's stored view, without parsing the rest."""
    return _parsed(lambda: str(plain["instances"]))


def _parsed(parse: Callable[[], _T]) -> _T:
    try:
        return parse()
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise InputError(
            "monitor state",
            f"not a monitor state this chainreview can read ({exc}): delete "
            "$CHAINREVIEW_HOME/monitor/state.json to start a new baseline",
        ) from exc


def _seen(plain: Mapping[str, Any]) -> Seen:
    return Seen(
        id=str(plain["id"]),
        aliases=tuple(str(a) for a in plain["aliases"]),
        severity=str(plain["severity"]),
        kev=None if plain["kev"] is None else str(plain["kev"]),
    )


def _instance(plain: Mapping[str, Any]) -> Instance:
    version = plain["version"]
    return Instance(purl=str(plain["purl"]), version=None if version is None else str(version))


def _instance_result(plain: Mapping[str, Any]) -> InstanceResult:
    return InstanceResult(
        instance=_instance(plain["instance"]),
        coverage=str(plain["coverage"]),
        findings=tuple(_seen(s) for s in plain["findings"]),
        undetermined=tuple(str(a) for a in plain["undetermined"]),
    )


def _product(plain: Mapping[str, Any]) -> ProductView:
    return ProductView(
        instances=str(plain["instances"]),
        findings=tuple(
            ProductFinding(
                package=(str(f["package"][0]), str(f["package"][1])),
                purl=str(f["purl"]),
                seen=_seen(f["seen"]),
            )
            for f in plain["findings"]
        ),
        undetermined=tuple(
            ((str(key[0]), str(key[1])), str(advisory)) for key, advisory in plain["undetermined"]
        ),
    )
