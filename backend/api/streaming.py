"""The event stream's delivery: one loop per connection, and a raw ASGI route.

`GET /api/v1/events` is answered here before the app's middleware and
FastAPI's routing (`FastEventStreams`) whenever the request is ordinary: a
bearer token that names a principal, and `Last-Event-ID` / `after` as plain
numbers. Anything else goes on to the route in api/events.py, which answers
the errors (401, 400, 422) and otherwise streams with the same `stream()`.

Per connection there is one task and no per-event queue: the bus appends to
the subscription's list and wakes the task; the task takes everything that
came and writes it in one send. A save's burst (its `group.stats` and
`group.updated`) thus costs each subscriber one wake-up and one write
(bench/load.md). Pings and the client's disconnect wake the same task.
"""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from urllib.parse import parse_qsl

from sse_starlette.sse import AppStatus
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.api.deps import principal_for
from backend.api.fast_reads import bearer_request
from backend.events import Event, Subscription
from backend.services.auth import Principal
from backend.state import AppState

#: A ping (a named event, not a comment, so clients see it) this often: it
#: proves the stream is alive and carries the server's time for clock offsets.
PING_S = 5
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
]
#: Each loop's open streams, ended when the server is told to exit (sse-starlette's signal hook).
_open: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[Subscription]] = weakref.WeakKeyDictionary()


def accepts_for(principal: Principal) -> Callable[[Event], bool]:
    """Which events the caller may see: those of the groups it may see."""
    if principal.sees_all_groups():
        return lambda _event: True
    visible = principal.supervises | principal.serves
    return lambda event: bool(event.groups & visible)


async def stream(state: AppState, principal: Principal, resume: int | None, receive: Receive, send: Send) -> None:
    """Send the caller's events after `resume` (or from now) until it disconnects."""
    bus = state.bus
    sub = bus.open(principal.org_id, accepts_for(principal))
    loop = asyncio.get_running_loop()
    streams = _streams_of(loop)
    streams.add(sub)
    ping_due = False
    timer: asyncio.TimerHandle | None = None

    def ping() -> None:
        nonlocal ping_due, timer
        ping_due = True
        sub.wake()
        timer = loop.call_later(PING_S, ping)

    listener = loop.create_task(_until_disconnect(receive, sub))
    try:
        if AppStatus.should_exit:
            sub.close()
        missed, sent = await bus.replay(sub, resume)
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        if missed:
            await _body(send, b"".join(e.sse for e in missed))
        timer = loop.call_later(PING_S, ping)
        while True:
            if not ping_due:  # a ping that fell due during a send goes now
                await sub.wait()
            if sub.closed or sub.overflowed:
                # Cut off (too far behind) or shutting down: the client resumes.
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            chunks = []
            for event in sub.take():
                if event.id > sent:  # a resumed stream may get an event twice
                    sent = event.id
                    chunks.append(event.sse)
            if ping_due:
                ping_due = False
                chunks.append(b"event: ping\r\ndata: %.3f\r\n\r\n" % state.clock.now())
            if chunks:
                await _body(send, chunks[0] if len(chunks) == 1 else b"".join(chunks))
    finally:
        if timer is not None:
            timer.cancel()
        listener.cancel()
        bus.close(sub)
        streams.discard(sub)


async def _body(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _until_disconnect(receive: Receive, sub: Subscription) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    sub.close()


def _streams_of(loop: asyncio.AbstractEventLoop) -> set[Subscription]:
    """The loop's open streams, watched for the server's exit: without that, uvicorn
    waits out its graceful-shutdown timeout for them (sse-starlette did the same)."""
    streams = _open.get(loop)
    if streams is None:
        streams = _open[loop] = set()
        loop.create_task(_exit_watcher(loop, streams))
    return streams


async def _exit_watcher(loop: asyncio.AbstractEventLoop, streams: set[Subscription]) -> None:
    while streams:
        if AppStatus.should_exit:
            for sub in list(streams):
                sub.close()
        await asyncio.sleep(0.5)
    if _open.get(loop) is streams:
        del _open[loop]


class FastEventStreams:
    """`GET {prefix}/events` served before the rest of the app (see the module doc)."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.path = f"{prefix}/events"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path and scope["method"] == "GET":
            found = await _ordinary(scope)
            if found is not None:
                await stream(*found, receive, send)
                return
        await self.app(scope, receive, send)


async def _ordinary(scope: Scope) -> tuple[AppState, Principal, int | None] | None:
    """The state, caller and resume point of an ordinary request; else None."""
    found = bearer_request(scope, b"last-event-id")
    if found is None:
        return None
    state, token, last_event_id = found
    resume = None
    query = scope.get("query_string", b"")
    if query:
        after = [v for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if k == "after"]
        if len(after) > 1 or (after and not _plain_number(after[0])):
            return None
        resume = int(after[0]) if after else None
    if last_event_id is not None:
        text = last_event_id.decode("latin-1").strip()
        if not _plain_number(text):
            return None
        resume = int(text)
    principal = await principal_for(state, token) if token else None
    return None if principal is None else (state, principal, resume)


def _plain_number(text: str) -> bool:
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit()

