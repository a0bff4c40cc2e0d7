"""What the owner of the queues writes, atomically, on the connection holding its lock.

With several processes, an engine operation becomes visible only once its
events, the snapshots of the calls it touched and the calls it finished are
committed together, in one transaction on the connection that holds the
ownership lock (backend/cluster/owner.py). That connection is the fence: a
process that lost it (its session ended, so the lock is free for another)
can no longer write anything, so nobody ever sees — or is told to ring a phone
for — an operation of a process that no longer owns the queues. The PBX API
answers only after the commit (`flush()`), so an acknowledged operation
survives the owner's death and is adopted by the next one.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.cluster.adopt import snapshot, touched_calls
from backend.db.models import CallRow, LiveCallRow
from backend.engine.model import EngineEvent
from backend.events import EventBus
from backend.tasks import cancel_all

log = logging.getLogger(__name__)


class Journal:
    def __init__(
        self,
        conn: AsyncConnection,
        lock: asyncio.Lock,
        bus: EventBus,
        live_call: Callable[[int], object | None],
        call_rows: Callable[[list[dict]], list[CallRow]],
    ) -> None:
        self.conn = conn
        self.lock = lock  # shared with the ownership check on the same connection
        self.bus = bus
        self.live_call = live_call
        self.call_rows = call_rows
        self._events: list = []
        self._finished: list[dict] = []
        self._touched: set[int] = set()
        self._wake = asyncio.Event()
        self._in_order = asyncio.Lock()  # held from taking events until they are handed out
        self._task: asyncio.Task[None] | None = None

    def record(self, events: list[EngineEvent]) -> None:
        """Engine listener: queue the operation's events and the calls they touched."""
        for event in events:
            self._events.append(self.bus.encode(event.kind, event.org_id, event.group_id, event.payload, event.at))
            if event.kind == "call.ended":
                self._finished.append({"group_id": event.group_id, "org_id": event.org_id, **event.payload})
        self._touched |= touched_calls(events)
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="journal")
        # Events published on the bus (a save's group.updated) go after the
        # engine's recorded before them (its group.stats): ids in causal order.
        self.bus.before_store = self.flush

    async def stop(self) -> None:
        if self.bus.before_store == self.flush:
            self.bus.before_store = None
        await cancel_all(self._task)

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the connection went: ownership notices and steps down
                log.exception("could not write the journal; retrying")
                await asyncio.sleep(0.5)

    async def flush(self) -> None:
        """Commit everything recorded so far, then hand its events to subscribers.

        Returns once they are handed out, those another flush took before this
        one included (`_in_order`): a flush that found nothing left to take
        must still wait for the one that took it, or its caller would read
        `bus.last_id` before those events count."""
        async with self._in_order:
            async with self.lock:
                self._wake.clear()
                events, finished, touched = self._events, self._finished, self._touched
                if not (events or finished or touched):
                    return
                self._events, self._finished, self._touched = [], [], set()
                try:
                    stored = await self._write(events, finished, touched)
                except BaseException:
                    self._events[:0], self._finished[:0] = events, finished
                    self._touched |= touched
                    self._wake.set()
                    raise
            await self.bus.deliver_stored(stored)

    async def _write(self, events: list, finished: list[dict], touched: set[int]) -> list:
        live = {}
        for call_id in touched:
            call = self.live_call(call_id)
            if call is not None:
                live[call_id] = call
        async with AsyncSession(bind=self.conn, expire_on_commit=False) as session:
            async with session.begin():
                if touched:
                    await session.execute(delete(LiveCallRow).where(LiveCallRow.id.in_(touched)))
                if live:
                    await session.execute(
                        insert(LiveCallRow),
                        [
                            {"id": c.id, "org_id": c.org_id, "group_id": c.group_id, "state": snapshot(c)}
                            for c in live.values()
                        ],
                    )
                if finished:
                    session.add_all(self.call_rows(finished))
                return await self.bus.insert(session, events)
