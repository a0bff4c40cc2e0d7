"""bench/load.py at a small scale: 50 event-stream clients beside a write load on SQLite.

Every client must get every event id, in order, once; no write fails, and no
"database is locked" appears anywhere (WAL and a busy timeout,
backend/db/database.py). The figures at full scale are in bench/load.md.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3

import httpx
import pytest

from bench.sse_clients import Received, stream
from tests.server import RunningServer

CLIENTS = 50
WRITERS = 4
SAVES = 20


async def write_load(server: RunningServer, token: str, group_id: int) -> list[int]:
    statuses = []
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        etag = (await client.get(f"/response-groups/{group_id}")).headers["etag"]
        for i in range(SAVES):
            response = await client.patch(f"/response-groups/{group_id}", json={"ai_info": f"sparad {i}"}, headers={"If-Match": etag})
            statuses.append(response.status_code)
            etag = response.headers.get("etag", etag)
    return statuses


async def test_fifty_streams_beside_writes_get_every_event_once(server: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    token = server.token("admin")
    with sqlite3.connect(server.database) as db:
        start_id = db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    stop = asyncio.Event()
    received = [Received() for _ in range(CLIENTS)]
    connected = [asyncio.Event() for _ in range(CLIENTS)]
    host, port = "127.0.0.1", server.port
    readers = [asyncio.create_task(stream(host, port, token, r, stop=stop, connected=c)) for r, c in zip(received, connected, strict=True)]
    await asyncio.wait_for(asyncio.gather(*(c.wait() for c in connected)), 30)
    for _ in range(300):  # subscribed on the server, not only answered
        if server.state.bus.subscriber_count >= CLIENTS:
            break
        await asyncio.sleep(0.02)
    assert server.state.bus.subscriber_count >= CLIENTS

    results = await asyncio.gather(*(write_load(server, token, group_id) for group_id in range(1, WRITERS + 1)))
    assert all(status == 200 for statuses in results for status in statuses), results

    await server.acall(server.state.bus.flush)
    with sqlite3.connect(server.database) as db:
        expected = [row[0] for row in db.execute("SELECT id FROM events WHERE id > ? AND org_id = 1 ORDER BY id", (start_id,))]
    assert len(expected) >= WRITERS * SAVES, "every save is announced"
    for _ in range(500):
        if all(r.ids[-1:] == expected[-1:] for r in received):
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.gather(*readers)

    for client in received:
        assert client.status == 200 and client.error is None, client.error
        assert client.ids == expected, "a gap, a duplicate or a reordering"
    assert not [r.getMessage() for r in caplog.records if "locked" in r.getMessage().lower()]
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
