"""Login rate limiting: failed logins counted per account and per client address over a sliding
window, in this process's memory.

In memory rather than in the store: a failed login then writes nothing to the audited case
database (an attacker cannot grow it or its audit log), and the count costs no query. Each
worker process counts on its own, so each of W workers allows its share of the budget (rounded
up): whichever worker a try reaches, W workers together allow at most the budget plus W - 1.
A restart forgets the counts; argon2's cost per try still bounds the rate. The keys kept are
capped (the oldest dropped first), so a flood of made-up names or addresses cannot exhaust
memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

WINDOW_SECONDS: Final = 15 * 60
PER_ACCOUNT: Final = 5
"""Failed logins allowed per account in the window."""
PER_ADDRESS: Final = 20
"""Failed logins allowed per client address in the window (any accounts)."""
MAX_KEYS: Final = 10_000


@dataclass(frozen=True, slots=True)
class Budget:
    """How many failures a key may have in `window` seconds."""

    allowed: int
    window: float


class FailureCounter:
    """Failures per key in a sliding window; thread-safe (routes run in a thread pool)."""

    def __init__(self, budget: Budget, clock: Callable[[], float] = time.monotonic) -> None:
        self._budget = budget
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again (0: it may now)."""
        with self._lock:
            kept = self._recent(key)
            if kept is None or len(kept) < self._budget.allowed:
                return 0
            return max(1, int(kept[0] + self._budget.window - self._clock()) + 1)

    def fail(self, key: str) -> None:
        """Count one failure of `key`."""
        with self._lock:
            kept = self._recent(key)
            if kept is None:
                kept = self._failures[key] = deque()
            kept.append(self._clock())
            self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        """Forget `key`'s failures (after a successful login)."""
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float] | None:
        kept = self._failures.get(key)
        if kept is None:
            return None
        horizon = self._clock() - self._budget.window
        while kept and kept[0] <= horizon:
            kept.popleft()
        if not kept:
            del self._failures[key]
            return None
        return kept


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """The two counters a login is checked against."""

    accounts: FailureCounter
    addresses: FailureCounter

    @classmethod
    def default(
        cls, clock: Callable[[], float] = time.monotonic, *, workers: int = 1
    ) -> LoginLimits:
        """The documented budgets, shared among `workers` processes (each gets its share,
        rounded up)."""
        return cls(
            accounts=FailureCounter(Budget(_share(PER_ACCOUNT, workers), WINDOW_SECONDS), clock),
            addresses=FailureCounter(Budget(_share(PER_ADDRESS, workers), WINDOW_SECONDS), clock),
        )

    def retry_after(self, account: str, address: str) -> int:
        """Seconds until a login for `account` from `address` may be tried (0: now)."""
        return max(self.accounts.retry_after(account), self.addresses.retry_after(address))

    def failed(self, account: str, address: str) -> None:
        self.accounts.fail(account)
        self.addresses.fail(address)

    def succeeded(self, account: str) -> None:
        self.accounts.clear(account)


def _share(budget: int, workers: int) -> int:
    """One of `workers` processes' share of `budget`, rounded up."""
    return -(-budget // max(workers, 1))
