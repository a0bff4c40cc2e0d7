"""A real Vaxel backend for tests: uvicorn on a loopback port, a real SQLite file
(or a PostgreSQL database: `database` is then its SQLAlchemy URL, see tests/storage.py).

It runs in a thread with its own event loop, like a separate server; the test
talks to it over HTTP. The engine's clock is a FakeClock the test moves, and
`call()` runs a function on the server's loop (the engine is not thread-safe).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

from backend.app import create_app
from backend.config import ServerSettings
from backend.engine.clock import Clock, FakeClock
from backend.server import bind_socket, url_of, uvicorn_config
from backend.state import AppState

T = TypeVar("T")

#: 2026-11-25 09:00 in Stockholm (08:00 UTC), a Wednesday: office hours.
T0 = 1_795_680_000.0


class RunningServer:
    def __init__(self, database: Path | str, *, clock: Clock | None = None, demo: bool = True, simulate: bool = False, **settings: Any) -> None:
        self.database = database
        self.clock = clock if clock is not None else FakeClock(T0)
        self.settings = ServerSettings(
            host="127.0.0.1",
            port=0,
            database=database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}",
            demo=demo,
            simulate=simulate,
            **settings,
        )
        self.app = create_app(self.settings, self.clock)
        self._sock = bind_socket("127.0.0.1", 0)
        self.url = url_of(self._sock, tls=self.settings.tls_cert is not None)
        self.settings.advertise_url = self.url  # several processes: where the others forward to
        self.port = self._sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn_config(self.app, self.settings))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="vaxel-test-server", daemon=True)

    def _run(self) -> None:
        self._loop = loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._server.serve(sockets=[self._sock]))
        finally:
            # sse-starlette leaves a shutdown watcher behind; end it quietly.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def start(self) -> RunningServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test backend did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)

    @property
    def state(self) -> AppState:
        return self.app.state.vaxel

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the server's loop (sync or async) and return its result."""
        assert self._loop is not None

        async def run() -> T:
            result = fn(*args, **kwargs)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result(timeout=30)

    async def acall(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`call()` for async tests: waits without blocking the test's loop."""
        return await asyncio.wrap_future(
            concurrent.futures.ThreadPoolExecutor(max_workers=1).submit(self.call, fn, *args, **kwargs)
        )

    def flush_events(self) -> None:
        """Wait until every event published so far has been stored and sent."""

        async def flush() -> None:
            if self.state.engine.journal is not None:  # PostgreSQL: the engine's events go through it
                await self.state.engine.flush()
            await self.state.bus.flush()

        self.call(flush)

    def token(self, username: str = "admin", password: str | None = None) -> str:
        response = httpx.post(
            f"{self.url}/api/v1/auth/token",
            json={"username": username, "password": password or username},
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def client(self, username: str = "admin", password: str | None = None) -> httpx.Client:
        token = self.token(username, password)
        return httpx.Client(base_url=self.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def seeded_template(directory: Path) -> Path:
    """A migrated, demo-seeded database, built once per test session."""
    path = directory / "template.db"
    if not path.exists():
        server = RunningServer(path).start()
        server.stop()
    return path


def fresh_database(template: Path, directory: Path) -> Path:
    target = directory / "vaxel.db"
    shutil.copy(template, target)
    for suffix in ("-wal", "-shm"):
        extra = template.with_name(template.name + suffix)
        if extra.exists():
            shutil.copy(extra, target.with_name(target.name + suffix))
    return target
