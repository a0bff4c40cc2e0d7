"""The API contract of the walking skeleton, against the real server."""
from __future__ import annotations

import httpx

from tests.server import RunningServer


def test_login_gives_a_bearer_token(server: RunningServer) -> None:
    response = httpx.post(f"{server.url}/api/v1/auth/token", json={"username": "admin", "password": "admin"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert len(body["access_token"]) > 20


def test_wrong_password_is_401_with_a_code(server: RunningServer) -> None:
    response = httpx.post(f"{server.url}/api/v1/auth/token", json={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"


def test_every_endpoint_needs_a_token(server: RunningServer) -> None:
    for path in ("/api/v1/me", "/api/v1/response-groups", "/api/v1/response-groups/1", "/api/v1/events"):
        response = httpx.get(server.url + path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_bad_token_is_401(server: RunningServer) -> None:
    response = httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_me_shows_roles_and_the_phone_system_permission(admin: httpx.Client, supervisor: httpx.Client) -> None:
    me = admin.get("/me").json()
    assert me["username"] == "admin"
    assert "phone_system" in me["permissions"]
    sup = supervisor.get("/me").json()
    assert sup["roles"] == ["supervisor"]
    assert "phone_system" not in sup["permissions"]
    assert len(sup["supervises"]) == 3


def test_group_list_has_live_figures(admin: httpx.Client) -> None:
    groups = admin.get("/response-groups").json()
    assert len(groups) >= 5
    names = {g["name"] for g in groups}
    assert {"Kundtjänst", "Växel", "Teknisk support"} <= names
    first = groups[0]
    for key in ("number", "status", "waiting", "oldest_enqueued_at", "agents_free", "agents_busy", "sl_today"):
        assert key in first


def test_supervisor_sees_only_supervised_groups(supervisor: httpx.Client) -> None:
    me = supervisor.get("/me").json()
    groups = supervisor.get("/response-groups").json()
    assert {g["id"] for g in groups} == set(me["supervises"])


def test_get_has_etag_and_304_when_unchanged(admin: httpx.Client) -> None:
    response = admin.get("/response-groups/1")
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert response.json()["service_level"] == {"threshold_s": 90, "early_hangup_s": 10, "target_pct": 80, "show_target": False}
    again = admin.get("/response-groups/1", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_patch_without_if_match_is_428(admin: httpx.Client) -> None:
    response = admin.patch("/response-groups/1", json={"name": "X"})
    assert response.status_code == 428
    assert response.json()["code"] == "if_match_required"


def test_patch_with_stale_etag_is_412_with_current_object(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    first = admin.patch("/response-groups/1", json={"view": {"wait_warning_s": 45}}, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["etag"] != etag
    stale = admin.patch("/response-groups/1", json={"view": {"wait_warning_s": 30}}, headers={"If-Match": etag})
    assert stale.status_code == 412
    body = stale.json()
    assert body["code"] == "version_mismatch"
    assert body["current"]["view"]["wait_warning_s"] == 45
    assert stale.headers["etag"] == first.headers["etag"]


def test_patch_merges_nested_settings(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/2").headers["etag"]
    response = admin.patch("/response-groups/2", json={"service_level": {"threshold_s": 60}}, headers={"If-Match": etag})
    assert response.status_code == 200
    body = response.json()
    assert body["service_level"]["threshold_s"] == 60
    assert body["service_level"]["early_hangup_s"] == 10  # untouched
    assert body["version"] == 2


def test_invalid_values_are_422_naming_field_and_reason(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    response = admin.patch(
        "/response-groups/1",
        json={"name": "   ", "service_level": {"threshold_s": 5000, "early_hangup_s": -1}},
        headers={"If-Match": etag},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"name", "service_level.threshold_s", "service_level.early_hangup_s"}
    assert fields["service_level.threshold_s"]["code"] == "less_than_equal"
    assert "3600" in fields["service_level.threshold_s"]["reason"]


def test_early_hangup_must_be_below_threshold(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    response = admin.patch("/response-groups/1", json={"service_level": {"early_hangup_s": 90}}, headers={"If-Match": etag})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "service_level.early_hangup_s"
    assert error["code"] == "early_hangup_not_below_threshold"


def test_unknown_fields_are_refused(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    response = admin.patch("/response-groups/1", json={"colour": "red"}, headers={"If-Match": etag})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "colour"


def test_name_is_trimmed_and_unique(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    ok = admin.patch("/response-groups/1", json={"name": "  Kundservice  "}, headers={"If-Match": etag})
    assert ok.json()["name"] == "Kundservice"
    taken = admin.patch("/response-groups/1", json={"name": "Växel"}, headers={"If-Match": ok.headers["etag"]})
    assert taken.status_code == 409
    assert taken.json()["errors"][0]["field"] == "name"


def test_writes_without_phone_system_are_403(supervisor: httpx.Client, admin: httpx.Client) -> None:
    group_id = supervisor.get("/me").json()["supervises"][0]
    etag = supervisor.get(f"/response-groups/{group_id}").headers["etag"]
    response = supervisor.patch(f"/response-groups/{group_id}", json={"name": "Mine"}, headers={"If-Match": etag})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    created = supervisor.post("/response-groups", json={"name": "New", "number": "+46812345699"})
    assert created.status_code == 403
    assert admin.get(f"/response-groups/{group_id}").json()["name"] != "Mine"


def test_create_group(admin: httpx.Client) -> None:
    response = admin.post("/response-groups", json={"name": "Reklamation", "number": "+46812345690", "agent_group_ids": [1]})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open"
    assert body["service_level"]["threshold_s"] == 90
    assert body["agent_group_ids"] == [1]
    assert response.headers["location"] == f"/api/v1/response-groups/{body['id']}"
    listed = {g["name"] for g in admin.get("/response-groups").json()}
    assert "Reklamation" in listed


def test_supervisor_may_close_and_reopen_own_group(supervisor: httpx.Client) -> None:
    group_id = supervisor.get("/me").json()["supervises"][0]
    closed = supervisor.post(f"/response-groups/{group_id}/close")
    assert closed.status_code == 200
    assert closed.json()["status"] == "temporarily_closed"
    reopened = supervisor.post(f"/response-groups/{group_id}/reopen")
    assert reopened.json()["status"] == "open"


def test_openapi_document(server: RunningServer) -> None:
    doc = httpx.get(f"{server.url}/openapi.json").json()
    assert "/api/v1/response-groups/{group_id}" in doc["paths"]
    assert "patch" in doc["paths"]["/api/v1/response-groups/{group_id}"]
