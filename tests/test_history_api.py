"""Call history and service level for a time window, against the real server."""
from __future__ import annotations

import httpx
import pytest

from tests.server import RunningServer
from tests.test_pbx_api import at, live, patch, username_of


@pytest.fixture
def pbx(server: RunningServer) -> httpx.Client:
    with server.client("pbx") as client:
        yield client


def one_agent(pbx: httpx.Client, admin: httpx.Client, group_id: int) -> int:
    agents = [a["id"] for a in live(admin, group_id)["agents"]]
    for agent_id in agents:
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={"at": at(0)})
    pbx.post(f"/pbx/agents/{agents[0]}/login", json={"group_id": group_id, "at": at(0)})
    return agents[0]


def answered_call(pbx: httpx.Client, group_id: int, agent: int, arrive: float, answer: float, end: float, caller: str = "+46701000000") -> int:
    call = pbx.post("/pbx/calls", json={"group_id": group_id, "caller": caller, "at": at(arrive)}).json()
    assert call["state"] == "offered", call
    answered = pbx.post(f"/pbx/calls/{call['call_id']}/answer", json={"agent_id": agent, "at": at(answer)})
    assert answered.status_code == 200, answered.text
    assert pbx.post(f"/pbx/calls/{call['call_id']}/end", json={"at": at(end)}).status_code == 200
    return call["call_id"]


def test_history_lists_calls_with_everything_known(pbx: httpx.Client, admin: httpx.Client, server: RunningServer) -> None:
    agent = one_agent(pbx, admin, 2)
    first = answered_call(pbx, 2, agent, 10, 15, 200)
    patch(admin, 2, {"conversation_intelligence": True})
    second = answered_call(pbx, 2, agent, 300, 302, 500, caller="+46702000000")
    page = admin.get("/response-groups/2/calls", params={"from": at(0)}).json()
    by_id = {c["id"]: c for c in page["calls"]}
    assert [c["id"] for c in page["calls"]] == [second, first]  # newest first
    assert by_id[first]["agent_name"] == next(a["name"] for a in live(admin, 2)["agents"] if a["id"] == agent)
    assert by_id[first]["outcome"] == "answered" and by_id[first]["sl"] == "within"
    # §16: a summary only for calls answered while CI was on.
    assert by_id[first]["ci_summary"] is None
    assert by_id[second]["ci_summary"].startswith("Kunden ringde om")


def test_history_window_paging_and_outcome(pbx: httpx.Client, admin: httpx.Client) -> None:
    for agent_id in [a["id"] for a in live(admin, 6)["agents"]]:
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={"at": at(0)})
    ids = []
    for i in range(5):
        call = pbx.post("/pbx/calls", json={"group_id": 6, "caller": f"+4670000000{i}", "at": at(100 * i)}).json()
        pbx.post(f"/pbx/calls/{call['call_id']}/hangup", json={"at": at(100 * i + 30)})
        ids.append(call["call_id"])
    window = admin.get("/response-groups/6/calls", params={"from": at(100), "to": at(300)}).json()
    assert [c["id"] for c in window["calls"]] == [ids[2], ids[1]]  # arrived in [+100, +300)
    page1 = admin.get("/response-groups/6/calls", params={"from": at(0), "limit": 2}).json()
    assert [c["id"] for c in page1["calls"]] == [ids[4], ids[3]] and page1["next_before_id"] == ids[3]
    page2 = admin.get("/response-groups/6/calls", params={"from": at(0), "limit": 2, "before_id": page1["next_before_id"]}).json()
    assert [c["id"] for c in page2["calls"]] == [ids[2], ids[1]]
    assert admin.get("/response-groups/6/calls", params={"from": at(0), "outcome": "answered"}).json()["calls"] == []
    assert len(admin.get("/response-groups/6/calls", params={"from": at(0), "outcome": "abandoned"}).json()["calls"]) == 5


def test_voicemail_with_transcript_in_the_history(pbx: httpx.Client, admin: httpx.Client) -> None:
    patch(admin, 4, {"closed_action": {"kind": "voicemail"}, "voicemail": {"transcribe": True}})
    assert admin.post("/response-groups/4/close").status_code == 200
    call = pbx.post("/pbx/calls", json={"group_id": 4, "caller": "+46703000000", "at": at(5)}).json()
    assert call["state"] == "voicemail"
    pbx.post(f"/pbx/calls/{call['call_id']}/voicemail", json={"duration_s": 42.5, "at": at(60)})
    [record] = admin.get("/response-groups/4/calls", params={"from": at(0)}).json()["calls"]
    assert record["outcome"] == "voicemail" and record["closed_action"] == "voicemail"
    assert record["voicemail"]["duration_s"] == 42.5 and record["voicemail"]["reason"] == "closed"
    assert "+46703000000" in record["voicemail"]["transcript"]
    assert record["sl"] is None


def test_overflow_is_in_both_groups_histories(pbx: httpx.Client, admin: httpx.Client) -> None:
    patch(admin, 6, {"overflow": {"enabled": True, "max_wait_s": 60, "destination": {"kind": "group", "group_id": 2}}})
    for agent_id in [a["id"] for a in live(admin, 6)["agents"]] + [a["id"] for a in live(admin, 2)["agents"]]:
        pbx.post(f"/pbx/agents/{agent_id}/logout", json={"at": at(0)})
    call = pbx.post("/pbx/calls", json={"group_id": 6, "caller": "+46704000000", "at": at(1)}).json()
    # The next event, 61 s on, finds the overflow already made.
    moved = pbx.post("/pbx/calls", json={"group_id": 6, "caller": "+46704000001", "at": at(62)}).json()
    [record] = [c for c in admin.get("/response-groups/6/calls", params={"from": at(0)}).json()["calls"] if c["id"] == call["call_id"]]
    assert record["outcome"] == "overflowed" and record["sl"] is None
    assert record["overflow"]["reason"] == "max_wait" and record["overflow"]["group_id"] == 2
    new_id = record["overflow"]["to_call_id"]
    assert new_id in [w["id"] for w in live(admin, 2)["waiting"]]
    pbx.post(f"/pbx/calls/{new_id}/hangup", json={"at": at(120)})
    [there] = admin.get("/response-groups/2/calls", params={"from": at(0)}).json()["calls"]
    assert there["overflowed_from"] == {"group_id": 6, "call_id": call["call_id"]}
    assert there["sl"] == "abandoned"  # waited 59 s in group 2's queue
    assert moved["state"] == "queued"


def test_supervisors_see_only_their_groups_history(server: RunningServer, admin: httpx.Client, supervisor: httpx.Client) -> None:
    mine = sorted(supervisor.get("/me").json()["supervises"])[0]
    other = next(g["id"] for g in admin.get("/response-groups").json() if g["id"] not in supervisor.get("/me").json()["supervises"])
    assert supervisor.get(f"/response-groups/{mine}/calls").status_code == 200
    assert supervisor.get(f"/response-groups/{other}/calls").status_code == 404
    agent = live(admin, 1)["agents"][0]["id"]
    with server.client(username_of(server, agent), "agent") as client:
        refused = client.get("/response-groups/1/calls")
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        # The service level is for whoever sees the group's live figures.
        assert client.get("/response-groups/1/service-level").status_code == 200


# ---------------------------------------------------------------- service level


def test_service_level_for_a_window(pbx: httpx.Client, admin: httpx.Client) -> None:
    patch(admin, 2, {"overflow": {"enabled": False}})  # a call here waits past the demo's limit
    agent = one_agent(pbx, admin, 2)
    answered_call(pbx, 2, agent, 0, 20, 60)  # within
    # A second call waits behind the first... answered after 100 s: late.
    busy = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+4671", "at": at(100)}).json()
    pbx.post(f"/pbx/calls/{busy['call_id']}/answer", json={"agent_id": agent, "at": at(101)})
    late = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+4672", "at": at(102)}).json()
    early = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+4673", "at": at(103)}).json()
    pbx.post(f"/pbx/calls/{early['call_id']}/hangup", json={"at": at(108)})  # early hang-up
    pbx.post(f"/pbx/calls/{busy['call_id']}/end", json={"at": at(250)})
    pbx.post(f"/pbx/calls/{late['call_id']}/answer", json={"agent_id": agent, "at": at(255)})
    # `late` is still connected: it counts, from the engine.
    report = admin.get("/response-groups/2/service-level", params={"from": at(0), "to": at(3600)}).json()
    assert report["counts"] == {"answered_within": 2, "answered": 3, "abandoned": 1, "early_hangups": 1}
    assert report["percent"] == pytest.approx(200 / 3)
    assert (report["threshold_s"], report["early_hangup_s"]) == (90, 10)
    # A window is [from, to): the answer at +20 is in [+20, +21) and not in [+0, +20).
    assert admin.get("/response-groups/2/service-level", params={"from": at(20), "to": at(21)}).json()["counts"]["answered"] == 1
    assert admin.get("/response-groups/2/service-level", params={"from": at(0), "to": at(20)}).json()["counts"]["answered"] == 0
    empty = admin.get("/response-groups/2/service-level", params={"from": at(-3600), "to": at(-1)}).json()
    assert empty["percent"] is None  # shown as "–"
    # The live figures agree.
    assert live(admin, 2)["sl_today"] == report["counts"]


def test_service_level_per_day_and_hour(pbx: httpx.Client, admin: httpx.Client) -> None:
    agent = one_agent(pbx, admin, 2)
    answered_call(pbx, 2, agent, 0, 5, 10)  # 09:00 Stockholm
    answered_call(pbx, 2, agent, 3600 * 2, 3600 * 2 + 5, 3600 * 2 + 10)  # 11:00
    answered_call(pbx, 2, agent, 3600 * 16, 3600 * 16 + 5, 3600 * 16 + 10)  # 01:00 the next day
    by_day = admin.get(
        "/response-groups/2/service-level", params={"from": "2026-11-25T23:00:00Z", "to": "2026-11-27T23:00:00Z", "by": "day"}
    ).json()
    assert [b["start"] for b in by_day["buckets"]] == ["2026-11-25T23:00:00Z", "2026-11-26T23:00:00Z"]
    assert [b["counts"]["answered"] for b in by_day["buckets"]] == [2, 1]
    by_hour = admin.get("/response-groups/2/service-level", params={"from": at(0), "to": at(3 * 3600), "by": "hour"}).json()
    assert [b["counts"]["answered"] for b in by_hour["buckets"]] == [1, 0, 1]
    assert by_hour["buckets"][1]["percent"] is None


def test_days_follow_local_time_across_daylight_saving(admin: httpx.Client) -> None:
    """2026-10-25 is 25 hours long in Stockholm."""
    report = admin.get(
        "/response-groups/2/service-level", params={"from": "2026-10-24T22:00:00Z", "to": "2026-10-26T23:00:00Z", "by": "day"}
    ).json()
    assert [b["start"] for b in report["buckets"]] == ["2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"from": "2026-11-26T10:00:00Z", "to": "2026-11-26T09:00:00Z"}, "to", "window_reversed"),
        ({"from": "2026-11-26T10:00:00"}, "from", "timezone_required"),
        ({"from": "2025-01-01T00:00:00Z", "to": "2026-11-26T00:00:00Z"}, "to", "window_too_long"),
        ({"from": "2026-10-01T00:00:00Z", "to": "2026-11-26T00:00:00Z", "by": "hour"}, "to", "window_too_long"),
        ({"by": "week"}, "by", "literal_error"),
    ],
)
def test_bad_windows_are_refused_naming_the_field(admin: httpx.Client, params: dict, field: str, code: str) -> None:
    response = admin.get("/response-groups/2/service-level", params=params)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"].endswith(field) and error["code"] == code


def test_todays_figures_survive_a_restart(template_db, tmp_path) -> None:  # noqa: ANN001
    """Finished calls are counted again from the history when the server starts."""
    from tests.server import fresh_database

    database = fresh_database(template_db, tmp_path)
    first = RunningServer(database).start()
    try:
        with first.client("pbx") as pbx, first.client("admin") as admin:
            patch(admin, 2, {"overflow": {"enabled": False}, "closed_action": {"kind": "voicemail"}})
            agent = one_agent(pbx, admin, 2)
            answered_call(pbx, 2, agent, 0, 20, 60)
            answered_call(pbx, 2, agent, 100, 105, 300)
            abandoned = pbx.post("/pbx/calls", json={"group_id": 2, "caller": "+4670", "at": at(320)}).json()
            pbx.post(f"/pbx/calls/{abandoned['call_id']}/hangup", json={"at": at(350)})  # ringing 30 s
            before = live(admin, 2)
            assert before["sl_today"] == {"answered_within": 2, "answered": 2, "abandoned": 1, "early_hangups": 0}
        first.call(first.state.engine.flush)
    finally:
        first.stop()
    first.clock.set(first.clock.now() + 400)  # the restart comes after those calls
    again = RunningServer(database, clock=first.clock).start()
    try:
        with again.client("admin") as admin:
            after = live(admin, 2)
            assert after["sl_today"] == before["sl_today"]
            assert after["flow"]["arrivals_this_hour"] == before["flow"]["arrivals_this_hour"] == 3
    finally:
        again.stop()
