"""What the monitor keeps between runs: `$CHAINREVIEW_HOME/monitor/state.sqlite`.

An SQLite file, so that a run reads and writes only what changed:

* `meta`: the layout's format, the snapshot the last run matched against, its day and the
  inventory it read;
* `instances`: each deployed instance (its package and `Instance`, `deployments`), its last
  result (`rematch.InstanceResult` as compact JSON; NULL until matched) and the numbers of the
  products carrying it (a JSON list);
* `products`: each product with an SBOM, by number: the fingerprint of its SBOM files
  (`sbom_fingerprint`), the digest of the instances it carries (`instances_digests`), the
  numbers of those instances, and its components outside the OSV matcher: how many, where
  (`Away`), and their last results (`encoded_outside`).

A run reads the products' rows, the instances of the packages it matches again and the carriers
of those whose findings changed; a product whose fingerprint is the one kept is not read again
(its instances are those kept), so the run's cost follows what changed, not the portfolio's
size. Everything happens in one transaction, committed only once the run is complete: the state
is written whole or not at all. A file this chainreview cannot read, or the JSON state of an
earlier chainreview (`state.json`), is refused in one line naming it: delete it to start a new
baseline.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, cast

import orjson

from chainreview.components.model import Inventory
from chainreview.errors import InputError
from chainreview.portfolio.deployments import Carried, Instance, PackageKey
from chainreview.portfolio.rematch import InstanceResult, Seen
from chainreview.version import __version__

__all__ = [
    "FORMAT",
    "Away",
    "KeptInstance",
    "KeptProduct",
    "MonitorState",
    "ProductInstances",
    "StateFile",
    "encoded",
    "encoded_outside",
    "instances_digests",
    "kept_results",
    "open_state",
    "read_state",
    "sbom_fingerprint",
    "state_path",
]

FORMAT: Final = 2
"""Version of the state's layout (1 was one JSON file, `state.json`)."""

_SCHEMA: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE instances (
    number INTEGER PRIMARY KEY,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    purl TEXT NOT NULL,
    version TEXT,
    result BLOB,
    carriers BLOB NOT NULL
);
CREATE INDEX instances_package ON instances (ecosystem, name);
CREATE INDEX instances_unmatched ON instances (number) WHERE result IS NULL;
CREATE TABLE products (
    number INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    fingerprint TEXT,
    digest TEXT NOT NULL,
    outside INTEGER NOT NULL,
    instances BLOB NOT NULL,
    outside_at BLOB NOT NULL,
    outside_results BLOB
);
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorState:
    """What the last run matched against."""

    snapshot: str
    ran_on: date
    inventory: str
    """The inventory read, as given to the run."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KeptProduct:
    """A product as the last run saw it."""

    number: int
    fingerprint: str | None
    digest: str
    outside: int
    """Its components the monitor does not watch (`deployments.Unmonitored`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductInstances:
    """A product read again in this run: what the state keeps of it."""

    fingerprint: str | None
    digest: str
    outside: int
    carried: tuple[Carried, ...]
    away: Away
    """Its components the OSV matcher does not decide alone, and its release."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Away:
    """Where a product's components outside the OSV matcher are, and its release."""

    at: tuple[int, ...]
    """Their places in the inventory's components (`DeploymentIndex.outside`)."""
    release: str | None
    """The release of its operating system (`matches.distro.distro_of`)."""
    os_at: int | None
    """The place of the operating-system component that release is read from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KeptInstance:
    """A deployed instance and its last result as kept (`encoded`; None: never matched)."""

    number: int
    package: PackageKey
    instance: Instance
    kept: bytes | None


def state_path(home: Path) -> Path:
    """The monitor's state file under `home`."""
    return home / "monitor" / "state.sqlite"


def sbom_fingerprint(inventory: Inventory) -> str | None:
    """What tells, without reading its components, that a product's instances are those of the
    last run: the SHA-256 of this chainreview's version and the SHA-256 of each SBOM file read
    (`SbomDocument.sha256`), in order; None when a document does not carry its digest (an
    inventory built in memory), whose components are then read on every run."""
    digests = [d.sha256 for d in inventory.documents]
    if not digests or not all(digests):
        return None
    return hashlib.sha256(" ".join([__version__, *digests]).encode()).hexdigest()


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
    """What the last run matched against, or None before the first (read without waiting for
    a run in progress: what the last complete run committed)."""
    path = state_path(home)
    if not path.is_file():
        _refuse_earlier(home)
        return None
    with _connected(path, f"file:{path}?mode=ro") as connection:
        return _last_run(connection, path)


def kept_results(home: Path) -> dict[PackageKey, tuple[InstanceResult, ...]]:
    """Every deployed package's kept results, its instances in order (for inspection)."""
    found: dict[PackageKey, list[InstanceResult]] = {}
    with open_state(home) as state:
        for kept in state.instances(None):
            result = state.last_result(kept)
            assert result is not None  # a committed run matched every instance
            found.setdefault(kept.package, []).append(result)
    return {key: tuple(results) for key, results in found.items()}


@contextmanager
def open_state(home: Path) -> Iterator[StateFile]:
    """The state under `home` (made empty when there is none), in one transaction: what
    `StateFile.commit` does not commit is rolled back."""
    path = state_path(home)
    if not path.exists():
        _refuse_earlier(home)
        path.parent.mkdir(parents=True, exist_ok=True)
    with _connected(path, f"file:{path}") as connection:
        try:
            connection.execute("BEGIN IMMEDIATE")
            state = StateFile(connection, path)
        except sqlite3.Error as exc:
            raise _unreadable(path, exc) from exc
        try:
            yield state
        finally:
            if connection.in_transaction:
                connection.rollback()


@contextmanager
def _connected(path: Path, uri: str) -> Iterator[sqlite3.Connection]:
    try:
        connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise _unreadable(path, exc) from exc
    with closing(connection):
        yield connection


def _last_run(connection: sqlite3.Connection, path: Path) -> MonitorState | None:
    """What the last run matched against, from the `meta` table of a state of this format."""
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != str(FORMAT):
            raise ValueError(f"format {meta.get('format')!r}, not {FORMAT}")
        if "snapshot" not in meta:
            return None
        return MonitorState(
            snapshot=meta["snapshot"],
            ran_on=date.fromisoformat(meta["ran_on"]),
            inventory=meta["inventory"],
        )
    except (sqlite3.Error, ValueError, KeyError) as exc:
        raise _unreadable(path, exc) from exc


class StateFile:
    """The state of one run, open in a transaction (module doc)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._path = path
        if not connection.execute("SELECT name FROM sqlite_master").fetchall():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT),))
        self.last = _last_run(connection, path)
        """What the last run matched against, or None before the first."""
        self.products: dict[str, KeptProduct] = {
            product: KeptProduct(
                number=number, fingerprint=fingerprint, digest=digest, outside=outside
            )
            for number, product, fingerprint, digest, outside in connection.execute(
                "SELECT number, id, fingerprint, digest, outside FROM products"
            )
        }
        """Each product the last run saw with an SBOM, by id."""
        self._ids = {kept.number: product for product, kept in self.products.items()}

    def relink(self, read: Mapping[str, ProductInstances], removed: Collection[str]) -> None:
        """Keep the products read again in this run (their instances, carriers updated; new
        instances kept without a result) and forget those the inventory no longer has (and the
        instances no product carries any more)."""
        if not read and not removed:
            return
        numbers = self._instance_numbers()
        by_object: dict[int, int] = {}
        """`id` of a pair object → its number: the index shares one object per pair among the
        products carrying it, and the objects live in `read` meanwhile."""
        dropped: defaultdict[int, list[int]] = defaultdict(list)
        added: defaultdict[int, list[int]] = defaultdict(list)
        next_product = max(self._ids, default=0) + 1
        next_instance = max(numbers.values(), default=0) + 1
        fresh: list[tuple[object, ...]] = []
        for product in removed:
            kept = self.products.pop(product)
            for instance in self._product_instances(kept.number):
                dropped[instance].append(kept.number)
            self._db.execute("DELETE FROM products WHERE number = ?", (kept.number,))
            del self._ids[kept.number]
        for product, now in read.items():
            before = self.products.get(product)
            if before is None:
                number, old = next_product, set()
                next_product += 1
            else:
                number, old = before.number, set(self._product_instances(before.number))
            objects = list(map(id, now.carried))
            found = list(map(by_object.get, objects))
            for at, pair in enumerate(now.carried):
                if found[at] is None:  # a pair object no product before shared
                    known = numbers.get(pair)
                    if known is None:
                        known = numbers[pair] = next_instance
                        next_instance += 1
                        (ecosystem, name), item = pair
                        fresh.append((known, ecosystem, name, item.purl, item.version))
                    found[at] = by_object[objects[at]] = known
            carried = cast(list[int], found)  # every None was filled in above
            new = set(carried)
            for instance in new - old:
                added[instance].append(number)
            for instance in old - new:
                dropped[instance].append(number)
            self._db.execute(
                "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (number) DO "
                "UPDATE SET fingerprint = excluded.fingerprint, digest = excluded.digest, "
                "outside = excluded.outside, instances = excluded.instances, "
                "outside_at = excluded.outside_at",
                (
                    number,
                    product,
                    now.fingerprint,
                    now.digest,
                    now.outside,
                    orjson.dumps(carried),
                    orjson.dumps([now.away.at, now.away.release, now.away.os_at]),
                ),
            )
            self.products[product] = KeptProduct(
                number=number, fingerprint=now.fingerprint, digest=now.digest, outside=now.outside
            )
            self._ids[number] = product
        self._db.executemany(
            "INSERT INTO instances VALUES (?, ?, ?, ?, ?, NULL, '[]')",
            fresh,
        )
        self._recarry(added, dropped)

    def _recarry(self, added: Mapping[int, list[int]], dropped: Mapping[int, list[int]]) -> None:
        """Add and drop carriers of instances; an instance left with none is forgotten."""
        touched = sorted(added.keys() | dropped.keys())
        carriers = self._carrier_numbers(touched)
        updates, gone = [], []
        for instance in touched:
            now = (
                set(carriers[instance])
                .union(added.get(instance, ()))
                .difference(dropped.get(instance, ()))
            )
            if now:
                updates.append((orjson.dumps(sorted(now)), instance))
            else:
                gone.append((instance,))
        self._db.executemany("UPDATE instances SET carriers = ? WHERE number = ?", updates)
        self._db.executemany("DELETE FROM instances WHERE number = ?", gone)

    def packages(self) -> frozenset[PackageKey]:
        """The packages of every deployed instance."""
        return frozenset(self._db.execute("SELECT DISTINCT ecosystem, name FROM instances"))

    def instances(self, packages: Collection[PackageKey] | None) -> list[KeptInstance]:
        """The instances of `packages` (None: of every package) and those never matched, with
        their last results, by package and instance."""
        columns = "SELECT number, ecosystem, name, purl, version, result FROM instances"
        if packages is None:
            rows = self._db.execute(columns).fetchall()
        else:
            rows = self._db.execute(f"{columns} WHERE result IS NULL").fetchall()
            for ecosystem, name in sorted(packages):
                rows += self._db.execute(
                    f"{columns} WHERE ecosystem = ? AND name = ? AND result IS NOT NULL",
                    (ecosystem, name),
                ).fetchall()
        rows.sort(key=_by_instance)
        return [
            KeptInstance(
                number=number,
                package=(ecosystem, name),
                instance=Instance(purl=purl, version=version),
                kept=result,
            )
            for number, ecosystem, name, purl, version, result in rows
        ]

    def carriers(self, instances: Collection[int]) -> dict[int, tuple[str, ...]]:
        """The ids of the products carrying each instance (sorted)."""
        return {
            instance: tuple(sorted(self._ids[p] for p in products))
            for instance, products in self._carrier_numbers(sorted(instances)).items()
        }

    def last_result(self, kept: KeptInstance) -> InstanceResult | None:
        """The last result of an instance, parsed (None: never matched)."""
        if kept.kept is None:
            return None
        try:
            return _result(kept.instance, orjson.loads(kept.kept))
        except (ValueError, TypeError) as exc:
            raise _unreadable(self._path, exc) from exc

    def record(self, results: Mapping[int, bytes]) -> None:
        """Keep each instance's result of this run (`encoded`)."""
        self._db.executemany(
            "UPDATE instances SET result = ? WHERE number = ?",
            [(plain, number) for number, plain in sorted(results.items())],
        )

    def outside(self) -> dict[str, tuple[Away, bytes | None]]:
        """Each product with components outside the OSV matcher: where they are, and their
        last results as kept (`encoded_outside`; None: never scanned)."""
        found = {}
        rows = self._db.execute(
            "SELECT id, outside_at, outside_results FROM products WHERE outside > 0 ORDER BY id"
        )
        for product, plain, kept in rows:
            try:
                at, release, os_at = orjson.loads(plain)
                away = Away(
                    at=tuple(int(n) for n in at),
                    release=None if release is None else str(release),
                    os_at=None if os_at is None else int(os_at),
                )
            except (ValueError, TypeError) as exc:
                raise _unreadable(self._path, exc) from exc
            found[product] = (away, kept)
        return found

    def outside_results(
        self, plain: bytes, instances: Mapping[str, Instance]
    ) -> dict[str, InstanceResult]:
        """A product's kept results of its components outside the OSV matcher (`outside`),
        for the keys of `instances` (what names one such component) it has."""
        try:
            kept = orjson.loads(plain)
            return {
                key: _result(instance, kept[key])
                for key, instance in instances.items()
                if key in kept
            }
        except (ValueError, TypeError, KeyError) as exc:
            raise _unreadable(self._path, exc) from exc

    def record_outside(self, results: Mapping[str, bytes]) -> None:
        """Keep each product's results of its components outside the OSV matcher."""
        self._db.executemany(
            "UPDATE products SET outside_results = ? WHERE id = ?",
            [(plain, product) for product, plain in sorted(results.items())],
        )

    def commit(self, *, snapshot: str, ran_on: date, inventory: str) -> None:
        """Keep what this run matched against, and commit the whole run."""
        self._db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("snapshot", snapshot), ("ran_on", ran_on.isoformat()), ("inventory", inventory)],
        )
        self._db.commit()

    def _instance_numbers(self) -> dict[Carried, int]:
        return {
            ((ecosystem, name), Instance(purl=purl, version=version)): number
            for number, ecosystem, name, purl, version in self._db.execute(
                "SELECT number, ecosystem, name, purl, version FROM instances"
            )
        }

    def _product_instances(self, product: int) -> list[int]:
        (plain,) = self._db.execute(
            "SELECT instances FROM products WHERE number = ?", (product,)
        ).fetchone()
        return list(self._ints(plain))

    def _carrier_numbers(self, instances: Sequence[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for start in range(0, len(instances), 500):
            part = instances[start : start + 500]
            marks = ",".join("?" * len(part))
            for number, plain in self._db.execute(
                f"SELECT number, carriers FROM instances WHERE number IN ({marks})", part
            ):
                found[number] = self._ints(plain)
        return found

    def _ints(self, plain: bytes) -> list[int]:
        try:
            found = orjson.loads(plain)
            if not all(isinstance(n, int) for n in found):
                raise TypeError("a list of numbers holds something else")
        except (ValueError, TypeError) as exc:
            raise _unreadable(self._path, exc) from exc
        return list(found)


def _by_instance(row: tuple[Any, ...]) -> tuple[str, str, str, bool, str]:
    """A row of `instances` in the order of (package, `Instance`), a missing version first:
    strings compared, not dataclasses."""
    _, ecosystem, name, purl, version, _ = row
    return ecosystem, name, purl, version is not None, version or ""


def _refuse_earlier(home: Path) -> None:
    """Refuse the JSON state of an earlier chainreview rather than start a baseline over it."""
    earlier = state_path(home).with_name("state.json")
    if earlier.exists():
        raise InputError(
            str(earlier),
            f"a monitor state of an earlier layout (format 1, not {FORMAT}): delete it to "
            "start a new baseline",
        )


def _unreadable(path: Path, exc: Exception) -> InputError:
    return InputError(
        str(path),
        f"not a monitor state this chainreview can read ({exc}): delete it to start a new baseline",
    )


def encoded(result: InstanceResult) -> bytes:
    """An instance's result as the state keeps it: equal bytes, equal results."""
    return orjson.dumps(_plain(result))


def encoded_outside(results: Mapping[str, InstanceResult]) -> bytes:
    """A product's results of its components outside the OSV matcher, by what names each
    component, as the state keeps them."""
    return orjson.dumps({key: _plain(r) for key, r in sorted(results.items())})


def _plain(result: InstanceResult) -> list[object]:
    return [
        result.coverage,
        [[s.id, list(s.aliases), s.severity, s.kev] for s in result.findings],
        list(result.undetermined),
    ]


def _result(instance: Instance, plain: list[Any]) -> InstanceResult:
    coverage, findings, undetermined = plain
    return InstanceResult(
        instance=instance,
        coverage=str(coverage),
        findings=tuple(
            Seen(
                id=str(found_id),
                aliases=tuple(str(a) for a in aliases),
                severity=str(severity),
                kev=None if kev is None else str(kev),
            )
            for found_id, aliases, severity, kev in findings
        ),
        undetermined=tuple(str(a) for a in undetermined),
    )
