"""§7 Schedules over the API: CRUD with ETags, validation with field paths, in-use
refusal, the state now and next (across daylight-saving changes), and the
engine following them (status `closed_schedule`, closed treatment)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest

from backend.engine.clock import FakeClock
from tests.server import T0, RunningServer, fresh_database
from tests.settings_kit import ok, refused, week
from tests.test_api_live import read_events


def iso(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def create(admin: httpx.Client, body: dict) -> httpx.Response:
    return admin.post("/schedules", json=body)


def errors_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_demo_schedules_are_listed_with_holidays(admin: httpx.Client) -> None:
    schedules = {s["name"]: s for s in admin.get("/schedules").json()}
    office = schedules["Kontorstid"]
    assert office["timezone"] == "Europe/Stockholm"
    assert office["weekly"]["mon"] == [{"start": "08:00", "end": "17:00"}]
    assert office["weekly"]["sat"] == [] and office["weekly"]["sun"] == []
    christmas = next(e for e in office["exceptions"] if e["date"] == "2026-12-24")
    assert christmas == {"date": "2026-12-24", "label": "Julafton", "ranges": []}
    # Juldagen, midsummer eve 2026, Good Friday 2027 (Easter moves; it is computed)
    assert {"2026-12-25", "2026-06-19", "2027-03-26"} <= {e["date"] for e in office["exceptions"]}
    assert schedules["Dygnet runt"]["exceptions"] == []
    assert schedules["Dygnet runt"]["weekly"]["sun"] == [{"start": "00:00", "end": "24:00"}]


def test_create_read_replace_delete_with_etags(admin: httpx.Client) -> None:
    created = create(admin, {"name": "Lunchstängt", "weekly": week(("08:00", "12:00"), ("13:00", "17:00"))})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["timezone"] == "Europe/Stockholm" and body["version"] == 1 and body["exceptions"] == []
    assert created.headers["location"] == f"/api/v1/schedules/{body['id']}"
    read = admin.get(f"/schedules/{body['id']}")
    etag = read.headers["etag"]
    assert read.json()["weekly"]["wed"][1] == {"start": "13:00", "end": "17:00"}
    changed = {**body, "name": "Lunchstängt", "weekly": week(("09:00", "16:00"))}
    for key in ("id", "version", "updated_at"):
        changed.pop(key)
    assert admin.put(f"/schedules/{body['id']}", json=changed).status_code == 428
    replaced = admin.put(f"/schedules/{body['id']}", json=changed, headers={"If-Match": etag})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["version"] == 2 and replaced.headers["etag"] != etag
    stale = admin.put(f"/schedules/{body['id']}", json=changed, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["current"]["weekly"]["mon"] == [{"start": "09:00", "end": "16:00"}]
    sent_back = {**replaced.json(), "name": "Lunch"}  # a schedule as read may be sent back whole
    again = admin.put(f"/schedules/{body['id']}", json=sent_back, headers={"If-Match": replaced.headers["etag"]})
    assert again.status_code == 200 and again.json()["name"] == "Lunch" and again.json()["version"] == 3
    assert admin.delete(f"/schedules/{body['id']}").status_code == 204
    assert admin.get(f"/schedules/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"weekly": week(("17:00", "08:00"))}, "weekly.mon.0.end", "end_not_after_start"),
        ({"weekly": week(("08:00", "08:00"))}, "weekly.mon.0.end", "end_not_after_start"),
        ({"weekly": week(("8:00", "17:00"))}, "weekly.mon.0.start", "time_format"),
        ({"weekly": week(("08:00", "24:30"))}, "weekly.mon.0.end", "time_format"),
        ({"weekly": week(("08:00", "12:00"), ("11:00", "17:00"), days=("tue",))}, "weekly.tue.1.start", "ranges_overlap"),
        ({"timezone": "Europe/Stockhom"}, "timezone", "unknown_timezone"),
        ({"name": "  "}, "name", "string_too_short"),
        (
            {"exceptions": [{"date": "2026-12-24", "ranges": []}, {"date": "2026-12-24", "ranges": []}]},
            "exceptions.1.date",
            "duplicate_date",
        ),
        ({"exceptions": [{"date": "2026-02-30", "ranges": []}]}, "exceptions.0.date", "date_from_datetime_parsing"),
        ({"weekly": {"mon": [], "holiday": []}}, "weekly.holiday", "extra_forbidden"),
    ],
)
def test_invalid_schedules_are_refused_with_the_field(admin: httpx.Client, body: dict, field: str, code: str) -> None:
    count = len(admin.get("/schedules").json())
    errors = errors_of(create(admin, {"name": "Fel", **body}))
    assert errors.get(field) == code, errors
    assert len(admin.get("/schedules").json()) == count


def test_end_2400_is_allowed_and_names_are_unique(admin: httpx.Client) -> None:
    assert create(admin, {"name": "Kväll", "weekly": week(("18:00", "24:00"))}).status_code == 201
    taken = create(admin, {"name": "Kontorstid"})
    assert taken.status_code == 409 and taken.json()["errors"][0] == {
        "field": "name", "reason": "already used by another schedule", "code": "name_taken"}


def test_a_schedule_in_use_cannot_be_deleted(admin: httpx.Client) -> None:
    schedules = {s["name"]: s["id"] for s in admin.get("/schedules").json()}
    response = admin.delete(f"/schedules/{schedules['Kontorstid']}")
    assert response.status_code == 409
    assert response.json()["code"] == "schedule_in_use"
    assert "Kundtjänst" in response.json()["message"]
    for group_id in (1, 4):  # Kundtjänst and Fakturering leave it
        ok(admin, group_id, {"schedule_id": None})
    assert admin.delete(f"/schedules/{schedules['Kontorstid']}").status_code == 204


def test_writes_need_phone_system(supervisor: httpx.Client, admin: httpx.Client) -> None:
    office = admin.get("/schedules/1")
    body = {k: v for k, v in office.json().items() if k not in ("id", "version", "updated_at")}
    assert supervisor.get("/schedules/1").status_code == 200  # reading is for anyone
    assert supervisor.post("/schedules", json={"name": "Mitt"}).json()["code"] == "forbidden"
    assert supervisor.put("/schedules/1", json=body, headers={"If-Match": office.headers["etag"]}).status_code == 403
    assert supervisor.delete("/schedules/2").status_code == 403
    assert admin.get("/schedules/1").json()["version"] == 1


def test_a_group_names_only_schedules_of_the_organisation(admin: httpx.Client) -> None:
    assert refused(admin, 3, {"schedule_id": 999}) == {"schedule_id": "unknown_id"}


def state_at(server: RunningServer, when: str, schedule_id: int) -> dict:
    """Move the clock (forward only) and read the state with a fresh token (tokens expire)."""
    server.clock.set(iso(when))
    with server.client("supervisor") as client:  # reading needs no phone-system permission
        response = client.get(f"/schedules/{schedule_id}/state")
    assert response.status_code == 200, response.text
    return response.json()


def test_state_now_and_next_change(admin: httpx.Client, server: RunningServer) -> None:
    # T0 is 09:00 on a weekday in Stockholm (08:00 UTC): office hours, closing at 17:00.
    state = admin.get("/schedules/1/state").json()
    assert state == {"open": True, "next_change_at": "2026-11-26T16:00:00Z", "next_change_opens": False}
    state = state_at(server, "2026-11-27T16:30:00+00:00", 1)  # Friday 17:30: closed until Monday 08:00
    assert state == {"open": False, "next_change_at": "2026-11-30T07:00:00Z", "next_change_opens": True}
    state = state_at(server, "2026-12-23T17:00:00+00:00", 1)  # Wed evening; Thu Julafton, Fri Juldagen
    assert state["next_change_at"] == "2026-12-28T07:00:00Z"
    assert state_at(server, "2026-12-23T17:00:00+00:00", 2) == {"open": True, "next_change_at": None, "next_change_opens": None}


DST_DAY = week(("01:00", "04:00"), ("08:00", "17:00"))


DST_STEPS = [
        # Spring: 2026-03-29 02:00 CET -> 03:00 CEST. 01:00–04:00 local is 00:00–02:00 UTC.
        ("2026-03-28T23:30:00+00:00", (False, "2026-03-29T00:00:00Z")),
        ("2026-03-29T00:00:00+00:00", (True, "2026-03-29T02:00:00Z")),
        ("2026-03-29T01:30:00+00:00", (True, "2026-03-29T02:00:00Z")),  # 03:30 CEST
        ("2026-03-29T02:00:00+00:00", (False, "2026-03-29T06:00:00Z")),  # 08:00 CEST
        ("2026-03-29T15:00:00+00:00", (False, "2026-03-29T23:00:00Z")),  # 17:00 CEST; opens 01:00 CEST
        # Autumn: 2026-10-25 03:00 CEST -> 02:00 CET. 01:00–04:00 local is 23:00–03:00 UTC.
        ("2026-10-24T22:59:00+00:00", (False, "2026-10-24T23:00:00Z")),
        ("2026-10-24T23:00:00+00:00", (True, "2026-10-25T03:00:00Z")),
        ("2026-10-25T01:30:00+00:00", (True, "2026-10-25T03:00:00Z")),  # 02:30 CET, the second time
        ("2026-10-25T03:00:00+00:00", (False, "2026-10-25T07:00:00Z")),  # 08:00 CET
        ("2026-10-25T16:00:00+00:00", (False, "2026-10-26T00:00:00Z")),  # 17:00 CET; opens 01:00 CET
]


def test_state_is_right_across_daylight_saving_changes(template_db: Path, tmp_path: Path) -> None:
    """A server whose clock starts before the spring change and walks through both."""
    server = RunningServer(fresh_database(template_db, tmp_path), clock=FakeClock(iso("2026-03-28T12:00:00+00:00"))).start()
    try:
        with server.client("admin") as admin:
            created = create(admin, {"name": "Natt och dag", "weekly": DST_DAY})
            assert created.status_code == 201, created.text
        for now, (is_open, change) in DST_STEPS:
            state = state_at(server, now, created.json()["id"])
            assert (now, state["open"], state["next_change_at"]) == (now, is_open, change)
            assert state["next_change_opens"] is (not is_open)
    finally:
        server.stop()


def test_group_status_follows_its_schedule(admin: httpx.Client, server: RunningServer) -> None:
    assert admin.get("/response-groups/1").json()["status"] == "open"
    server.clock.set(T0 + 9 * 3600)  # 18:00
    assert admin.get("/response-groups/1").json()["status"] == "closed_schedule"
    assert admin.get("/response-groups/2").json()["status"] == "open"  # Växel has no schedule
    assert {g["id"]: g["status"] for g in admin.get("/response-groups").json()}[1] == "closed_schedule"
    ok(admin, 1, {"schedule_id": 2})  # Dygnet runt
    assert admin.get("/response-groups/1").json()["status"] == "open"


def test_closing_by_schedule_gives_callers_the_closed_treatment(
    admin: httpx.Client, server: RunningServer
) -> None:
    with server.client("pbx") as pbx:
        server.clock.set(T0 + 9 * 3600)
        call = pbx.post("/pbx/calls", json={"number": "+46812345600", "caller": "+46701234567"}).json()
        assert call["state"] == "ended" and call["outcome"] == "closed"
        open_call = pbx.post("/pbx/calls", json={"number": "+46812345601", "caller": "+46701234568"}).json()
        assert open_call["outcome"] is None


def test_the_status_change_is_streamed_when_the_schedule_closes(admin: httpx.Client, server: RunningServer) -> None:
    server.flush_events()
    last = server.state.bus.last_id
    server.clock.set(T0 + 8 * 3600 + 1)  # 17:00:01
    events = read_events(server, server.token(), 2, last_event_id=last)
    closed = {data["group_id"]: data for _, kind, data in events if kind == "group.stats"}
    assert set(closed) == {1, 4}  # Kundtjänst and Fakturering close at 17:00
    assert all(data["open"] is False for data in closed.values())


def test_editing_a_schedule_changes_its_groups_at_once(admin: httpx.Client) -> None:
    office = admin.get("/schedules/1")
    body = {k: v for k, v in office.json().items() if k not in ("id", "version", "updated_at")}
    body["exceptions"].append({"date": "2026-11-26", "label": "Personaldag", "ranges": []})
    replaced = admin.put("/schedules/1", json=body, headers={"If-Match": office.headers["etag"]})
    assert replaced.status_code == 200, replaced.text
    assert admin.get("/response-groups/1").json()["status"] == "closed_schedule"
    assert admin.get("/schedules/1/state").json()["next_change_at"] == "2026-11-27T07:00:00Z"
