"""Who may do what, enforced by the backend for every route in /openapi.json.

The routes are read from the running server's OpenAPI document, so a route
added later is swept too. Writes are POST, PUT, PATCH and DELETE.
"""
from __future__ import annotations

import base64
import hashlib
import re
import sqlite3
from typing import Any

import httpx
import pytest

from tests.server import RunningServer

WRITES = {"post", "put", "patch", "delete"}
#: Signing in and out is for everyone.
AUTH_ROUTES = {("post", "/api/v1/auth/token"), ("post", "/api/v1/auth/logout")}
#: Routes that need no sign-in at all.
PUBLIC = {("post", "/api/v1/auth/token"), ("get", "/healthz")}

#: What a supervisor may do without the phone-system permission, on the groups
#: it supervises (backend/services/auth.py `can_operate_group`, api/agents.py):
#: close and reopen them, and log their agents in and out.
SUPERVISOR_MAY = [
    re.compile(r"^/api/v1/response-groups/\{group_id\}/(close|reopen)$"),
    re.compile(r"^/api/v1/response-groups/\{group_id\}/agents/\{agent_id\}/(login|logout)$"),
]


def operations(server: RunningServer) -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    return sorted((method, path) for path, item in paths.items() for method in item if method in {"get", *WRITES})


def fill(path: str, values: dict[str, int]) -> str:
    """The path with each {param} replaced: known ones from `values`, other ids by 1."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def me(server: RunningServer, username: str, password: str | None = None) -> tuple[httpx.Client, dict[str, Any]]:
    client = server.client(username, password)
    return client, client.get("/me").json()


def denials(server: RunningServer, user_id: int) -> list[dict[str, Any]]:
    with sqlite3.connect(server.database) as db:
        rows = db.execute(
            "SELECT after FROM audit_log WHERE action = 'denied' AND user_id = ? ORDER BY id", (user_id,)
        ).fetchall()
    import json

    return [json.loads(after) for (after,) in rows]


def sweep(server: RunningServer, client: httpx.Client, user_id: int, routes: list[tuple[str, str]], values: dict[str, int]) -> None:
    """Every route → 403 in the error shape, and one audit row per refusal."""
    assert routes, "no write routes found: the sweep would pass vacuously"
    before = len(denials(server, user_id))
    wrong: list[str] = []
    for method, path in routes:
        url = fill(path, values)
        response = client.request(method.upper(), url.removeprefix("/api/v1"), json={}, headers={"If-Match": '"x"'})
        if response.status_code != 403 or response.json().get("code") not in {"forbidden", "login_toggle_not_allowed"}:
            wrong.append(f"{method.upper()} {url}: {response.status_code} {response.text[:120]}")
    assert not wrong, "\n".join(wrong)
    audited = denials(server, user_id)[before:]
    assert [(a["method"], a["path"]) for a in audited] == [(m.upper(), fill(p, values)) for m, p in routes]
    assert all(a["reason"] for a in audited)


def test_an_agent_may_write_nothing(server: RunningServer) -> None:
    """An agent (no phone-system, no PBX permission, supervises nothing), on a
    group it serves and about another agent: every write is refused."""
    client, agent = me(server, "agent1", "agent")
    assert agent["permissions"] == [] and agent["supervises"] == []
    group_id = client.get("/response-groups").json()[0]["id"]
    other = next(a["id"] for a in client.get(f"/response-groups/{group_id}/live").json()["agents"] if a["id"] != agent["id"])
    routes = [op for op in operations(server) if op[0] in WRITES and op not in AUTH_ROUTES]
    sweep(server, client, agent["id"], routes, {"group_id": group_id, "agent_id": other})


def test_a_supervisor_may_only_operate_its_groups(server: RunningServer) -> None:
    client, sup = me(server, "supervisor")
    assert "phone_system" not in sup["permissions"] and "pbx" not in sup["permissions"]
    group_id = sup["supervises"][0]
    agent_id = client.get(f"/response-groups/{group_id}/live").json()["agents"][0]["id"]
    writes = [op for op in operations(server) if op[0] in WRITES and op not in AUTH_ROUTES]
    allowed = [op for op in writes if any(p.match(op[1]) for p in SUPERVISOR_MAY)]
    assert len(allowed) == 4, "the exemptions above name routes that no longer exist"
    sweep(server, client, sup["id"], [op for op in writes if op not in allowed], {"group_id": group_id, "agent_id": agent_id})
    for method, path in allowed:  # the exemptions are real permissions, not hidden failures
        response = client.request(method.upper(), fill(path, {"group_id": group_id, "agent_id": agent_id}).removeprefix("/api/v1"))
        assert response.status_code == 200, (path, response.text)


def test_the_pbx_account_may_only_send_pbx_events(server: RunningServer) -> None:
    client, pbx = me(server, "pbx")
    assert pbx["permissions"] == ["pbx"]
    writes = [op for op in operations(server) if op[0] in WRITES and op not in AUTH_ROUTES]
    pbx_routes = [op for op in writes if op[1].startswith("/api/v1/pbx/")]
    assert pbx_routes
    sweep(server, client, pbx["id"], [op for op in writes if op not in pbx_routes], {"group_id": 1, "agent_id": 1})
    arrived = client.post("/pbx/calls", json={"group_id": 1, "caller": "+46701234567"})
    assert arrived.status_code == 201, arrived.text


@pytest.mark.parametrize("credential", ["none", "malformed", "unknown", "expired", "revoked"])
def test_every_route_needs_a_valid_token(server: RunningServer, credential: str) -> None:
    headers: dict[str, str] = {}
    if credential == "malformed":
        headers["Authorization"] = "Basic YWRtaW46YWRtaW4="
    elif credential == "unknown":
        headers["Authorization"] = "Bearer " + "x" * 43
    elif credential in ("expired", "revoked"):
        token = server.token("admin")
        headers["Authorization"] = f"Bearer {token}"
        assert httpx.get(f"{server.url}/api/v1/me", headers=headers).status_code == 200  # cached now
        if credential == "expired":
            server.clock.advance(server.settings.token_ttl_s + 1)
        else:
            assert httpx.post(f"{server.url}/api/v1/auth/logout", headers=headers).status_code == 204
    routes = [op for op in operations(server) if op not in PUBLIC]
    assert len(routes) > 10
    wrong = []
    for method, path in routes:
        url = server.url + fill(path, {})
        response = httpx.request(method.upper(), url, headers=headers, json={} if method in WRITES else None)
        if response.status_code != 401 or response.json()["code"] != "unauthorized" or "bearer" not in response.headers.get("www-authenticate", "").lower():
            wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_passwords_are_stored_as_salted_scrypt_hashes(server: RunningServer) -> None:
    with sqlite3.connect(server.database) as db:
        rows = db.execute("SELECT username, password_hash FROM users").fetchall()
    passwords = {"admin": "admin", "supervisor": "supervisor", "pbx": "pbx"}
    assert len(rows) > 10
    for username, stored in rows:
        password = passwords.get(username, "agent")
        assert password not in stored
        scheme, n, r, p, salt, digest = stored.split("$")
        assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**14, 8, 1)
        assert len(base64.b64decode(salt)) == 16
        # Recomputed with the standard library, not the project's own check.
        expected = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=2**14, r=8, p=1, dklen=32)
        assert base64.b64decode(digest) == expected
    hashes = [stored for _, stored in rows]
    assert len(set(hashes)) == len(hashes), "users with the same password must not share a hash (one salt each)"
