"""GET /events: the live stream (server-sent events), resumable with Last-Event-ID.

An ordinary request is answered by `FastEventStreams` (api/streaming.py)
before it reaches this route; this route answers the rest — the errors, and
anything the fast path does not parse itself — with the same stream.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from sse_starlette.sse import EventSourceResponse
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from backend.api.deps import PrincipalDep, StateDep
from backend.api.streaming import stream
from backend.errors import ApiException
from backend.schemas.common import ApiError
from backend.services.auth import Principal
from backend.state import AppState

router = APIRouter(tags=["events"])


class EventStream(Response):
    media_type = "text/event-stream"

    def __init__(self, state: AppState, principal: Principal, resume: int | None) -> None:
        super().__init__()
        self.stream = (state, principal, resume)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await stream(*self.stream, receive, send)


@router.get(
    "/events",
    response_class=EventSourceResponse,  # for the OpenAPI document: text/event-stream
    responses={200: {"content": {"text/event-stream": {}}}, 401: {"model": ApiError}},
)
async def events(
    state: StateDep,
    principal: PrincipalDep,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[int | None, Query(ge=0, description="Same as Last-Event-ID, for clients that cannot set headers.")] = None,
) -> EventStream:
    """Every change the caller may see: `group.updated`, `group.stats`, `call.*`, `agent.state`.

    Each event has an id; reconnect with `Last-Event-ID` to get what you missed.
    An event of kind `resync` means that cannot be done: reload the snapshots.
    A `ping` event (its data: the server's time) comes every few seconds.
    """
    resume: int | None = after
    if last_event_id is not None:
        try:
            resume = int(last_event_id)
        except ValueError as exc:
            raise ApiException(400, "bad_last_event_id", "Last-Event-ID must be an event id (a number).") from exc
        if resume < 0:
            raise ApiException(400, "bad_last_event_id", "Last-Event-ID must not be negative.")
    return EventStream(state, principal, resume)
