"""The API client: one httpx.AsyncClient, typed results, errors as exceptions.

Widgets never call this; screens start workers that do (see STYLE.md).

Every answer is checked at the edge, before anything reads it
(tui/answers.py): a success must be JSON of the shape the API documents, or
the client raises `NotVaxelServer`.
"""
from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend import schemas
from backend.schemas import GroupLive, GroupSummary, Me
from backend.schemas.live import AgentLive
from tui.answers import WRITES, Answers, ApiError, NotVaxelServer, Unreachable, error_from
from tui.backoff import Backoff
from tui.catalog import Organisation
from tui.i18n import t
from tui.tls import TlsConfigError, tls_verification  # noqa: F401 - where callers have found them

if TYPE_CHECKING:
    import ssl

    import httpx

    from backend.schemas import ResponseGroup

API = "/api/v1"
USER_AGENT = "vaxel-console"


def load_httpx():  # noqa: ANN201 - the httpx module
    """httpx, imported when the first request is made, not at start.

    httpx with httpcore and anyio is ~100 ms of imports that the overview's
    first frame does not need (tui/prefetch.py fetches its figures). And httpx
    imports its command-line client (click, rich's progress bars, pygments)
    whenever click is installed, as it is beside uvicorn: with that module
    marked absent httpx takes its own fallback (a `main` saying the CLI is not
    installed).
    """
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import httpx

    return httpx


#: A write whose answer was lost is sent again, with the same Idempotency-Key,
#: for about this long (jittered backoff), so a backend restarting mid-save
#: applies it once and the console learns the outcome.
WRITE_RETRY_S = 8.0


@dataclass
class Versioned:
    group: ResponseGroup
    etag: str


@dataclass
class VersionedDoc:
    """A document the console edits as plain JSON (a schedule), with its ETag."""

    doc: dict[str, Any]
    etag: str


@dataclass
class ClockSync:
    """Server time minus local time, from the freshest measurements.

    Wait times tick locally from server timestamps, corrected by this offset,
    so a quiet queue needs no traffic and a skewed local clock shows no error.
    """

    offset: float = 0.0
    measured: bool = False
    samples: list[float] = field(default_factory=list)
    local_time: Callable[[], float] = time.time

    def observe(self, server_time: float, sent: float, received: float) -> None:
        # The server stamped its time somewhere between send and receive.
        self.samples.append(server_time - (sent + received) / 2)
        self.samples = self.samples[-5:]
        self.offset = sorted(self.samples)[len(self.samples) // 2]
        self.measured = True

    def server_now(self) -> float:
        return self.local_time() + self.offset


class VaxelClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        verify: bool | ssl.SSLContext = True,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        #: Checks every answer before it is read (tui/answers.py).
        self.answers = Answers(self.base_url)
        self.token = token
        self.clock = ClockSync()
        self.write_retry_s = WRITE_RETRY_S
        #: Called when the server says the token is no good (401), so the
        #: console can ask the user to sign in again wherever that happened.
        self.on_unauthorized: Callable[[], None] | None = None
        self.verify = verify
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            httpx = load_httpx()
            verify = self.verify
            if verify is True and self.base_url.startswith("http://"):
                # A plain-HTTP server needs no CA bundle, and loading the system's
                # costs ~50 ms. A context that trusts nothing keeps any https use
                # (there is none: redirects are not followed) failing closed.
                import ssl

                verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=httpx.Timeout(self._timeout, connect=5.0),
                verify=verify,
                transport=self._transport,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # ------------------------------------------------------------------ plumbing

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def request(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        if method in WRITES and path != "/auth/token":
            headers = {"Idempotency-Key": uuid.uuid4().hex, **(headers or {})}
            response = await self._send_write(method, path, json, headers)
        else:
            response = await self._send(method, path, json, headers)
        if response.status_code >= 400:
            if response.status_code == 401 and path != "/auth/token" and self.on_unauthorized is not None:
                self.on_unauthorized()
            raise error_from(response)
        if response.status_code >= 300:  # the API never redirects; a portal or a proxy in the way does
            location = response.headers.get("location", "?")
            raise self.answers.not_vaxel(response, t("answer.redirect", status=response.status_code, location=location))
        return response

    async def _send_write(self, method: str, path: str, json: Any, headers: dict[str, str]) -> httpx.Response:
        """Send a write; if its answer is lost, send it again with the same key
        (the server applies it once) until WRITE_RETRY_S has passed."""
        backoff = Backoff(base=0.25, cap=2.0)
        deadline: float | None = None  # counted from the first failure
        maybe_applied = False
        while True:
            try:
                return await self._send(method, path, json, headers)
            except Unreachable as exc:
                maybe_applied = maybe_applied or exc.maybe_applied
                if deadline is None:
                    deadline = time.monotonic() + self.write_retry_s
                delay = backoff.next_delay()
                if time.monotonic() + delay > deadline or "certificate" in str(exc):
                    raise Unreachable(str(exc), maybe_applied=maybe_applied) from exc
                await asyncio.sleep(delay)

    async def _send(self, method: str, path: str, json: Any, headers: dict[str, str] | None) -> httpx.Response:
        sent = self.clock.local_time()
        http = self._http
        httpx = load_httpx()
        try:
            response = await http.request(method, API + path, json=json, headers=self._headers(headers))
        except httpx.HTTPError as exc:
            # Only a failed connect means the request surely never left.
            raise Unreachable(
                describe_transport_error(exc), maybe_applied=not isinstance(exc, httpx.ConnectError)
            ) from exc
        server_time = response.headers.get("x-server-time")
        if server_time:
            try:
                self.clock.observe(float(server_time), sent, self.clock.local_time())
            except ValueError:
                pass
        return response

    # ------------------------------------------------------------------ auth

    async def login(self, username: str, password: str) -> str:
        response = await self.request("POST", "/auth/token", json={"username": username, "password": password})
        self.token = self.answers.parsed(response, schemas.TokenResponse).access_token
        return self.token

    async def logout(self) -> None:
        await self.request("POST", "/auth/logout")
        self.token = None

    async def me(self) -> Me:
        return self.answers.parsed(await self.request("GET", "/me"), Me)

    # ------------------------------------------------------------------ groups

    async def group_summaries(self) -> tuple[list[GroupSummary], int]:
        """Every visible group with live figures, and the event id they are as of."""
        response = await self.request("GET", "/response-groups")
        return self.answers.parsed_list(response, GroupSummary), self.answers.event_id(response)

    async def group(self, group_id: int) -> Versioned:
        response = await self.request("GET", f"/response-groups/{group_id}")
        return self.versioned(response)

    async def patch_group(self, group_id: int, etag: str, changes: dict[str, Any]) -> Versioned:
        response = await self.request(
            "PATCH", f"/response-groups/{group_id}", json=changes, headers={"If-Match": etag}
        )
        return self.versioned(response)

    async def set_temporarily_closed(self, group_id: int, closed: bool) -> Versioned:
        action = "close" if closed else "reopen"
        response = await self.request("POST", f"/response-groups/{group_id}/{action}")
        return self.versioned(response)

    async def organisation(self) -> dict[str, Any]:
        """The catalogs the console picks from: numbers, billing IDs, agent groups, users…"""
        from backend.schemas.organisation import OrganisationOut

        return self.answers.checked(await self.request("GET", "/organisation"), OrganisationOut)

    async def group_live(self, group_id: int) -> GroupLive:
        sent = self.clock.local_time()
        live = self.answers.parsed(await self.request("GET", f"/response-groups/{group_id}/live"), GroupLive)
        self.clock.observe(live.server_time.timestamp(), sent, self.clock.local_time())
        return live

    async def organisation_catalogs(self) -> Organisation:
        """GET /organisation as the group settings pick from it (numbers with their
        owners, agent groups, users, knowledge sources, audio files, schedules)."""
        return Organisation.from_json(await self.organisation())

    async def set_agent_login(self, group_id: int, agent_id: int, logged_in: bool) -> AgentLive:
        action = "login" if logged_in else "logout"
        response = await self.request("POST", f"/response-groups/{group_id}/agents/{agent_id}/{action}")
        return self.answers.parsed(response, AgentLive)

    # ------------------------------------------------------------------ stream

    @asynccontextmanager
    async def open_stream(self, last_event_id: int | None, read_timeout: float) -> AsyncIterator[httpx.Response]:
        headers = self._headers({"Accept": "text/event-stream", "Cache-Control": "no-store"})
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        http = self._http
        httpx = load_httpx()
        timeout = httpx.Timeout(10.0, read=read_timeout)
        try:
            async with http.stream("GET", API + "/events", headers=headers, timeout=timeout) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_from(response)
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if response.status_code != 200 or kind != "text/event-stream":
                    raise self.answers.not_vaxel(response, t("answer.not_stream", status=response.status_code, type=kind or "–"))
                yield response
        except httpx.HTTPError as exc:
            raise Unreachable(describe_transport_error(exc)) from exc


    # ------------------------------------------------------------------ issue 3: catalogs, schedules, delete, history
    # Plain dicts as the API returns them (see the issue-3 contract); the
    # screens read only the fields named there.

    async def schedules(self) -> list[dict[str, Any]]:
        from backend.schemas.schedules import Schedule

        return self.answers.checked(await self.request("GET", "/schedules"), Schedule, many=True)

    async def schedule(self, schedule_id: int) -> VersionedDoc:
        response = await self.request("GET", f"/schedules/{schedule_id}")
        return self.versioned_schedule(response)

    async def create_schedule(self, body: dict[str, Any]) -> VersionedDoc:
        response = await self.request("POST", "/schedules", json=body)
        return self.versioned_schedule(response)

    async def put_schedule(self, schedule_id: int, etag: str, body: dict[str, Any]) -> VersionedDoc:
        response = await self.request("PUT", f"/schedules/{schedule_id}", json=body, headers={"If-Match": etag})
        return self.versioned_schedule(response)

    async def delete_schedule(self, schedule_id: int) -> None:
        await self.request("DELETE", f"/schedules/{schedule_id}")

    async def schedule_state(self, schedule_id: int) -> dict[str, Any]:
        """{"open": bool, "next_change_at": ISO time or None, "next_change_opens": bool}"""
        from backend.schemas.schedules import ScheduleState

        return self.answers.checked(await self.request("GET", f"/schedules/{schedule_id}/state"), ScheduleState)

    async def create_group(self, body: dict[str, Any]) -> Versioned:
        response = await self.request("POST", "/response-groups", json=body)
        return self.versioned(response)

    async def delete_group(self, group_id: int, etag: str, confirm_name: str) -> None:
        await self.request(
            "DELETE", f"/response-groups/{group_id}", json={"confirm_name": confirm_name}, headers={"If-Match": etag}
        )

    async def group_history(self, group_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first: {id, at, action, user: {…}, changes: [{path, before, after}]}."""
        from backend.schemas.organisation import HistoryEntry

        return self.answers.checked(
            await self.request("GET", f"/response-groups/{group_id}/history?limit={limit}"), HistoryEntry, many=True
        )

    def versioned(self, response: httpx.Response) -> Versioned:
        return Versioned(self.answers.parsed(response, schemas.ResponseGroup), self.answers.etag(response))

    def versioned_schedule(self, response: httpx.Response) -> VersionedDoc:
        from backend.schemas.schedules import Schedule

        return VersionedDoc(self.answers.checked(response, Schedule), self.answers.etag(response))

def describe_transport_error(exc: httpx.HTTPError) -> str:
    httpx = load_httpx()
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "the server's TLS certificate could not be verified"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {text}"
    if isinstance(exc, httpx.TimeoutException):
        return "the server did not answer in time"
    return text
