"""Slowing down password guessing: repeated failed logins get 429 + Retry-After.

Per username and per client address: after `free` failures within `window_s`,
each further attempt must wait, doubling from `base_s` up to `max_s`. A good
login clears the username's record. Kept in memory, per process: a second
process (issue 7) keeps its own count, which halves nothing an attacker gains.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)
    blocked_until: float = 0.0


class LoginThrottle:
    def __init__(
        self,
        *,
        free: int = 5,
        window_s: float = 300.0,
        base_s: float = 30.0,
        max_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.window_s, self.base_s, self.max_s = free, window_s, base_s, max_s
        self.clock = clock
        self._records: dict[str, _Record] = {}

    def retry_after(self, *keys: str) -> float:
        """Seconds to wait before another attempt is allowed (0: go ahead)."""
        now = self.clock()
        return max((self._records[k].blocked_until - now for k in keys if k in self._records), default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        if len(self._records) > 100_000:
            self._records.clear()  # bounded memory under a flood of random names
        for key in keys:
            record = self._records.setdefault(key, _Record())
            record.failures = [t for t in record.failures if now - t < self.window_s] + [now]
            excess = len(record.failures) - self.free
            if excess >= 0:
                record.blocked_until = now + min(self.max_s, self.base_s * 2**excess)

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)
