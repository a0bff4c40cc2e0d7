"""Settings API: §19 deleting a group (typed name, If-Match, cascade, event,
engine, number freed) and a group's history from the audit log."""
from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.server import T0, RunningServer
from tests.settings_kit import new_group, ok, organisation
from tests.test_api_live import read_events


def at(seconds: float) -> str:
    return datetime.fromtimestamp(T0 + seconds, UTC).isoformat()


def delete(client: httpx.Client, group_id: int, name: str, etag: str | None) -> httpx.Response:
    headers = {"If-Match": etag} if etag is not None else {}
    return client.request("DELETE", f"/response-groups/{group_id}", json={"confirm_name": name}, headers=headers)


def test_delete_needs_if_match_and_the_typed_name(admin: httpx.Client) -> None:
    group = new_group(admin)
    etag = admin.get(f"/response-groups/{group['id']}").headers["etag"]
    assert delete(admin, group["id"], "Reklamation", None).status_code == 428
    wrong = delete(admin, group["id"], "reklamation", etag)
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "confirm_name", "reason": "does not match the group's name", "code": "confirm_name_mismatch"}]
    stale = ok(admin, group["id"], {"view": {"wait_warning_s": 30}})
    assert stale["version"] == 2
    assert delete(admin, group["id"], "Reklamation", etag).status_code == 412
    assert admin.request("DELETE", f"/response-groups/{group['id']}", json={}, headers={"If-Match": etag}).status_code == 422
    assert admin.get(f"/response-groups/{group['id']}").status_code == 200  # still there


def test_delete_needs_phone_system(supervisor: httpx.Client, admin: httpx.Client) -> None:
    group_id = supervisor.get("/me").json()["supervises"][0]
    group = supervisor.get(f"/response-groups/{group_id}")
    response = delete(supervisor, group_id, group.json()["name"], group.headers["etag"])
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert admin.get(f"/response-groups/{group_id}").status_code == 200


def test_delete_takes_calls_with_it_frees_the_number_and_is_audited(admin: httpx.Client, server: RunningServer) -> None:
    group_id, number = 3, "+46812345602"
    with server.client("pbx") as pbx:
        agents = [a["id"] for a in admin.get(f"/response-groups/{group_id}/live").json()["agents"]]
        for agent_id in agents:
            pbx.post(f"/pbx/agents/{agent_id}/logout", json={"at": at(0)})
        pbx.post(f"/pbx/agents/{agents[0]}/login", json={"group_id": group_id, "at": at(0)})
        done = pbx.post("/pbx/calls", json={"number": number, "caller": "+46701000001", "at": at(1)}).json()
        pbx.post(f"/pbx/calls/{done['call_id']}/answer", json={"agent_id": agents[0], "at": at(5)})
        pbx.post(f"/pbx/calls/{done['call_id']}/end", json={"at": at(60)})  # a finished call, stored
        talking = pbx.post("/pbx/calls", json={"number": number, "caller": "+46701000002", "at": at(100)}).json()
        pbx.post(f"/pbx/calls/{talking['call_id']}/answer", json={"agent_id": agents[0], "at": at(110)})
        waiting = pbx.post("/pbx/calls", json={"number": number, "caller": "+46701000003", "at": at(120)}).json()
        assert waiting["state"] == "queued"
        server.call(server.state.engine.flush)
        assert len(admin.get(f"/response-groups/{group_id}/calls", params={"from": at(0), "to": at(200)}).json()["calls"]) == 1
        server.flush_events()
        last = server.state.bus.last_id

        group = admin.get(f"/response-groups/{group_id}")
        deleted = delete(admin, group_id, "  Teknisk support ", group.headers["etag"])  # typed with stray spaces
        assert deleted.status_code == 204, deleted.text

        assert admin.get(f"/response-groups/{group_id}").status_code == 404
        assert group_id not in {g["id"] for g in admin.get("/response-groups").json()}
        assert {n["number"]: n["group_id"] for n in organisation(admin)["numbers"]}[number] is None
        # The waiting caller was let go; the PBX can no longer act on that call.
        assert pbx.post(f"/pbx/calls/{waiting['call_id']}/hangup", json={}).status_code == 404
        # The connected call goes on until hung up, and is not stored with the group gone.
        assert pbx.post(f"/pbx/calls/{talking['call_id']}/end", json={"at": at(300)}).status_code == 200
        assert pbx.post("/pbx/calls", json={"number": number, "caller": "+46701000004"}).json()["code"] == "unknown_number"
    server.call(server.state.engine.flush)
    stored = server.call(count_calls, server, group_id)
    assert stored == 0
    server.flush_events()
    events = server.call(events_after, server, last)
    kinds = [kind for kind, _ in events]
    assert kinds.count("group.deleted") == 1
    ended = [data for kind, data in events if kind == "call.ended"]
    # The waiting call ended when the group went (before the deletion was announced), the connected one later.
    assert [e["call_id"] for e in ended] == [waiting["call_id"], talking["call_id"]]
    assert kinds.index("group.deleted") < [i for i, k in enumerate(kinds) if k == "call.ended"][1]
    # The number is free for a new group.
    assert new_group(admin, number=number, name="Teknisk support")["number"] == number


async def events_after(server: RunningServer, last: int) -> list[tuple[str, dict]]:
    import json

    from sqlalchemy import select

    from backend.db.models import EventRow

    async with server.state.db.session() as session:
        rows = (await session.scalars(select(EventRow).where(EventRow.id > last).order_by(EventRow.id))).all()
    return [(row.kind, json.loads(row.payload)) for row in rows]


async def count_calls(server: RunningServer, group_id: int) -> int:
    from sqlalchemy import func, select

    from backend.db.models import AuditEntry, CallRow

    async with server.state.db.session() as session:
        calls = await session.scalar(select(func.count()).select_from(CallRow).where(CallRow.group_id == group_id))
        audits = (await session.scalars(select(AuditEntry).where(AuditEntry.object_id == group_id, AuditEntry.action == "delete"))).all()
    assert len(audits) == 1 and audits[0].before["name"] == "Teknisk support" and audits[0].after is None
    assert audits[0].before["callback"]["enabled"] is True  # the whole group, every setting
    return int(calls or 0)


def test_delete_is_announced_to_consoles(admin: httpx.Client, server: RunningServer) -> None:
    group = new_group(admin)
    server.flush_events()
    last = server.state.bus.last_id
    assert delete(admin, group["id"], "Reklamation", admin.get(f"/response-groups/{group['id']}").headers["etag"]).status_code == 204
    [(_, kind, data)] = [e for e in read_events(server, server.token(), 1, last_event_id=last)]
    assert (kind, data["group_id"]) == ("group.deleted", group["id"])


# ------------------------------------------------------------------ history


def test_history_shows_each_change_newest_first(admin: httpx.Client, supervisor: httpx.Client, server: RunningServer) -> None:
    group = new_group(admin, supervisor_ids=[2])
    gid = group["id"]
    ok(admin, gid, {"view": {"wait_warning_s": 45}, "input_collectors": [{"variable": "order_id"}]})
    admin.post(f"/response-groups/{gid}/close")
    admin.post(f"/response-groups/{gid}/reopen")
    history = admin.get(f"/response-groups/{gid}/history").json()
    assert [h["action"] for h in history] == ["reopen", "close", "update", "create"]
    assert [h["id"] for h in history] == sorted((h["id"] for h in history), reverse=True)
    update = history[2]
    assert update["user"] == {"id": 1, "username": "admin", "display_name": "Alva Admin"}
    assert update["at"] == datetime.fromtimestamp(T0, UTC).isoformat().replace("+00:00", "Z")
    changes = {c["path"]: (c["before"], c["after"]) for c in update["changes"]}
    assert changes["view.wait_warning_s"] == (60, 45)
    assert changes["input_collectors"][0] == [] and changes["input_collectors"][1][0]["variable"] == "order_id"  # lists whole
    assert set(changes) == {"view.wait_warning_s", "input_collectors"}
    assert history[1]["changes"] == [{"path": "temporarily_closed", "before": False, "after": True}]
    created = {c["path"]: c for c in history[3]["changes"]}
    assert created["service_level.threshold_s"] == {"path": "service_level.threshold_s", "before": None, "after": 90}
    assert len(admin.get(f"/response-groups/{gid}/history", params={"limit": 2}).json()) == 2
    assert admin.get(f"/response-groups/{gid}/history", params={"limit": 0}).status_code == 422
    # Anyone who may see the group may read its history; others get 404.
    assert len(supervisor.get(f"/response-groups/{gid}/history").json()) == 4
    unseen = next(g["id"] for g in admin.get("/response-groups").json() if g["id"] not in supervisor.get("/me").json()["supervises"])
    assert supervisor.get(f"/response-groups/{unseen}/history").status_code == 404


def test_history_of_a_deleted_group_stays_in_the_audit_log(admin: httpx.Client, server: RunningServer) -> None:
    group = new_group(admin)
    etag = admin.get(f"/response-groups/{group['id']}").headers["etag"]
    assert delete(admin, group["id"], "Reklamation", etag).status_code == 204
    assert admin.get(f"/response-groups/{group['id']}/history").status_code == 404  # the group is gone

    async def actions() -> list[str]:
        from sqlalchemy import select

        from backend.db.models import AuditEntry
        from backend.services.group_admin import history

        async with server.state.db.session() as session:
            return [h.action for h in await history(session, group["id"], 10)]

    assert server.call(actions) == ["delete", "create"]


def test_groups_that_overflowed_to_a_deleted_group_overflow_to_voicemail(admin: httpx.Client, server: RunningServer) -> None:
    switchboard = admin.get("/response-groups/2")  # Växel overflows to Kundtjänst in the demo
    assert switchboard.json()["overflow"]["destination"] == {"kind": "group", "group_id": 1, "number": None}
    server.flush_events()
    last = server.state.bus.last_id
    etag = admin.get("/response-groups/1").headers["etag"]
    assert delete(admin, 1, "Kundtjänst", etag).status_code == 204
    after = admin.get("/response-groups/2")
    assert after.json()["overflow"]["destination"] == {"kind": "voicemail", "group_id": None, "number": None}
    assert after.json()["overflow"]["max_wait_s"] == 120  # the rest of the rule stays
    assert after.json()["version"] == switchboard.json()["version"] + 1 and after.headers["etag"] != switchboard.headers["etag"]
    [latest, *_] = admin.get("/response-groups/2/history").json()
    assert {c["path"]: (c["before"], c["after"]) for c in latest["changes"]} == {
        "overflow.destination.kind": ("group", "voicemail"), "overflow.destination.group_id": (1, None)}
    server.flush_events()
    updated = [data for kind, data in server.call(events_after, server, last) if kind == "group.updated"]
    assert [u["group"]["id"] for u in updated] == [2]
    assert updated[0]["group"]["overflow"]["destination"]["kind"] == "voicemail"
    # The engine follows: Växel's calls now overflow to voicemail.
    assert server.call(lambda: server.state.engine.require().groups[2].overflow.kind) == "voicemail"


def test_refused_writes_show_in_the_group_history(admin: httpx.Client, supervisor: httpx.Client) -> None:
    group_id = supervisor.get("/me").json()["supervises"][0]
    group = supervisor.get(f"/response-groups/{group_id}")
    assert supervisor.patch(f"/response-groups/{group_id}", json={"name": "Min"}, headers={"If-Match": group.headers["etag"]}).status_code == 403
    assert delete(supervisor, group_id, group.json()["name"], group.headers["etag"]).status_code == 403
    denied = [h for h in admin.get(f"/response-groups/{group_id}/history").json() if h["action"] == "denied"]
    assert [d["request"]["method"] for d in denied] == ["DELETE", "PATCH"]  # newest first
    assert denied[0]["user"]["username"] == "supervisor" and denied[0]["changes"] == []
    assert denied[0]["request"]["path"] == f"/api/v1/response-groups/{group_id}"
    assert "phone-system" in denied[0]["request"]["reason"]
    other = next(g["id"] for g in admin.get("/response-groups").json() if g["id"] != group_id)
    assert all(h["action"] != "denied" for h in admin.get(f"/response-groups/{other}/history").json())
