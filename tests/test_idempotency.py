"""Retried saves with an Idempotency-Key are applied once."""
from __future__ import annotations

import httpx


def patch(admin: httpx.Client, etag: str, body: dict, key: str | None) -> httpx.Response:
    headers = {"If-Match": etag}
    if key:
        headers["Idempotency-Key"] = key
    return admin.patch("/response-groups/1", json=body, headers=headers)


def test_a_retried_save_is_applied_once(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    first = patch(admin, etag, {"view": {"wait_warning_s": 44}}, "save-1")
    assert first.status_code == 200
    # The response was "lost"; the client retries exactly the same request.
    again = patch(admin, etag, {"view": {"wait_warning_s": 44}}, "save-1")
    assert again.status_code == 200, "not a 412: it is the same save, answered again"
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert admin.get("/response-groups/1").json()["version"] == first.json()["version"]


def test_the_same_key_with_another_body_is_refused(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    assert patch(admin, etag, {"view": {"wait_warning_s": 44}}, "save-2").status_code == 200
    other = patch(admin, etag, {"view": {"wait_warning_s": 45}}, "save-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert admin.get("/response-groups/1").json()["view"]["wait_warning_s"] == 44


def test_refusals_are_replayed_too(admin: httpx.Client) -> None:
    stale = patch(admin, '"g1v999"', {"name": "X"}, "save-3")
    assert stale.status_code == 412
    assert patch(admin, '"g1v999"', {"name": "X"}, "save-3").status_code == 412


def test_keys_belong_to_their_token(server, admin: httpx.Client) -> None:  # noqa: ANN001
    etag = admin.get("/response-groups/1").headers["etag"]
    assert patch(admin, etag, {"view": {"wait_warning_s": 46}}, "shared").status_code == 200
    with server.client("admin") as other_session:
        # Same key from another token is a new request (and stale by now).
        response = other_session.patch("/response-groups/1", json={"view": {"wait_warning_s": 47}}, headers={"If-Match": etag, "Idempotency-Key": "shared"})
        assert response.status_code == 412


def test_bad_keys(admin: httpx.Client) -> None:
    etag = admin.get("/response-groups/1").headers["etag"]
    assert patch(admin, etag, {"name": "X"}, "k" * 201).json()["code"] == "bad_idempotency_key"
