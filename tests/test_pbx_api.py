"""The PBX-facing API against the real server: every event, with `at`, and its errors."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from backend.db.models import User
from tests.server import T0, RunningServer
from tests.test_api_live import read_events


def at(seconds: float) -> str:
    return datetime.fromtimestamp(T0 + seconds, UTC).isoformat()


def patch(admin: httpx.Client, group_id: int, body: dict[str, Any]) -> dict:
    etag = admin.get(f"/response-groups/{group_id}").headers["etag"]
    response = admin.patch(f"/response-groups/{group_id}", json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    return response.json()


def live(client: httpx.Client, group_id: int) -> dict:
    return client.get(f"/response-groups/{group_id}/live").json()


def agents_in(client: httpx.Client, group_id: int, state: str) -> list[int]:
    return [a["id"] for a in live(client, group_id)["agents"] if a["state"] == state]


def username_of(server: RunningServer, user_id: int) -> str:
    async def read() -> str:
        async with server.state.db.session() as session:
            user = await session.get(User, user_id)
            assert user is not None
            return user.username

    return server.call(read)


@pytest.fixture
def pbx(server: RunningServer) -> httpx.Client:
    with server.client("pbx") as client:
        yield client


def only_agent(pbx: httpx.Client, admin: httpx.Client, group_id: int) -> int:
    """Log every agent of the group out of everything but one, which stays in."""
    agents = [a["id"] for a in live(admin, group_id)["agents"]]
    for agent_id in agents:
        assert pbx.post(f"/pbx/agents/{agent_id}/logout", json={"at": at(0)}).status_code == 200
    keep = agents[0]
    assert pbx.post(f"/pbx/agents/{keep}/login", json={"group_id": group_id, "at": at(0)}).status_code == 200
    return keep


def test_a_call_by_number_with_exact_times(pbx: httpx.Client, admin: httpx.Client, server: RunningServer) -> None:
    agent = only_agent(pbx, admin, 2)
    number = admin.get("/response-groups/2").json()["number"]
    ref = pbx.post("/pbx/calls", json={"number": number, "caller": "+46701234567", "at": at(10)})
    assert ref.status_code == 201
    call = ref.json()
    assert call["group_id"] == 2 and call["state"] == "offered" and call["outcome"] is None
    answered = pbx.post(f"/pbx/calls/{call['call_id']}/answer", json={"agent_id": agent, "at": at(25.5)})
    assert answered.json()["state"] == "connected"
    ended = pbx.post(f"/pbx/calls/{call['call_id']}/end", json={"at": at(125)}).json()
    assert ended["outcome"] == "answered" and ended["state"] == "ended"
    [record] = admin.get("/response-groups/2/calls", params={"from": at(0), "to": at(200)}).json()["calls"]
    assert record["arrived_at"] == at(10).replace("+00:00", "Z")
    assert record["answered_at"] == at(25.5).replace("+00:00", "Z")
    assert record["ended_at"] == at(125).replace("+00:00", "Z")
    assert record["wait_s"] == 15.5 and record["agent_id"] == agent and record["sl"] == "within"


def test_digits_are_collected_and_travel_with_the_call(pbx: httpx.Client, admin: httpx.Client) -> None:
    patch(admin, 3, {"input_collectors": [{"variable": "customer_number", "expect": {"digits_min": 4, "digits_max": 8}}]})
    for agent_id in agents_in(admin, 3, "free"):
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={"group_id": 3})
    call = pbx.post("/pbx/calls", json={"group_id": 3, "caller": "+46705550000"}).json()
    assert call["state"] == "collecting"
    assert live(admin, 3)["flow"]["in_collector"] == 1
    again = pbx.post(f"/pbx/calls/{call['call_id']}/digits", json={"digits": "12#"}).json()
    assert again["state"] == "collecting"  # too short: asked again
    queued = pbx.post(f"/pbx/calls/{call['call_id']}/digits", json={"digits": "55512#"}).json()
    assert queued["state"] == "queued"
    [waiting] = live(admin, 3)["waiting"]
    assert waiting["collected"] == {"customer_number": "55512"}
    pbx.post(f"/pbx/calls/{call['call_id']}/hangup", json={})
    [record] = admin.get("/response-groups/3/calls").json()["calls"]
    assert record["collected"] == {"customer_number": "55512"} and record["outcome"] == "abandoned"


def test_callback_then_voicemail_as_the_last_step(pbx: httpx.Client, admin: httpx.Client) -> None:
    patch(
        admin,
        4,
        {
            "callback": {"enabled": True, "offer_after_s": 0, "attempts": 1, "spacing_s": 30, "voicemail_last_step": True},
            "voicemail": {"transcribe": True, "notify": True},
            "input_collectors": [],
            "overflow": {"enabled": False},
        },
    )
    agents = [a["id"] for a in live(admin, 4)["agents"]]
    for agent_id in agents:
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={"at": at(0)})
    call = pbx.post("/pbx/calls", json={"group_id": 4, "caller": "+46708880000", "at": at(1)}).json()
    assert pbx.post(f"/pbx/calls/{call['call_id']}/callback", json={"at": at(2)}).status_code == 200
    [waiting] = live(admin, 4)["waiting"]
    assert waiting["callback"] is True
    assert live(admin, 4)["flow"]["callbacks_pending"] == 1
    refused = pbx.post(f"/pbx/calls/{call['call_id']}/hangup", json={"at": at(3)})
    assert refused.status_code == 409 and refused.json()["code"] == "not_on_line"
    pbx.post(f"/pbx/agents/{agents[0]}/login", json={"group_id": 4, "at": at(10)})
    failed = pbx.post(f"/pbx/calls/{call['call_id']}/callback-failed", json={"agent_id": agents[0], "at": at(40)}).json()
    assert failed["state"] == "voicemail"
    done = pbx.post(f"/pbx/calls/{call['call_id']}/voicemail", json={"duration_s": 17, "at": at(70)}).json()
    assert done["outcome"] == "voicemail"
    [record] = admin.get("/response-groups/4/calls").json()["calls"]
    assert record["callback"]["attempts"] == 1 and record["callback"]["via"] == "caller"
    assert record["voicemail"]["duration_s"] == 17 and record["voicemail"]["reason"] == "callback_failed"
    assert record["voicemail"]["transcript"]
    assert live(admin, 4)["flow"]["voicemails_today"] == 1


def test_a_failed_transfer_comes_back_first_as_vip(pbx: httpx.Client, admin: httpx.Client) -> None:
    patch(admin, 2, {"vip": {"return_failed_transfers": True}})
    agent = only_agent(pbx, admin, 2)
    first = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+46700000001", "at": at(1)}).json()
    pbx.post(f"/pbx/calls/{first['call_id']}/answer", json={"agent_id": agent, "at": at(3)})
    other = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+46700000002", "at": at(4)}).json()
    back = pbx.post(f"/pbx/calls/{first['call_id']}/transfer-failed", json={"at": at(60)}).json()
    assert back["call_id"] != first["call_id"] and back["group_id"] == 2
    waiting = live(admin, 2)["waiting"]
    assert [w["id"] for w in waiting] == [back["call_id"], other["call_id"]]
    assert waiting[0]["vip"] is True and waiting[0]["ringing"] is True


def test_overflow_to_another_group(pbx: httpx.Client, admin: httpx.Client) -> None:
    patch(admin, 2, {"overflow": {"enabled": True, "max_waiting": 1, "destination": {"kind": "group", "group_id": 1}}})
    for agent_id in [a["id"] for a in live(admin, 2)["agents"]]:
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={"group_id": 2})
    pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+46700000001"})
    second = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+46700000002"}).json()
    assert second["outcome"] == "overflowed"
    assert live(admin, 2)["flow"]["overflowed_today"] == 1
    moved = [w for w in live(admin, 1)["waiting"] if w["caller"] == "+46700000002"]
    assert len(moved) == 1


def test_group_stats_events_carry_flow_and_last_hour(server: RunningServer, pbx: httpx.Client, admin: httpx.Client) -> None:
    token = admin.headers["authorization"].split()[1]
    server.flush_events()
    last = server.state.bus.last_id
    pbx.post("/pbx/calls", json={"group_id": 6, "caller": "+46700000009"})
    server.flush_events()
    events = read_events(server, token, server.state.bus.last_id - last, last_event_id=last)
    kinds = [kind for _, kind, _ in events]
    assert kinds[:3] == ["call.arrived", "call.enqueued", "call.offered"]
    enqueued = events[1][2]["call"]
    assert enqueued["collected"] == {} and enqueued["callback"] is False and enqueued["vip"] is False
    stats = next(data for _, kind, data in events if kind == "group.stats" and data["group_id"] == 6)
    assert stats["flow"]["arrivals_this_hour"] == 1
    assert set(stats["sl_last_hour"]) == {"answered_within", "answered", "abandoned", "early_hangups"}


# ---------------------------------------------------------------- refusals

BAD_INPUT = [
    ("/pbx/calls", {"group_id": 1}, "caller"),
    ("/pbx/calls", {"caller": "+46701234567"}, "group_id"),
    ("/pbx/calls", {"group_id": 1, "caller": "+46701234567", "at": "2026-11-26T09:00:00"}, "at"),
    ("/pbx/calls/{call}/digits", {"digits": "12ab"}, "digits"),
    ("/pbx/calls/{call}/voicemail", {"duration_s": 0}, "duration_s"),
    ("/pbx/calls/{call}/answer", {}, "agent_id"),
    ("/pbx/calls/{call}/hangup", {"when": "now"}, "when"),
    ("/pbx/agents/4/login", {}, "group_id"),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD_INPUT)
def test_bad_input_names_the_field(pbx: httpx.Client, path: str, body: dict, field: str) -> None:
    call = pbx.post("/pbx/calls", json={"group_id": 1, "caller": "+46700000000"}).json()
    response = pbx.post(path.format(call=call["call_id"]), json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    # Nothing was lost: the call is still there.
    assert pbx.post(f"/pbx/calls/{call['call_id']}/hangup", json={}).status_code == 200


WRONG_STATE = [
    ("digits when nothing asks", "digits", {"digits": "1#"}, 409, "not_collecting"),
    ("voicemail when not in voicemail", "voicemail", {"duration_s": 3}, 409, "not_in_voicemail"),
    ("ending a call that is not connected", "end", {}, 409, "not_connected"),
    ("answering by an agent it does not ring at", "answer", {"agent_id": 17}, 409, "not_offered"),
    ("answering by an unknown agent", "answer", {"agent_id": 99999}, 404, "unknown_agent"),
    ("callback never offered", "callback", {}, 409, "callback_not_offered"),
    ("transfer of a call not connected", "transfer-failed", {}, 409, "not_connected"),
]


@pytest.mark.parametrize(("case", "op", "body", "status", "code"), WRONG_STATE, ids=[c[0] for c in WRONG_STATE])
def test_events_that_do_not_fit_are_refused(pbx: httpx.Client, admin: httpx.Client, case: str, op: str, body: dict, status: int, code: str) -> None:
    for agent_id in [a["id"] for a in live(admin, 6)["agents"]]:
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={})
    call = pbx.post("/pbx/calls", json={"group_id": 6, "caller": "+46700000000"}).json()
    response = pbx.post(f"/pbx/calls/{call['call_id']}/{op}", json=body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert live(admin, 6)["waiting"][0]["id"] == call["call_id"]


def test_unknown_group_number_and_call(pbx: httpx.Client) -> None:
    assert pbx.post("/pbx/calls", json={"group_id": 999, "caller": "+4670"}).json()["code"] == "unknown_group"
    assert pbx.post("/pbx/calls", json={"number": "+46899999999", "caller": "+4670"}).json()["code"] == "unknown_number"
    assert pbx.post("/pbx/calls/424242/digits", json={"digits": "1"}).status_code == 404


def test_events_are_applied_in_order_even_when_late(pbx: httpx.Client, admin: httpx.Client) -> None:
    """An `at` before the engine's time is applied at the engine's time, never backwards."""
    only_agent(pbx, admin, 2)
    first = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+4670", "at": at(100)}).json()
    late = pbx.post(f"/pbx/calls/{first['call_id']}/hangup", json={"at": at(50)}).json()
    assert late["outcome"] == "abandoned"
    [record] = admin.get("/response-groups/2/calls", params={"from": at(0)}).json()["calls"]
    assert record["ended_at"] == at(100).replace("+00:00", "Z") and record["wait_s"] == 0


# ---------------------------------------------------------------- §18 logins


def test_self_service_login_from_the_phone_respects_section_18(pbx: httpx.Client, admin: httpx.Client) -> None:
    agent = [a["id"] for a in live(admin, 1)["agents"]][0]
    patch(admin, 1, {"agents_may_toggle_login": False})
    refused = pbx.post(f"/pbx/agents/{agent}/logout", json={"group_id": 1, "self_service": True})
    assert refused.status_code == 403 and refused.json()["code"] == "login_toggle_not_allowed"
    # The PBX acting for a supervisor or the system is not limited.
    assert pbx.post(f"/pbx/agents/{agent}/logout", json={"group_id": 1}).status_code == 200
    patch(admin, 1, {"agents_may_toggle_login": True})
    assert pbx.post(f"/pbx/agents/{agent}/login", json={"group_id": 1, "self_service": True}).status_code == 200


@pytest.mark.parametrize(
    ("who", "allowed", "target", "status"),
    [
        ("agent itself", True, "self", 200),
        ("agent itself", False, "self", 403),
        ("another agent", True, "other", 403),
        ("supervisor", False, "self", 200),
        ("admin", False, "self", 200),
    ],
)
def test_agents_log_themselves_in_and_out_only_where_allowed(
    server: RunningServer, admin: httpx.Client, who: str, allowed: bool, target: str, status: int
) -> None:
    patch(admin, 1, {"agents_may_toggle_login": allowed})
    members = [a["id"] for a in live(admin, 1)["agents"]]
    me = members[0]
    username = {
        "agent itself": username_of(server, me),
        "another agent": username_of(server, members[1]),
        "supervisor": "supervisor",
        "admin": "admin",
    }[who]
    password = "agent" if username.startswith("agent") else username
    with server.client(username, password) as client:
        response = client.post(f"/response-groups/1/agents/{me}/logout")
        assert response.status_code == status, response.text
        if status == 403 and who == "agent itself":
            assert response.json()["code"] == "login_toggle_not_allowed"
    state = next(a["state"] for a in live(admin, 1)["agents"] if a["id"] == me)
    assert (state == "logged_out") is (status == 200)


def test_concurrent_pbx_events_keep_the_engine_consistent(pbx: httpx.Client, admin: httpx.Client, server: RunningServer) -> None:
    """Many gateways at once: every call is accounted for."""
    for agent_id in [a["id"] for a in live(admin, 6)["agents"]]:
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={})
    ids: list[int] = []
    lock = threading.Lock()

    def burst() -> None:
        with server.client("pbx") as client:
            for _ in range(10):
                call = client.post("/pbx/calls", json={"group_id": 6, "caller": "+4670"}).json()
                with lock:
                    ids.append(call["call_id"])

    threads = [threading.Thread(target=burst) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 40
    assert sorted(w["id"] for w in live(admin, 6)["waiting"]) == sorted(ids)
