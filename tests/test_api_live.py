"""Live figures, the event stream and its resumption, and PBX events."""
from __future__ import annotations

import json
import threading

import httpx
from httpx_sse import connect_sse

from tests.server import RunningServer


def read_events(server: RunningServer, token: str, n: int, last_event_id: int | None = None) -> list[tuple[int, str, dict]]:
    """Read n events (pings skipped) from /events."""
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    out: list[tuple[int, str, dict]] = []
    with httpx.Client(timeout=httpx.Timeout(10.0)) as client:
        with connect_sse(client, "GET", f"{server.url}/api/v1/events", headers=headers) as source:
            for sse in source.iter_sse():
                if sse.event == "ping":
                    continue
                out.append((int(sse.id), sse.event, json.loads(sse.data)))
                if len(out) == n:
                    break
    return out


def change_warning(admin: httpx.Client, group_id: int, seconds: int) -> None:
    etag = admin.get(f"/response-groups/{group_id}").headers["etag"]
    response = admin.patch(f"/response-groups/{group_id}", json={"view": {"wait_warning_s": seconds}}, headers={"If-Match": etag})
    assert response.status_code == 200


def test_settings_change_is_streamed(server: RunningServer, admin: httpx.Client) -> None:
    token = admin.headers["authorization"].split()[1]
    result: list = []
    reader = threading.Thread(target=lambda: result.extend(read_events(server, token, 2)))
    reader.start()
    # Wait until the subscriber is registered before changing anything.
    for _ in range(200):
        if server.state.bus.subscriber_count:
            break
        threading.Event().wait(0.01)
    change_warning(admin, 1, 33)
    reader.join(timeout=10)
    # The engine's figures for the group come first, then the settings.
    assert [kind for _, kind, _ in result] == ["group.stats", "group.updated"]
    event_id, _, data = result[1]
    assert data["group"]["view"]["wait_warning_s"] == 33
    assert event_id > result[0][0]


def test_resume_with_last_event_id_replays_exactly_what_was_missed(server: RunningServer, admin: httpx.Client) -> None:
    token = admin.headers["authorization"].split()[1]
    change_warning(admin, 1, 31)
    server.flush_events()
    last = server.state.bus.last_id
    change_warning(admin, 1, 32)
    change_warning(admin, 2, 33)
    server.flush_events()
    replayed = [e for e in read_events(server, token, 4, last_event_id=last) if e[1] == "group.updated"]
    assert len(replayed) == 2
    assert [d["group"]["view"]["wait_warning_s"] for _, _, d in replayed] == [32, 33]
    ids = [i for i, _, _ in replayed]
    assert ids == sorted(ids) and ids[0] > last


def test_resume_from_an_unknown_future_id_asks_for_resync(server: RunningServer, admin: httpx.Client) -> None:
    token = admin.headers["authorization"].split()[1]
    [(_, kind, _)] = read_events(server, token, 1, last_event_id=10**9)
    assert kind == "resync"


def test_bad_last_event_id_is_400(server: RunningServer, admin: httpx.Client) -> None:
    response = admin.get("/events", headers={"Last-Event-ID": "abc"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_last_event_id"


def test_supervisor_stream_carries_only_supervised_groups(server: RunningServer, admin: httpx.Client, supervisor: httpx.Client) -> None:
    token = supervisor.headers["authorization"].split()[1]
    supervised = set(supervisor.get("/me").json()["supervises"])
    other = next(g["id"] for g in admin.get("/response-groups").json() if g["id"] not in supervised)
    mine = sorted(supervised)[0]
    server.flush_events()
    last = server.state.bus.last_id
    change_warning(admin, other, 40)
    change_warning(admin, mine, 41)
    server.flush_events()
    events = read_events(server, token, 2, last_event_id=last)
    assert {data["group_id"] for _, _, data in events} == {mine}
    assert [kind for _, kind, _ in events] == ["group.stats", "group.updated"]


def test_pbx_call_flow_shows_in_live_view(server: RunningServer, admin: httpx.Client) -> None:
    group_id = 1
    live = admin.get(f"/response-groups/{group_id}/live").json()
    free = [a for a in live["agents"] if a["state"] == "free"]
    assert free, "demo agents start logged in"
    call = admin.post("/pbx/calls", json={"group_id": group_id, "caller": "+46701234567"}).json()
    live = admin.get(f"/response-groups/{group_id}/live").json()
    [waiting] = live["waiting"]
    assert waiting["id"] == call["call_id"] and waiting["ringing"] is True
    offered_to = next(a["id"] for a in live["agents"] if a["state"] == "offered")
    server.clock.advance(12)
    assert admin.post(f"/pbx/calls/{call['call_id']}/answer", json={"agent_id": offered_to}).status_code == 200
    server.clock.advance(100)
    assert admin.post(f"/pbx/calls/{call['call_id']}/end", json={}).status_code == 200
    live = admin.get(f"/response-groups/{group_id}/live").json()
    assert live["waiting"] == []
    assert live["sl_today"] == {"answered_within": 1, "answered": 1, "abandoned": 0, "early_hangups": 0}
    summary = next(g for g in admin.get("/response-groups").json() if g["id"] == group_id)
    assert summary["sl_today"]["answered_within"] == 1


def test_pbx_events_on_unknown_calls_are_404(admin: httpx.Client) -> None:
    response = admin.post("/pbx/calls/999999/hangup", json={})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_call"


def test_pbx_needs_permission(supervisor: httpx.Client) -> None:
    response = supervisor.post("/pbx/calls", json={"group_id": 1, "caller": "+46701234567"})
    assert response.status_code == 403
