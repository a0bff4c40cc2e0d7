"""A group's GET answered from the read cache before FastAPI's routing.

`GET /api/v1/response-groups/{id}` is the hottest read. When the caller's
token is in the principal cache, the caller may see the group and its bytes
are in the read cache (backend/db/read_cache.py), the answer is sent from
here: no dependency solving, no parameter models, no database. Anything else
— an unknown or expired token, a group the caller may not see, a cache miss,
a malformed id — goes on to the route in api/groups.py, which answers it
(and fills the cache), so the two can never disagree on who sees what.
"""
from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from backend.security import token_digest

_JSON = (b"content-type", b"application/json")


class FastGroupReads:
    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = f"{prefix}/response-groups/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(self.prefix):
            rest = scope["path"][len(self.prefix) :]
            if 0 < len(rest) <= 10 and rest.isascii() and rest.isdigit():
                answer = _answer(scope, int(rest))
                if answer is not None:
                    status, headers, body = answer
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


def bearer_request(scope: Scope, header: bytes) -> tuple[Any, str, bytes | None] | None:
    """For the raw ASGI fast paths (this one, the event stream): the app's state,
    the bearer token, and the value of one other `header` (lower-case name).
    None when the app has no state or the request no bearer token: such a
    request takes the ordinary route, which answers it properly."""
    state = getattr(getattr(scope.get("app"), "state", None), "vaxel", None)
    if state is None:
        return None
    authorization = other = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == header:
            other = value
    if authorization is None or authorization[:7].lower() != b"bearer ":
        return None
    return state, authorization[7:].strip().decode("latin-1"), other


def _answer(scope: Scope, group_id: int) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    found = bearer_request(scope, b"if-none-match")
    if found is None:
        return None
    state, token, if_none_match = found
    principal = state.principals.get(token_digest(token), state.clock.now())
    if principal is None or not principal.can_see_group(group_id):
        return None
    entry = state.db.read_cache.get(group_id, state.engine.status(group_id))
    if entry is None or entry.org_id != principal.org_id:
        return None
    etag = entry.etag.encode()
    if if_none_match is not None and etag in [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]:
        return 304, [(b"etag", etag)], b""
    return 200, [_JSON, (b"content-length", str(len(entry.body)).encode()), (b"etag", etag)], entry.body
