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
from backend.events import Event, EventBus


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


class Ids:
    """The events table's id sequence: whoever inserts first gets the lower id."""

    def __init__(self) -> None:
        self.last = 0

    def take(self, batch: list) -> list[Event]:
        out = []
        for p in batch:
            self.last += 1
            out.append(Event(self.last, p.at, p.kind, p.org_id, p.group_id, p.data))
        return out


class Db:
    is_sqlite = True


async def test_a_save_published_after_an_engine_operation_is_stored_after_it() -> None:
    """A save makes the engine send `group.stats` (through the journal) and then
    publishes `group.updated` on the bus: two writers of the events table. Seen in
    CI on PostgreSQL: the bus committed first, so the settings came before the
    figures. The bus now has the journal commit what it recorded first."""
    ids = Ids()
    bus = EventBus(Db())  # type: ignore[arg-type]
    stored: list[str] = []

    async def store(batch: list) -> list[Event]:
        stored.extend(p.kind for p in batch)
        return ids.take(batch)

    bus._store = store  # type: ignore[method-assign]
    journal = Journal(None, asyncio.Lock(), bus, lambda _id: None, lambda _rows: [])  # type: ignore[arg-type]
    gate = asyncio.Event()

    async def write(events: list, finished: list, touched: set) -> list:
        await gate.wait()  # the owner's commit, slower than the bus's this time
        stored.extend(p.kind for p in events)
        return ids.take(events)

    journal._write = write  # type: ignore[method-assign]
    journal.start()
    bus._writer = asyncio.create_task(bus._write_loop())
    try:
        journal.record([EngineEvent("group.stats", 7, 1, 0.0, {"queue": 0})])
        await asyncio.sleep(0)  # the journal's loop takes it and waits on its commit
        bus.publish("group.updated", 1, 7, {"group": {}}, 0.0)
        await asyncio.sleep(0.02)
        assert stored == [], "the bus stored its event while the engine's earlier one was uncommitted"
        gate.set()
        await asyncio.wait_for(bus.flush(), 1)
        assert stored == ["group.stats", "group.updated"]
        assert [(e.id, e.kind) for e in bus._recent] == [(1, "group.stats"), (2, "group.updated")]
    finally:
        await journal.stop()
        await bus.stop()
    assert bus.before_store is None, "a stopped journal still holds the bus back"
