"""Helpers for the settings API tests (tests/test_settings_api_*.py, test_schedules_api.py)."""
from __future__ import annotations

from typing import Any

import httpx

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def patch(client: httpx.Client, group_id: int, body: dict[str, Any]) -> httpx.Response:
    etag = client.get(f"/response-groups/{group_id}").headers["etag"]
    return client.patch(f"/response-groups/{group_id}", json=body, headers={"If-Match": etag})


def ok(client: httpx.Client, group_id: int, body: dict[str, Any]) -> dict:
    response = patch(client, group_id, body)
    assert response.status_code == 200, response.text
    return response.json()


def refused(client: httpx.Client, group_id: int, body: dict[str, Any], status: int = 422) -> dict[str, str]:
    """The refusal's field errors as {field: code}; the group is left unchanged."""
    before = client.get(f"/response-groups/{group_id}").json()
    response = patch(client, group_id, body)
    assert response.status_code == status, response.text
    after = client.get(f"/response-groups/{group_id}").json()
    assert after == before
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def new_group(client: httpx.Client, number: str = "+46812345690", name: str = "Reklamation", **extra: Any) -> dict:
    response = client.post("/response-groups", json={"name": name, "number": number, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def organisation(client: httpx.Client) -> dict:
    response = client.get("/organisation")
    assert response.status_code == 200, response.text
    return response.json()


def week(*ranges: tuple[str, str], days: tuple[str, ...] = DAYS) -> dict[str, list[dict[str, str]]]:
    return {d: [{"start": s, "end": e} for s, e in ranges] if d in days else [] for d in DAYS}
