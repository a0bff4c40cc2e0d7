"""Bad input and hostile clients: clear refusals, nothing lost, nothing crashes."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from backend.db.models import AuditEntry
from backend.throttle import LoginThrottle
from tests.server import RunningServer


def test_oversized_body_is_413_in_the_error_shape(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    response = admin.patch("/response-groups/1", content=b"{" + b" " * 2_000_000 + b"}", headers={"If-Match": etag, "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_non_utf8_body_is_refused_cleanly(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    response = admin.patch("/response-groups/1", content=b'{"name": "\xff\xfe"}', headers={"If-Match": etag, "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_body"
    assert admin.get("/response-groups/1").json()["name"] == "Kundtjänst"


def test_broken_json_names_the_body(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    response = admin.patch("/response-groups/1", content=b'{"name": ', headers={"If-Match": etag, "content-type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_json"
    assert body["errors"][0]["field"] == "(body)"


def test_repeated_failed_logins_get_429_with_retry_after(server: RunningServer) -> None:
    url = f"{server.url}/api/v1/auth/token"
    statuses = [httpx.post(url, json={"username": "admin", "password": "guess"}).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    blocked = httpx.post(url, json={"username": "admin", "password": "admin"})
    assert blocked.status_code == 429, "even the right password waits out the block"
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["code"] == "too_many_attempts"


def test_throttle_doubles_and_forgets_after_success() -> None:
    now = [0.0]
    throttle = LoginThrottle(free=2, base_s=10, clock=lambda: now[0])
    throttle.failed("u")
    assert throttle.retry_after("u") == 0
    throttle.failed("u")
    assert throttle.retry_after("u") == 10
    now[0] = 11
    throttle.failed("u")
    assert throttle.retry_after("u") == 20
    throttle.succeeded("u")
    assert throttle.retry_after("u") == 0


def test_denied_writes_are_audited(server: RunningServer, supervisor: httpx.Client) -> None:
    group_id = supervisor.get("/me").json()["supervises"][0]
    etag = supervisor.get(f"/response-groups/{group_id}").headers["etag"]
    assert supervisor.patch(f"/response-groups/{group_id}", json={"name": "X"}, headers={"If-Match": etag}).status_code == 403

    async def denials() -> list[AuditEntry]:
        async with server.state.db.session() as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == "denied"))).all())

    [entry] = server.call(denials)
    assert entry.after == {"method": "PATCH", "path": f"/api/v1/response-groups/{group_id}", "reason": entry.after["reason"]}
    assert "phone-system" in entry.after["reason"]
