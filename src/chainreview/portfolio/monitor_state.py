"""What the monitor keeps between runs: `$CHAINREVIEW_HOME/monitor/state.json`.

The state names the snapshot the last run matched against, the day it ran and the inventory it
read; it keeps each deployed package's results (per instance, `rematch.InstanceResult`) and,
per product, a digest of the instances it carries. A run compares the instances it matches
again with these results and writes the state anew, whole or not at all (written beside, then
renamed). The packages' results are kept as read and parsed only for the packages a run
matches again: the others are written back as they were. A file this chainreview cannot read
is refused in one line naming it: delete it to start a new baseline.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

import orjson

from chainreview import canonical, limits
from chainreview.errors import InputError, LimitExceeded
from chainreview.portfolio.deployments import Carried, Instance, PackageKey
from chainreview.portfolio.rematch import InstanceResult, Seen

__all__ = [
    "FORMAT",
    "MonitorState",
    "instances_digests",
    "package_results",
    "read_state",
    "state_path",
    "stored_instances",
    "write_state",
]

_T = TypeVar("_T")

FORMAT: Final = 1
"""Version of the state file's layout."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorState:
    """What the last run matched against and saw (module doc)."""

    snapshot: str
    ran_on: date
    inventory: str
    """The inventory read, as given to the run."""
    packages: Mapping[PackageKey, Any]
    """Each package's instance results, as read (`package_results`, `stored_instances`)."""
    products: Mapping[str, str]
    """Each product with an SBOM → the digest of the instances it carried
    (`instances_digests`)."""


def state_path(home: Path) -> Path:
    """The monitor's state file under `home`."""
    return home / "monitor" / "state.json"


def instances_digests(products: Mapping[str, Sequence[Carried]]) -> dict[str, str]:
    """Per product, a digest of its instances, to tell when its SBOMs changed: SHA-256 of the
    JSON list of each instance's `[ecosystem, name, purl, version]`, in the order given (the
    index keeps them sorted). Each instance object is written once however many products
    carry it."""
    written: dict[int, bytes] = {}
    """`id` of an instance object → its JSON: the objects live in `products` meanwhile."""
    digests: dict[str, str] = {}
    for product, carried in products.items():
        parts = []
        for pair in carried:
            part = written.get(id(pair))
            if part is None:
                (ecosystem, name), instance = pair
                part = written[id(pair)] = orjson.dumps(
                    [ecosystem, name, instance.purl, instance.version]
                )
            parts.append(part)
        digests[product] = hashlib.sha256(b"[" + b",".join(parts) + b"]").hexdigest()
    return digests


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
            products={str(pid): str(digest) for pid, digest in plain["products"].items()},
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
    products: Mapping[str, str],
) -> None:
    """Write the run's state, atomically: each package's results either parsed
    (`InstanceResult`s) or carried over as read."""
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
