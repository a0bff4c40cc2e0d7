"""The storages the tests run on: a SQLite file, and PostgreSQL when reachable.

PostgreSQL: one template database per test session, migrated and demo-seeded
once; every test gets its own database copied from it (`CREATE DATABASE …
TEMPLATE …`, 0.1–1 s on a busy server, made ahead in a thread),
dropped afterwards. Advisory locks and
LISTEN/NOTIFY are per database, so tests cannot see each other's, even when
several test runs share the server. `VAXEL_TEST_PG` points elsewhere
(default postgresql://postgres@127.0.0.1:5432/test).
"""
from __future__ import annotations

import asyncio
import itertools
import os
import queue
import secrets
import threading
from functools import cache

import asyncpg

PG_ADMIN_URL = os.environ.get("VAXEL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PREFIX = "vaxel_test_"
_counter = itertools.count(1)


def _run(coro):  # noqa: ANN001, ANN202
    return asyncio.run(coro)


async def _admin(timeout: float = 30) -> asyncpg.Connection:
    """A connection for creating and dropping databases. Generous timeout: while a
    test run creates a database per test, PostgreSQL checkpoints (CREATE DATABASE
    … FILE_COPY forces one) and a connection took over 3 s on CI's loaded machine."""
    return await asyncpg.connect(PG_ADMIN_URL, timeout=timeout)


@cache
def pg_unreachable() -> str | None:
    """None when PostgreSQL answers; else why not (the reason a test is skipped with)."""

    async def probe() -> None:
        conn = await _admin(timeout=5)
        await conn.close()

    try:
        _run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL} (set VAXEL_TEST_PG): {type(exc).__name__}: {exc}"
    return None


def sqlalchemy_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return base.replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name


def new_name(kind: str) -> str:
    return f"{PREFIX}{os.getpid()}_{kind}_{next(_counter)}_{secrets.token_hex(3)}"


def create_database(name: str, template: str | None = None) -> str:
    async def create() -> None:
        conn = await _admin()
        try:
            if template is None:
                await conn.execute(f'CREATE DATABASE "{name}"')
            else:
                strategy = " STRATEGY FILE_COPY" if conn.get_server_version().major >= 15 else ""
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        finally:
            await conn.close()

    _run(create())
    return sqlalchemy_url(name)


def drop_database(name: str) -> None:
    async def drop() -> None:
        conn = await _admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    _run(drop())


def drop_stale_databases() -> None:
    """Databases left by test runs that were killed (their process is gone)."""

    async def sweep() -> None:
        conn = await _admin()
        try:
            names = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", PREFIX + "%")
            for (name,) in names:
                pid = name[len(PREFIX):].split("_", 1)[0]
                if pid.isdigit() and int(pid) != os.getpid() and not os.path.exists(f"/proc/{pid}"):
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    _run(sweep())


class DatabasePool:
    """Copies of the template made ahead, in a thread, while tests run (a copy takes
    0.1–1 s on a busy server); used ones are dropped in the same thread."""

    def __init__(self, template: str, ahead: int = 2) -> None:
        self.template = template
        self._ready: queue.Queue[tuple[str, str] | BaseException] = queue.Queue()
        self._todo: queue.Queue[tuple[str, str | None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="pg-test-databases", daemon=True)
        self._thread.start()
        for _ in range(ahead):
            self._todo.put(("make", None))

    def _work(self) -> None:
        while (job := self._todo.get()) is not None:
            what, name = job
            try:
                if what == "make":
                    self._ready.put(self._make())
                else:
                    drop_database(name)  # type: ignore[arg-type]
            except BaseException as exc:  # noqa: BLE001 - handed to the test that waits
                if what == "make":
                    self._ready.put(exc)

    def _make(self, attempts: int = 3) -> tuple[str, str]:
        """A fresh copy; a connection that timed out is tried again (each try with
        a new name: a failed connect created nothing)."""
        for attempt in range(1, attempts + 1):
            name = new_name("t")
            try:
                return name, create_database(name, self.template)
            except (OSError, TimeoutError):
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def take(self) -> tuple[str, str]:
        """(name, SQLAlchemy URL) of a fresh copy; another is started at once."""
        self._todo.put(("make", None))
        got = self._ready.get(timeout=60)
        if isinstance(got, BaseException):
            raise got
        return got

    def give_back(self, name: str) -> None:
        self._todo.put(("drop", name))

    def close(self) -> None:
        """Drop what is left, the copies made ahead included."""
        self._todo.put(None)
        self._thread.join(timeout=60)
        while not self._ready.empty():
            got = self._ready.get()
            if not isinstance(got, BaseException):
                drop_database(got[0])
