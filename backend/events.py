"""The live event stream: persisted, numbered, and fanned out to subscribers.

`publish()` never blocks: events are queued, written to the `events` table in
batches (the database assigns the ids, so a client's `Last-Event-ID` means the
same thing after a restart), then handed to every subscriber. A subscriber
that resumes replays from memory when it can and from the table otherwise; when
even the table no longer has what it missed, it is told to resync.

On PostgreSQL several processes share the table (docs/deployment.md). Each
batch is inserted holding a transaction-level advisory lock, so ids are taken
and committed in the same order: once id N is visible, every id below N is
committed (or was never used). The insert also sends NOTIFY with its last id;
every process (the writer too) hands events to its subscribers only in id
order, from the batch it wrote when that follows on, or read back from the
table otherwise. So every client sees the same gap-free sequence whichever
process it is connected to, and `Last-Event-ID` resumes on any of them.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import delete, func, insert, select, text

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.database import Database
from backend.db.models import EventRow

log = logging.getLogger(__name__)

#: Sent when a subscriber cannot be resumed without a gap: reload snapshots.
RESYNC = "resync"
#: PostgreSQL: the NOTIFY channel, and the advisory lock that orders inserts.
CHANNEL = "vaxel_events"
INSERT_LOCK = 0x7661_7865_6C01  # "vaxel" 1


@dataclass(frozen=True)
class Event:
    id: int
    at: float
    kind: str
    org_id: int
    group_id: int | None
    data: str  # JSON, encoded once for every subscriber

    @cached_property
    def sse(self) -> bytes:
        """The event as it goes on the wire, encoded once for every subscriber."""
        return f"id: {self.id}\r\nevent: {self.kind}\r\ndata: {self.data}\r\n\r\n".encode()

    @cached_property
    def groups(self) -> frozenset[int]:
        """The response groups this event concerns (for who may see it)."""
        if self.group_id is not None:
            return frozenset((self.group_id,))
        try:
            return frozenset(json.loads(self.data).get("group_ids", ()))
        except (ValueError, AttributeError):
            return frozenset()


@dataclass
class _Pending:
    at: float
    kind: str
    org_id: int
    group_id: int | None
    data: str


#: A subscriber this many events behind is cut off (it reconnects and resumes).
MAX_BEHIND = 10_000


@dataclass(eq=False)
class Subscription:
    """One stream's share of the events: a list the bus appends to and the
    stream takes whole, so a burst goes out as one write and wakes its task
    once (bench/load.md). `wait()` returns when there is something to do."""

    org_id: int
    accepts: Callable[[Event], bool]
    pending: list[Event] = field(default_factory=list)
    overflowed: bool = False
    closed: bool = False
    _waiter: asyncio.Future[None] | None = None

    def put(self, event: Event) -> None:
        if len(self.pending) >= MAX_BEHIND:
            self.overflowed = True
        else:
            self.pending.append(event)
        self.wake()

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        self.closed = True
        self.wake()

    async def wait(self) -> None:
        """Until there are events, the stream is closed or cut off, or `wake()`."""
        if self.pending or self.closed or self.overflowed:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def take(self) -> list[Event]:
        events, self.pending = self.pending, []
        return events


class EventBus:
    def __init__(self, db: Database, *, memory: int = 20_000, retain: int = 200_000) -> None:
        self.db = db
        self._recent: deque[Event] = deque(maxlen=memory)
        self._retain = retain
        self._pending: list[_Pending] = []
        self._wake = asyncio.Event()
        self._subscribers: set[Subscription] = set()
        self._writer: asyncio.Task[None] | None = None
        self._flushed = asyncio.Condition()
        self.last_id = 0
        self._writes = 0
        self._writing = False  # a batch is taken but not yet stored and sent
        self._shared = not db.is_sqlite  # other processes may write events too
        self._order = asyncio.Lock()  # delivery in id order (own batches and others')
        self._follower = None
        #: Called with every event in id order, whichever process wrote it.
        self.observers: list[Callable[[Event], None]] = []
        #: Awaited before a batch is stored: the owner's journal (cluster/journal.py)
        #: commits the engine's events recorded before it, so that a save's
        #: `group.stats` still comes before its `group.updated`, as with one process.
        self.before_store: Callable[[], Awaitable[None]] | None = None

    async def start(self) -> None:
        async with self.db.session() as session:
            self.last_id = (await session.scalar(select(func.max(EventRow.id)))) or 0
        self._writer = asyncio.create_task(self._write_loop(), name="event-writer")
        if self._shared:
            from backend.cluster.notify import Follower

            self._follower = Follower(self.db.url, CHANNEL, self.catch_up)
            await self._follower.start()

    async def stop(self) -> None:
        if self._follower:
            await self._follower.stop()
        if self._writer:
            await self.flush()
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
        for sub in list(self._subscribers):
            sub.close()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @staticmethod
    def encode(kind: str, org_id: int, group_id: int | None, payload: dict[str, Any], at: float) -> _Pending:
        body = {"group_id": group_id, "at": at, **payload} if group_id is not None else {"at": at, **payload}
        return _Pending(at, kind, org_id, group_id, json.dumps(body, separators=(",", ":")))

    def publish(self, kind: str, org_id: int, group_id: int | None, payload: dict[str, Any], at: float) -> None:
        self._pending.append(self.encode(kind, org_id, group_id, payload, at))
        self._wake.set()

    async def flush(self) -> None:
        """Wait until everything published so far has been written and sent."""
        async with self._flushed:
            await self._flushed.wait_for(lambda: not self._pending and not self._wake.is_set() and not self._writing)

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            self._writing = True
            if batch:
                if self.before_store is not None:
                    try:
                        await self.before_store()
                    except Exception:  # noqa: BLE001 - order is lost, not the events; the journal retries
                        log.warning("the engine's events could not be written first", exc_info=True)
                try:
                    events = await self._store(batch)
                except Exception:  # noqa: BLE001 - keep the stream alive; log why
                    log.exception("could not store %d events; retrying", len(batch))
                    self._pending[:0] = batch
                    await asyncio.sleep(0.5)
                    self._wake.set()
                    continue
                await self.deliver_stored(events)
                self._writes += 1
                if self._writes % 1000 == 0:
                    await self._prune()
            self._writing = False
            async with self._flushed:
                self._flushed.notify_all()

    def _hand_out(self, events: list[Event]) -> None:
        for event in events:
            self._recent.append(event)
            self._deliver(event)
            for observer in self.observers:
                observer(event)
        self.last_id = events[-1].id

    async def _read_back(self, upto: int | None = None) -> None:
        """Deliver what others wrote after `last_id` (held: `_order`)."""
        while True:
            query = select(EventRow).where(EventRow.id > self.last_id).order_by(EventRow.id).limit(2000)
            if upto is not None:
                query = query.where(EventRow.id <= upto)
            async with self.db.session() as session:
                rows = (await session.scalars(query)).all()
            if not rows:
                return
            self._hand_out([Event(r.id, r.at, r.kind, r.org_id, r.group_id, r.payload) for r in rows])

    async def catch_up(self) -> None:
        """Another process committed events (NOTIFY), or the listener reconnected."""
        async with self._order:
            await self._read_back()

    async def deliver_stored(self, events: list[Event]) -> None:
        """Hand committed events to subscribers, in id order after those before them."""
        if not events:
            return
        async with self._order:
            if events[0].id == self.last_id + 1 or not self._shared:
                self._hand_out(events)
            elif events[-1].id > self.last_id:
                await self._read_back(events[-1].id)

    async def _store(self, batch: list[_Pending]) -> list[Event]:
        async with self.db.session() as session, session.begin():
            return await self.insert(session, batch)

    async def insert(self, session: AsyncSession, batch: list[_Pending]) -> list[Event]:
        """Insert in the caller's transaction; `deliver_stored()` once it has committed."""
        if not batch:
            return []
        rows = [
            {"at": p.at, "kind": p.kind, "org_id": p.org_id, "group_id": p.group_id, "payload": p.data}
            for p in batch
        ]
        if self._shared:
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INSERT_LOCK})
        ids = (
            await session.scalars(insert(EventRow).returning(EventRow.id, sort_by_parameter_order=True), rows)
        ).all()
        if self._shared:
            await session.execute(text("SELECT pg_notify(:channel, :last)"), {"channel": CHANNEL, "last": str(ids[-1])})
        return [
            Event(id=i, at=p.at, kind=p.kind, org_id=p.org_id, group_id=p.group_id, data=p.data)
            for i, p in zip(ids, batch, strict=True)
        ]

    async def _prune(self) -> None:
        cutoff = self.last_id - self._retain
        if cutoff > 0:
            async with self.db.session() as session, session.begin():
                await session.execute(delete(EventRow).where(EventRow.id <= cutoff))

    def _deliver(self, event: Event) -> None:
        org_id = event.org_id
        for sub in list(self._subscribers):
            if sub.org_id == org_id and not sub.overflowed and sub.accepts(event):
                sub.put(event)

    def open(self, org_id: int, accepts: Callable[[Event], bool]) -> Subscription:
        """Start receiving live events (`close()` when done); `replay()` for what came before."""
        sub = Subscription(org_id=org_id, accepts=accepts)
        self._subscribers.add(sub)
        return sub

    def close(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    async def replay(self, sub: Subscription, last_event_id: int | None) -> tuple[list[Event], int]:
        """What `sub` missed after `last_event_id` (nothing when None: from now), and
        the id it is then up to; live events up to that id are to be skipped.
        Call right after `open()`, so nothing falls between the two."""
        if last_event_id is None:
            return [], self.last_id
        if last_event_id > self.last_id:
            # An id this stream never gave (another database, or a reset).
            return [Event(self.last_id, 0.0, RESYNC, sub.org_id, None, "{}")], self.last_id
        if last_event_id == self.last_id:
            return [], last_event_id
        missed = await self._since(sub.org_id, last_event_id)
        if missed is None:
            return [Event(self.last_id, 0.0, RESYNC, sub.org_id, None, "{}")], self.last_id
        sent = last_event_id
        events = []
        for event in missed:
            if sub.accepts(event):
                events.append(event)
            sent = event.id
        return events, sent

    async def _since(self, org_id: int, after: int) -> list[Event] | None:
        """Events after `after` for the org, or None when some are gone."""
        if self._recent and self._recent[0].id <= after + 1:
            return [e for e in self._recent if e.id > after and e.org_id == org_id]
        async with self.db.session() as session:
            oldest = await session.scalar(select(func.min(EventRow.id)))
            if oldest is None or oldest > after + 1:
                return None
            rows = (
                await session.scalars(
                    select(EventRow)
                    .where(EventRow.id > after, EventRow.org_id == org_id)
                    .order_by(EventRow.id)
                )
            ).all()
        return [Event(r.id, r.at, r.kind, r.org_id, r.group_id, r.payload) for r in rows]
