"""The event stream's delivery (backend/api/streaming.py): the raw ASGI fast path
and the route give the same stream, pings carry the server's time, a stream
that goes away is forgotten, one too far behind is cut off, and every stream
ends when the server is told to exit."""
from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from httpx_sse import connect_sse
from sse_starlette.sse import AppStatus

from backend.api import streaming
from tests.server import RunningServer
from tests.test_api_live import change_warning


def read(server: RunningServer, token: str, n: int, headers: dict[str, str] | None = None, query: str = "") -> list[tuple[int | None, str, str]]:
    """n events from /events (pings included), as (id, kind, data)."""
    out: list[tuple[int | None, str, str]] = []
    with httpx.Client(timeout=httpx.Timeout(10.0)) as client:
        url = f"{server.url}/api/v1/events{query}"
        with connect_sse(client, "GET", url, headers={"Authorization": f"Bearer {token}", **(headers or {})}) as source:
            for sse in source.iter_sse():
                out.append((int(sse.id) if sse.id else None, sse.event, sse.data))
                if len(out) == n:
                    break
    return out


def wait_for(condition, seconds: float = 10.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_fast_path_and_route_resume_a_supervisor_alike(server: RunningServer, admin: httpx.Client, supervisor: httpx.Client) -> None:
    """`Last-Event-ID: N` takes the fast path; `+N` (a number the route parses, the
    fast path does not) takes the route: the same events, only the caller's groups."""
    token = supervisor.headers["authorization"].split()[1]
    supervised = set(supervisor.get("/me").json()["supervises"])
    other = next(g["id"] for g in admin.get("/response-groups").json() if g["id"] not in supervised)
    mine = sorted(supervised)[0]
    server.flush_events()
    last = server.state.bus.last_id
    for seconds in (50, 51):
        change_warning(admin, other, seconds)
        change_warning(admin, mine, seconds)
    server.flush_events()
    fast = [e for e in read(server, token, 4, {"Last-Event-ID": str(last)}) if e[1] != "ping"]
    routed = [e for e in read(server, token, 4, {"Last-Event-ID": f"+{last}"}) if e[1] != "ping"]
    by_query = [e for e in read(server, token, 4, query=f"?after={last}") if e[1] != "ping"]
    assert fast == routed == by_query
    assert [kind for _, kind, _ in fast] == ["group.stats", "group.updated"] * 2
    assert {json.loads(data)["group_id"] for _, _, data in fast} == {mine}
    ids = [i for i, _, _ in fast]
    assert ids == sorted(set(ids)) and ids[0] > last


def test_live_events_after_a_resume_follow_without_gap_or_duplicate(server: RunningServer, admin: httpx.Client) -> None:
    token = admin.headers["authorization"].split()[1]
    server.flush_events()
    last = server.state.bus.last_id
    change_warning(admin, 1, 60)
    server.flush_events()
    result: list = []
    reader = threading.Thread(target=lambda: result.extend(read(server, token, 4, {"Last-Event-ID": str(last)})))
    reader.start()
    assert wait_for(lambda: server.state.bus.subscriber_count == 1)
    change_warning(admin, 2, 61)  # live, while the replay may still be on its way
    reader.join(10)
    events = [e for e in result if e[1] != "ping"]
    assert [kind for _, kind, _ in events] == ["group.stats", "group.updated"] * 2
    assert [json.loads(d)["group_id"] for _, k, d in events if k == "group.updated"] == [1, 2]
    ids = [i for i, _, _ in events]
    assert ids == sorted(set(ids)) and ids[0] > last


def test_pings_carry_the_server_time(server: RunningServer, admin: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streaming, "PING_S", 0.1)
    token = admin.headers["authorization"].split()[1]
    [(event_id, kind, data)] = read(server, token, 1)
    assert (event_id, kind) == (None, "ping")
    assert float(data) == pytest.approx(server.clock.now(), abs=0.001)


def test_a_stream_that_goes_away_is_forgotten(server: RunningServer, admin: httpx.Client) -> None:
    token = admin.headers["authorization"].split()[1]
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", f"{server.url}/api/v1/events", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            assert response.headers["cache-control"] == "no-store"
            assert wait_for(lambda: server.state.bus.subscriber_count == 1)
    assert wait_for(lambda: server.state.bus.subscriber_count == 0), "the subscription outlived its client"


def test_a_subscriber_too_far_behind_is_cut_off(server: RunningServer, admin: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Events pile up for a subscriber that is not taken from; past the bound it is
    cut off (its stream then ends and the client resumes), the others are not."""
    monkeypatch.setattr("backend.events.MAX_BEHIND", 3)
    slow = server.call(server.state.bus.open, 1, lambda _event: True)
    other_org = server.call(server.state.bus.open, 2, lambda _event: True)
    try:
        change_warning(admin, 1, 70)
        server.flush_events()
        assert not slow.overflowed and len(slow.pending) == 2
        change_warning(admin, 1, 71)
        server.flush_events()
        assert slow.overflowed and len(slow.pending) == 3
        assert not other_org.overflowed and other_org.pending == []
    finally:
        server.call(server.state.bus.close, slow)
        server.call(server.state.bus.close, other_org)


def test_streams_end_when_the_server_is_told_to_exit(server: RunningServer, admin: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    token = admin.headers["authorization"].split()[1]
    ended = threading.Event()

    def follow() -> None:
        with httpx.Client(timeout=10) as client:
            with client.stream("GET", f"{server.url}/api/v1/events", headers={"Authorization": f"Bearer {token}"}) as response:
                for _ in response.iter_bytes():
                    pass
        ended.set()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    assert wait_for(lambda: server.state.bus.subscriber_count == 1)
    monkeypatch.setattr(AppStatus, "should_exit", True)
    assert ended.wait(5), "the stream did not end"
    assert wait_for(lambda: server.state.bus.subscriber_count == 0)

