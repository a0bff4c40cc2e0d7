"""How much the engine's "is this group open by its schedule?" costs.

    .venv/bin/python -m bench.opening_hours

The engine asks once per arriving call and once per `group.stats` it builds
(every operation that changes a group), so the answer must be a comparison.
Measured: the cached `ScheduleBook.is_open` (as the engine calls it, clock
moving forward one second a call) against computing the state afresh each
time (what it would cost without the cache), for the demo's Kontorstid
(weekly ranges plus 32 holiday exceptions) and for a schedule that never
changes (the worst case for a fresh computation: it looks 400 days ahead).
Medians of 7 rounds of 20,000 calls each; ns per call.
"""
from __future__ import annotations

import statistics
import time

from backend.demo import demo_schedules
from backend.engine.opening_hours import OpeningHours, ScheduleBook
from backend.schemas.schedules import ScheduleInput

T0 = 1_795_680_000.0  # 2026-11-26 09:00 in Stockholm
N = 20_000
ROUNDS = 7


def per_call(fn, n: int) -> float:  # noqa: ANN001
    start = time.perf_counter_ns()
    for i in range(n):
        fn(T0 + i)
    return (time.perf_counter_ns() - start) / n


def measure(name: str, schedule: ScheduleInput) -> tuple[float, float]:
    cached, fresh = [], []
    for _ in range(ROUNDS):
        book = ScheduleBook()
        book.put(1, OpeningHours.of(schedule, 1))
        cached.append(per_call(lambda at: book.is_open(1, at), N))
        hours = OpeningHours.of(schedule, 1)
        fresh.append(per_call(hours._compute, N // 100))
    return statistics.median(cached), statistics.median(fresh)


def main() -> None:
    schedules = demo_schedules(2026)
    for name in ("Kontorstid", "Dygnet runt"):
        cached, fresh = measure(name, ScheduleInput(name=name, **schedules[name]))
        print(f"{name:12s} cached {cached:9.0f} ns/call   fresh {fresh:11.0f} ns/call   ratio {fresh / cached:7.0f}x")


if __name__ == "__main__":
    main()
