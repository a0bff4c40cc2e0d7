"""LISTEN on a PostgreSQL channel over a dedicated connection, reconnecting when lost.

A notification only wakes the reader: what changed is read from the database
(`on_notify`), so a notification lost while the connection was down costs
nothing but the time to reconnect — the reader catches up after each connect.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy.engine import make_url

from backend.tasks import cancel_all

log = logging.getLogger(__name__)


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL (postgresql+asyncpg://…) as a libpq/asyncpg DSN."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Follower:
    def __init__(self, url: str, channel: str, on_notify: Callable[[], Awaitable[None]], *, retry_s: float = 0.5) -> None:
        self.dsn = asyncpg_dsn(url)
        self.channel = channel
        self.on_notify = on_notify
        self.retry_s = retry_s
        self._wake = asyncio.Event()
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_loop(), name=f"listen-{self.channel}")
        self._reader = asyncio.create_task(self._read_loop(), name=f"read-{self.channel}")
        try:
            await asyncio.wait_for(self._connected.wait(), 10)
        except TimeoutError:
            log.warning("LISTEN %s: not connected yet; retrying in the background", self.channel)

    async def stop(self) -> None:
        await cancel_all(self._task, self._reader)

    def _notified(self, *_args: object) -> None:
        self._wake.set()

    async def _listen_loop(self) -> None:
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(self.dsn, timeout=10)
                self._lost.clear()
                conn.add_termination_listener(lambda _c: self._lost.set())
                await conn.add_listener(self.channel, self._notified)
                self._connected.set()
                self._wake.set()  # catch up on whatever came before LISTEN
                while not self._lost.is_set():
                    # A cheap query now and then notices a silently dead connection.
                    try:
                        await asyncio.wait_for(self._lost.wait(), 5)
                    except TimeoutError:
                        await conn.execute("SELECT 1", timeout=5)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening whatever happened
                log.warning("LISTEN %s lost (%s); reconnecting", self.channel, exc)
            finally:
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(self.retry_s)

    async def _read_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.on_notify()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("reading after NOTIFY %s failed; retrying", self.channel)
                await asyncio.sleep(self.retry_s)
                self._wake.set()
