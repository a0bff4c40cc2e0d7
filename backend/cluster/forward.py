"""A process that does not run the queues forwards what needs them to the one that does.

Forwarded (when this process is not the owner): the PBX API, every write under
/response-groups (settings, closing, agent logins, deleting) and /schedules
(the engine keeps the opening hours), and the reads that show
live queue state (the group list with its figures, /live, call history and
service level, which include calls in progress). Served here: sign-in, /me,
a group's settings, and the event stream — events reach every process through
the database (backend/events.py), so consoles can stay connected to any one.

The request goes on unchanged (headers, body, Idempotency-Key); the owner
answers it. While nobody owns the queues (a takeover in progress) the answer
is 503 `owner_unavailable` with Retry-After: 1.
"""
from __future__ import annotations

import json
import logging
import re
import time

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

_LIVE_READ = re.compile(r"^/api/v1/response-groups(/\d+/(live|calls|service-level))?/?$")
_HOP = {b"host", b"content-length", b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"content-encoding"}
#: How long the owner's address is trusted before it is looked up again.
OWNER_TTL_S = 2.0


def needs_owner(method: str, path: str) -> bool:
    if path.startswith("/api/v1/pbx/"):
        return True
    if path.startswith("/api/v1/response-groups"):
        return method != "GET" or bool(_LIVE_READ.match(path))
    if path.startswith("/api/v1/schedules"):  # the owner's engine keeps the opening hours
        return method != "GET"
    return False


class ForwardToOwner:
    def __init__(self, app: ASGIApp, cluster) -> None:  # noqa: ANN001 - backend.cluster.node.Cluster
        self.app = app
        self.cluster = cluster
        self._client: httpx.AsyncClient | None = None
        self._owner: tuple[str | None, float] = (None, 0.0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        node = self.cluster()
        if (
            scope["type"] != "http"
            or node is None
            or node.ownership.is_owner
            or not needs_owner(scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        forwarded = any(k == b"x-forwarded-by" for k, _ in scope["headers"])
        url = None if forwarded else await self._owner_url(node)
        if url is None or url == node.ownership.advertise_url:
            await _unavailable(send)
            return
        if self._client is None:
            # An https:// peer must present a certificate this host trusts (SSL_CERT_FILE).
            self._client = httpx.AsyncClient(timeout=30)
        target = url + scope["path"] + (("?" + scope["query_string"].decode()) if scope["query_string"] else "")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"] if k not in _HOP]
        headers.append(("X-Forwarded-By", node.ownership.advertise_url))
        try:
            response = await self._client.request(scope["method"], target, headers=headers, content=body)
        except httpx.HTTPError as exc:
            log.warning("forwarding to the owner %s failed: %s", url, exc)
            self._owner = (None, 0.0)
            await _unavailable(send)
            return
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items() if k.encode() not in _HOP]
        out.append((b"content-length", str(len(response.content)).encode()))
        await send({"type": "http.response.start", "status": response.status_code, "headers": out})
        await send({"type": "http.response.body", "body": response.content})

    async def _owner_url(self, node) -> str | None:  # noqa: ANN001
        url, at = self._owner
        now = time.monotonic()
        if url is None or now - at > OWNER_TTL_S:
            url = await node.ownership.owner_url()
            self._owner = (url, now)
        return url


async def _unavailable(send: Send) -> None:
    body = json.dumps(
        {
            "code": "owner_unavailable",
            "message": "The process that runs the queues is changing over; retry in a moment.",
            "errors": [],
            "current": None,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
