"""Who runs the queues: the process holding a PostgreSQL advisory lock.

One session-level advisory lock for the whole engine. Agents serve several
groups and an agent who becomes free is offered the best call across all of
them, so the unit one process must own is a set of groups that share agents;
one lock over all groups is the simplest such set (the other processes serve
the API and the live streams, and forward what needs the queues to the owner).

The lock is held by a dedicated connection, which also carries every write of
the owner's engine (backend/cluster/journal.py): when that session ends —
the process died, or the network to the database went — PostgreSQL frees the
lock and the owner can no longer write. The others try to take the lock every
`poll_s`; the owner checks its connection as often and steps down when it is
gone. The owner shows its address to the others as the connection's
application_name, so they know where to forward to (pg_stat_activity).

Takeover time: `poll_s` plus building the engine when the owner's process
dies (its socket closes at once); when its machine or network dies instead,
PostgreSQL notices through TCP keepalives (set on the lock connection: about
11 s).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.db.database import Database
from backend.tasks import cancel_all

log = logging.getLogger(__name__)

#: pg_try_advisory_lock(CLASS, OBJ): "vaxe", "l" + engine.
LOCK_CLASS = 0x76617865
LOCK_OBJ = 0x6C01
APP_PREFIX = "vaxel-owner "


class Ownership:
    def __init__(
        self,
        db: Database,
        advertise_url: str,
        on_acquired: Callable[[AsyncConnection, asyncio.Lock], Awaitable[None]],
        on_lost: Callable[[], Awaitable[None]],
        *,
        poll_s: float = 0.5,
    ) -> None:
        self.db = db
        self.advertise_url = advertise_url
        self.on_acquired = on_acquired
        self.on_lost = on_lost
        self.poll_s = poll_s
        self.is_owner = False
        self.conn: AsyncConnection | None = None
        self.lock = asyncio.Lock()  # one user of `conn` at a time
        self._task: asyncio.Task[None] | None = None
        self._owner_url: str | None = None

    async def start(self) -> bool:
        """Take the lock if it is free (then this process runs the queues); True if taken."""
        await self._try()
        return self.is_owner

    def watch(self) -> None:
        """From now on: take over when the owner goes; step down when the lock is lost."""
        self._task = asyncio.create_task(self._watch(), name="ownership")

    async def stop(self) -> None:
        await cancel_all(self._task)
        if self.conn is not None:
            try:
                await self.conn.close()  # ends the session: the lock goes with it
            except Exception:  # noqa: BLE001
                pass
            self.conn = None

    async def _connect(self) -> AsyncConnection:
        conn = await self.db.engine.connect()
        # Out of the pool's reach: this session lives as long as ownership does.
        # The engine's writes go through this session (journal.py). They commit
        # without waiting for the disk: visible at once and kept if this process
        # dies; only a crash of PostgreSQL itself may lose the last ~0.6 s of them.
        await conn.execute(
            text(
                "SELECT set_config('tcp_keepalives_idle', '5', false), "
                "set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false), "
                "set_config('synchronous_commit', 'off', false)"
            )
        )
        await conn.commit()
        return conn

    async def _try(self) -> None:
        try:
            if self.conn is None:
                self.conn = await self._connect()
            async with self.lock:
                got = await self.conn.scalar(
                    text("SELECT pg_try_advisory_lock(:c, :o)"), {"c": LOCK_CLASS, "o": LOCK_OBJ}
                )
                if got:
                    await self.conn.execute(
                        text("SELECT set_config('application_name', :name, false)"),
                        {"name": (APP_PREFIX + self.advertise_url)[:63]},
                    )
                await self.conn.commit()
        except Exception as exc:  # noqa: BLE001 - the database is away: try again later
            log.warning("ownership: cannot reach the database (%s)", exc)
            await self._drop_conn()
            return
        if got:
            try:
                await self.on_acquired(self.conn, self.lock)
            except Exception:  # noqa: BLE001 - give the lock back rather than hold it idle
                log.exception("could not take over the queues; releasing the lock")
                await self._drop_conn()
                return
            self.is_owner = True
            log.info("this process now runs the queues")

    async def _drop_conn(self) -> None:
        if self.conn is not None:
            try:
                await self.conn.invalidate()
            except Exception:  # noqa: BLE001
                pass
            self.conn = None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            if not self.is_owner:
                await self._try()
                continue
            try:
                async with self.lock:
                    await asyncio.wait_for(self.conn.execute(text("SELECT 1")), 5)  # type: ignore[union-attr]
                    await self.conn.commit()  # type: ignore[union-attr]
            except Exception as exc:  # noqa: BLE001
                log.error("ownership lost: the lock connection failed (%s); stepping down", exc)
                self.is_owner = False
                await self._drop_conn()
                await self.on_lost()

    async def owner_url(self) -> str | None:
        """The address the current owner advertised (None: nobody owns the queues now)."""
        if self.is_owner:
            return self.advertise_url
        async with self.db.engine.connect() as conn:
            name = await conn.scalar(
                text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :c AND l.objid = :o "
                    "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"c": LOCK_CLASS, "o": LOCK_OBJ},
            )
        if not name or not name.startswith(APP_PREFIX):
            return None
        return name[len(APP_PREFIX):]
