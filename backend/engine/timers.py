"""The engine's timers: one heap of (due, seq, kind, ref).

Timers are never cancelled: each handler checks, when it fires, that what it
was set for still holds (a per-call due time, an agent's wrap-up end…), so a
stale timer costs one pop and nothing else.
"""
from __future__ import annotations

import heapq
import itertools


class Timers:
    __slots__ = ("heap", "_seq")

    def __init__(self) -> None:
        # (due, seq, kind, ref); the engine peeks at heap[0] on every operation.
        self.heap: list[tuple[float, int, str, int]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self.heap)

    def schedule(self, at: float, kind: str, ref: int) -> None:
        heapq.heappush(self.heap, (at, next(self._seq), kind, ref))

    def next_deadline(self) -> float | None:
        return self.heap[0][0] if self.heap else None

    def pop_due(self, until: float) -> tuple[float, str, int] | None:
        """The earliest timer due at or before `until`, removed; None if none is."""
        heap = self.heap
        if heap and heap[0][0] <= until:
            when, _seq, kind, ref = heapq.heappop(heap)
            return when, kind, ref
        return None
