"""The owner's journal (backend/cluster/journal.py): `flush()` returns only once
everything recorded before it is committed and handed out — also when another
flush (the journal's own loop) took those events first.

Seen in CI on PostgreSQL: a test flushed while the journal's loop was writing
a new group's `group.stats`; the test's flush found nothing left to take and
returned before that event reached the bus, so the event came after the id
the test had read as the last one. The database write is replaced here by a
gate, so the interleaving is exact rather than a matter of luck.
"""
from __future__ import annotations

import asyncio

from backend.cluster.journal import Journal
from backend.engine.model import EngineEvent


class Bus:
    """The two things the journal asks of the event bus."""

    def __init__(self) -> None:
        self.delivered: list[str] = []

    def encode(self, kind: str, org_id: int, group_id: int | None, payload: dict, at: float) -> str:
        return f"{kind}:{group_id}"

    async def deliver_stored(self, stored: list[str]) -> None:
        await asyncio.sleep(0.02)  # delivery may wait, e.g. for the bus's order lock
        self.delivered.extend(stored)


async def test_a_flush_that_finds_nothing_left_waits_until_the_taken_events_are_handed_out() -> None:
    bus = Bus()
    journal = Journal(None, asyncio.Lock(), bus, lambda _id: None, lambda _rows: [])  # type: ignore[arg-type]
    gate = asyncio.Event()

    async def write(events: list, finished: list, touched: set) -> list:
        await gate.wait()  # the commit, held open
        return events

    journal._write = write  # type: ignore[method-assign]
    journal.record([EngineEvent("group.stats", 7, 1, 0.0, {"group_id": 7})])
    first = asyncio.create_task(journal.flush())  # takes the event, then waits on the commit
    await asyncio.sleep(0)
    second = asyncio.create_task(journal.flush())  # nothing left to take
    await asyncio.sleep(0.01)
    assert not second.done(), "a flush returned while an earlier one's events were not yet handed out"
    gate.set()
    await second
    assert bus.delivered == ["group.stats:7"]
    await first


async def test_an_empty_journal_flushes_at_once() -> None:
    bus = Bus()
    journal = Journal(None, asyncio.Lock(), bus, lambda _id: None, lambda _rows: [])  # type: ignore[arg-type]
    await asyncio.wait_for(journal.flush(), 1)
    assert bus.delivered == []
