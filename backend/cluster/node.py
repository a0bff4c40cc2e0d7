"""This process as one of several on a shared PostgreSQL: ownership of the queues,
the engine going active or passive with it, passive copies kept current, and
the caches of signed-in users cleared in every process at once."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from sqlalchemy import text

from backend.cluster.journal import Journal
from backend.cluster.notify import Follower
from backend.cluster.owner import Ownership
from backend.engine.service import EngineService
from backend.events import Event, EventBus
from backend.services.auth import PrincipalCache
from backend.services.schedules import load_book

AUTH_CHANNEL = "vaxel_auth"


class SharedPrincipals(PrincipalCache):
    """The cache of token -> user, cleared in every process when one clears it (a
    sign-out, a changed supervisor or agent group), through NOTIFY vaxel_auth."""

    def __init__(self, tell: Callable[[], None]) -> None:
        super().__init__()
        self._tell = tell

    def clear(self) -> None:
        super().clear()
        self._tell()

    def drop(self, digest: str) -> None:
        super().drop(digest)
        self._tell()

    def cleared_elsewhere(self) -> None:
        PrincipalCache.clear(self)

log = logging.getLogger(__name__)


class Cluster:
    def __init__(self, engine: EngineService, bus: EventBus, advertise_url: str, *, poll_s: float = 0.5) -> None:
        self.engine = engine
        self.bus = bus
        self.ownership = Ownership(engine.db, advertise_url, self._acquired, self._lost, poll_s=poll_s)
        self._tasks: set[asyncio.Task[None]] = set()
        self.principals = SharedPrincipals(self._tell_auth)
        self._auth = Follower(engine.db.url, AUTH_CHANNEL, self._auth_changed)

    async def start(self) -> None:
        if not await self.ownership.start():
            await self.engine.start(active=False)
        self.bus.observers.append(self._observe)
        self.ownership.watch()
        await self._auth.start()

    async def stop(self) -> None:
        await self._auth.stop()
        await self.engine.stop()
        await self.ownership.stop()

    def _spawn(self, coro) -> None:  # noqa: ANN001
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _tell_auth(self) -> None:
        async def notify() -> None:
            async with self.engine.db.engine.connect() as conn:
                await conn.execute(text("SELECT pg_notify(:c, '')"), {"c": AUTH_CHANNEL})
                await conn.commit()

        self._spawn(notify())

    async def _auth_changed(self) -> None:
        self.principals.cleared_elsewhere()

    async def _acquired(self, conn: AsyncConnection, lock: asyncio.Lock) -> None:
        journal = Journal(
            conn, lock, self.bus, lambda call_id: self.engine.require().calls.get(call_id), self.engine.history_rows
        )
        dropped = await self.engine.activate(journal)
        if dropped:
            log.warning("calls in progress that could not be adopted: %s", dropped)

    async def _lost(self) -> None:
        await self.engine.deactivate()

    def _observe(self, event: Event) -> None:
        """A passive copy follows the settings the owner changes (group status, numbers)."""
        if self.ownership.is_owner or event.group_id is None:
            return
        if event.kind in ("group.updated", "group.created", "group.deleted"):
            self.engine.db.read_cache.clear()  # the owner's commit does not reach this cache
            self._spawn(self._reload(event.group_id))

    async def _reload(self, group_id: int) -> None:
        async with self.engine.db.session() as session:
            await load_book(session, self.engine.schedules)  # a schedule change comes as group.updated
        await self.engine.reload_group(group_id)
