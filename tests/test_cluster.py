"""Several backend processes on one PostgreSQL database (docs/deployment.md).

Events written by any process reach the clients of every process in one gap-free
order; one process owns the queues and the others forward to it; the owner's calls
survive a restart and its death (kill -9 mid-traffic), each ending exactly once,
none routed twice.
"""
from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from backend.cluster.forward import needs_owner
from tests.cluster_kit import EventLog, FailoverClient, ServeProcess, routing_violations, token
from tests.server import RunningServer
from tests.storage import PG_ADMIN_URL

#: Tests that take a `database` run on PostgreSQL only (SQLite is one process).
pytestmark = pytest.mark.storages("postgresql")


def fetch(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    dsn = PG_ADMIN_URL.rpartition("/")[0] + "/" + url.rpartition("/")[2]

    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def wait_for(predicate, what: str, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def pair(database: str) -> tuple[RunningServer, RunningServer]:
    """Two backends in this test process, on the same database: the first owns the queues."""
    first = RunningServer(database).start()
    second = RunningServer(database, clock=first.clock).start()
    yield first, second
    second.stop()
    first.stop()


def test_the_first_process_owns_the_queues_and_the_other_forwards(pair) -> None:  # noqa: ANN001
    first, second = pair
    assert httpx.get(first.url + "/healthz").json()["queues"] == "owner"
    assert httpx.get(second.url + "/healthz").json()["queues"] == "standby"
    with second.client("pbx") as pbx, second.client("admin") as admin:
        ref = pbx.post("/pbx/calls", json={"group_id": 1, "caller": "+46700000001"})
        assert ref.status_code == 201, ref.text
        # The call lives in the owner's engine only; the standby's live view is the owner's.
        call_id = ref.json()["call_id"]
        assert call_id in first.call(lambda: set(first.state.engine.require().calls))
        assert call_id not in second.call(lambda: set(second.state.engine.require().calls))
        waiting = admin.get("/response-groups/1/live").json()
        assert call_id in {c["id"] for c in waiting["waiting"]} | {a.get("call_id") for a in waiting["agents"]}


def test_what_needs_the_queues_is_forwarded_and_the_rest_is_served_locally() -> None:
    assert needs_owner("POST", "/api/v1/pbx/calls")
    assert needs_owner("PATCH", "/api/v1/response-groups/3")
    assert needs_owner("POST", "/api/v1/response-groups/3/agents/7/login")
    assert needs_owner("GET", "/api/v1/response-groups")
    assert needs_owner("GET", "/api/v1/response-groups/3/live")
    assert needs_owner("GET", "/api/v1/response-groups/3/calls")
    assert not needs_owner("GET", "/api/v1/response-groups/3")
    assert not needs_owner("GET", "/api/v1/events")
    assert not needs_owner("POST", "/api/v1/auth/token")
    assert not needs_owner("GET", "/api/v1/me")


def test_concurrent_writers_give_every_client_one_gap_free_order(pair, database: str) -> None:  # noqa: ANN001
    first, second = pair
    bearer = first.token()
    start = fetch(database, "SELECT coalesce(max(id), 0) AS m FROM events")[0]["m"]
    logs = [EventLog(first.url, bearer), EventLog(second.url, bearer)]
    for log in logs:  # from `start` on, however late the stream is connected
        log.events.append((start, "seed", {}, 0.0))
        log.start()

    def burst(server: RunningServer, tag: str) -> None:
        async def publish(n: int) -> None:
            for k in range(n % 3 + 1):  # one to three events a transaction
                server.state.bus.publish("test.ping", 1, None, {"n": n, "k": k, "by": tag}, server.clock.now())
            await server.state.bus.flush()

        for n in range(200):  # both processes committing at once, transaction after transaction
            server.call(publish, n)

    threads = [threading.Thread(target=burst, args=(s, t)) for s, t in ((first, "a"), (second, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.flush_events()
    second.flush_events()
    stored = [r["id"] for r in fetch(database, "SELECT id FROM events WHERE id > $1 ORDER BY id", start)]
    assert len(stored) == 2 * sum(n % 3 + 1 for n in range(200))
    for log in logs:
        wait_for(lambda log=log: log.last_id is not None and log.last_id >= stored[-1], "every event on both streams")
    seen = [[e[0] for e in log.events if e[0] > start] for log in logs]
    assert seen[0] == stored, "the owner's clients see the table's order, nothing missing"
    assert seen[1] == stored, "the other process's clients see the very same sequence"
    by = {e[2]["by"] for e in logs[1].events if e[1] == "test.ping"}
    assert by == {"a", "b"}

    # Resume on the other process from the middle of what one process's client saw.
    middle = stored[len(stored) // 2]
    resumed = EventLog(second.url, bearer)
    resumed.events.append((middle, "seed", {}, 0.0))
    resumed.start()
    wait_for(lambda: resumed.last_id >= stored[-1], "resumed stream")
    for log in (*logs, resumed):
        log.stop()
    assert [e[0] for e in resumed.events[1:] if e[0] <= stored[-1]] == stored[len(stored) // 2 + 1:]


def test_a_change_through_one_process_reaches_the_clients_of_the_other(pair) -> None:  # noqa: ANN001
    first, second = pair
    bearer = first.token()
    on_second = EventLog(second.url, bearer).start()
    time.sleep(0.3)
    with first.client() as admin:
        closed = admin.post("/response-groups/2/close")
        assert closed.status_code == 200, closed.text
        sent = time.monotonic()
    wait_for(lambda: any(e[1] == "group.updated" and e[2]["group"]["id"] == 2 for e in on_second.events), "group.updated on the other process")
    on_second.stop()
    arrived = next(e[3] for e in on_second.events if e[1] == "group.updated")
    print(f"fan-out: {1000 * (arrived - sent):.1f} ms")
    # The other process's copy of the settings follows: its own answer shows the status.
    with second.client() as admin:
        wait_for(lambda: admin.get("/response-groups/2").json()["status"] == "temporarily_closed", "status on the other process")


def test_calls_in_progress_survive_a_restart_in_the_state_they_were_in(database: str) -> None:
    server = RunningServer(database).start()

    def states(running: RunningServer) -> dict[int, tuple]:
        engine = running.state.engine.require()
        return running.call(lambda: {c.id: (c.state.value, c.agent_id, c.queue_key) for c in engine.calls.values()})

    with server.client("pbx") as pbx:
        free = server.call(lambda: sum(a.state.value == "free" for a in server.state.engine.require().agents.values() if 1 in a.logged_in))
        calls = [pbx.post("/pbx/calls", json={"group_id": 1, "caller": f"+467000001{n:02d}"}).json() for n in range(free + 2)]
        offered = [c["call_id"] for c in calls if c["state"] == "offered"]
        assert len(offered) >= 2 and sum(c["state"] == "queued" for c in calls) == 2
        first = offered[0]
        agent = server.call(lambda: server.state.engine.require().calls[first].agent_id)
        assert pbx.post(f"/pbx/calls/{first}/answer", json={"agent_id": agent}).status_code == 200
        before = states(server)
    assert before[first][:2] == ("connected", agent)
    server.stop()
    assert fetch(database, "SELECT count(*) AS n FROM live_calls")[0]["n"] == len(calls)

    again = RunningServer(database, clock=server.clock).start()
    try:
        assert states(again) == before, "each call where it was: connected, ringing at the same agent, queued with its turn"
        with again.client("pbx") as pbx:
            assert pbx.post(f"/pbx/calls/{first}/end", json={}).json()["outcome"] == "answered"
            for c in calls[1:]:
                assert pbx.post(f"/pbx/calls/{c['call_id']}/hangup", json={}).status_code == 200
        assert fetch(database, "SELECT count(*) AS n FROM live_calls")[0]["n"] == 0
        rows = fetch(database, "SELECT id, count(*) AS n FROM calls GROUP BY id")
        assert {r["id"] for r in rows} == {c["call_id"] for c in calls} and all(r["n"] == 1 for r in rows)
    finally:
        again.stop()


@pytest.mark.slow
def test_the_owner_killed_mid_traffic_loses_no_call_and_routes_none_twice(database: str, tmp_path: Path) -> None:
    """Two real `vaxel serve` processes; PBX traffic to both; kill -9 the owner."""
    a = ServeProcess(database, tmp_path, "a")
    b = ServeProcess(database, tmp_path, "b")
    try:
        assert a.role() == "owner" and b.role() == "standby"
        admin = token(b.url, "admin")
        with httpx.Client(base_url=b.url + "/api/v1", headers={"Authorization": f"Bearer {admin}"}) as api:
            # These processes run on the real clock: open round the clock, whatever the hour.
            etag = api.get("/response-groups/1").headers["etag"]
            assert api.patch("/response-groups/1", json={"schedule_id": None}, headers={"If-Match": etag}).status_code == 200
        log = EventLog(b.url, admin).start()  # the survivor's stream
        pbx = FailoverClient([a.url, b.url], token(a.url, "pbx"))
        rng = random.Random(7)
        acknowledged: set[int] = set()
        done: set[int] = set()
        lock = threading.Lock()
        stop = threading.Event()
        killed_at: list[float] = []

        def arrivals() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                response = pbx.send("POST", "/pbx/calls", {"group_id": 1, "caller": f"+4670{n:07d}"}, prefer=n)
                assert response.status_code == 201, response.text
                with lock:
                    acknowledged.add(response.json()["call_id"])
                time.sleep(rng.uniform(0.0, 0.03))

        def agents() -> None:
            """Answer what rings (some are rejected), end answered calls after a moment."""
            seen = 0
            talking: list[tuple[float, int]] = []
            while not stop.is_set() or talking:
                for ident, kind, data, _t in log.events[seen:]:
                    if kind == "call.offered" and not stop.is_set():
                        verb = "reject" if rng.random() < 0.1 else "answer"
                        r = pbx.send("POST", f"/pbx/calls/{data['call_id']}/{verb}", {"agent_id": data["agent_id"]}, prefer=ident)
                        assert r.status_code in (200, 404, 409), r.text  # 404/409: the caller hung up meanwhile
                        if verb == "answer" and r.status_code == 200:
                            talking.append((time.monotonic() + rng.uniform(0.5, 2.0), data["call_id"]))
                    seen += 1
                now = time.monotonic()
                for due, call_id in [t for t in talking if t[0] <= now]:
                    talking.remove((due, call_id))
                    r = pbx.send("POST", f"/pbx/calls/{call_id}/end", {}, prefer=call_id)
                    assert r.status_code in (200, 404, 409), r.text
                    with lock:
                        done.add(call_id)
                time.sleep(0.01)

        workers = [threading.Thread(target=arrivals), threading.Thread(target=agents)]
        for worker in workers:
            worker.start()
        wait_for(lambda: len(acknowledged) >= 10, "traffic before the kill", timeout=30)
        a.kill()
        killed_at.append(time.monotonic())
        before_kill = len(acknowledged)
        in_progress = fetch(database, "SELECT count(*) AS n FROM live_calls")[0]["n"]
        wait_for(lambda: b.role() == "owner", "the other process takes over", timeout=15)
        takeover_s = time.monotonic() - killed_at[0]
        wait_for(lambda: len(acknowledged) >= before_kill + 10, "traffic after the takeover", timeout=30)
        time.sleep(1)
        stop.set()
        for worker in workers:
            worker.join(timeout=60)

        # Every caller still waiting hangs up; then nothing may be left in progress.
        for row in fetch(database, "SELECT id FROM live_calls"):
            r = pbx.send("POST", f"/pbx/calls/{row['id']}/hangup", {}, prefer=1)
            if r.status_code == 409:  # connected: the conversation ends instead
                r = pbx.send("POST", f"/pbx/calls/{row['id']}/end", {}, prefer=1)
            assert r.status_code == 200, r.text
        assert fetch(database, "SELECT id FROM live_calls") == []
        log.stop()
        pbx.close()

        ended = {r["id"]: r["n"] for r in fetch(database, "SELECT id, count(*) AS n FROM calls GROUP BY id")}
        events = [(r["id"], r["kind"], json.loads(r["payload"])) for r in fetch(database, "SELECT id, kind, payload FROM events ORDER BY id")]
        arrived = {e[2]["call_id"] for e in events if e[1] == "call.arrived"}
        assert in_progress > 0, "calls were in progress when the owner died"
        print(f"calls: {before_kill} before the kill ({in_progress} in progress), {len(acknowledged)} acknowledged, {len(arrived)} arrived, "
              f"takeover {takeover_s:.2f} s, retries {pbx.retries}")
        assert acknowledged <= arrived, "every call the PBX was told about is in the record"
        assert set(ended) == arrived, "every call that arrived ended"
        assert all(n == 1 for n in ended.values()), "and exactly once"
        assert routing_violations(events) == []
        assert [e[0] for e in log.events] == sorted({e[0] for e in log.events}), "the stream on the survivor: in order, no repeats"
    finally:
        for process in (a, b):
            process.stop()


def test_a_sign_out_on_one_process_is_honoured_by_the_other_at_once(pair) -> None:  # noqa: ANN001
    first, second = pair
    bearer = first.token("supervisor")
    headers = {"Authorization": f"Bearer {bearer}"}
    assert httpx.get(second.url + "/api/v1/me", headers=headers).status_code == 200  # now cached there
    assert httpx.post(first.url + "/api/v1/auth/logout", headers=headers).status_code == 204
    # Not after the cache's 30 s: the other process is told (NOTIFY) and forgets the token.
    wait_for(lambda: httpx.get(second.url + "/api/v1/me", headers=headers).status_code == 401, "401 on the other process", timeout=5)
