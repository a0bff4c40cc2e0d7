"""The overview's first figures, asked for while the console is still loading.

A console start is mostly imports (Textual, pydantic) on one core while the
backend, on another, has nothing to do. So as soon as the server and the
token are known, `Prefetch` sends `GET /me` and `GET /response-groups` from
two threads with the standard library's http.client, and the answers are
usually in when the App mounts; the first frame needs no httpx (the API
client loads it after that frame). Anything but two 200s is thrown away: the
App then asks through the ordinary client, which handles every error as
always (a refused token asks the user to sign in).
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ssl

    from backend.schemas import GroupSummary, Me
    from tui.client import ClockSync

API = "/api/v1"
PATHS = ("/me", "/response-groups")
TIMEOUT_S = 5.0


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    sent: float  # local wall-clock time, for the clock offset
    received: float


def https_context(verify: bool | ssl.SSLContext) -> ssl.SSLContext:
    """The context an https server is checked with: the API client's own."""
    import ssl

    if isinstance(verify, ssl.SSLContext):
        return verify
    from tui.client import load_httpx

    return load_httpx().create_ssl_context(verify=verify)


class Prefetch:
    def __init__(self, base_url: str, token: str, verify: bool | ssl.SSLContext = True, *, user_agent: str = "vaxel-console") -> None:
        self.base_url = base_url.rstrip("/")
        self.answers: dict[str, Answer | BaseException] = {}
        self._lock = threading.Lock()
        self._wakers: list[Callable[[], None]] = []
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "User-Agent": user_agent}
        self._verify = verify
        for path in PATHS:
            threading.Thread(target=self._fetch, args=(path,), name=f"vaxel-prefetch{path}", daemon=True).start()

    @property
    def done(self) -> bool:
        return len(self.answers) == len(PATHS)

    def _fetch(self, path: str) -> None:
        try:
            answer: Answer | BaseException = self._get(path)
        except BaseException as exc:  # noqa: BLE001 - reported to whoever takes the answers
            answer = exc
        with self._lock:
            self.answers[path] = answer
            wakers = list(self._wakers) if self.done else []
        for wake in wakers:
            wake()

    def _get(self, path: str) -> Answer:
        import http.client

        url = urlsplit(self.base_url)
        if url.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                url.hostname or "", url.port, timeout=TIMEOUT_S, context=https_context(self._verify)
            )
        else:
            connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=TIMEOUT_S)
        try:
            sent = time.time()
            connection.request("GET", url.path + API + path, headers=self._headers)
            response = connection.getresponse()
            body = response.read()
            received = time.time()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return Answer(response.status, headers, body, sent, received)
        finally:
            connection.close()

    async def wait(self, timeout: float = TIMEOUT_S + 1) -> None:
        """Until both answers are in (or `timeout`), without blocking the event loop."""
        loop = asyncio.get_running_loop()
        arrived = asyncio.Event()
        with self._lock:
            if self.done:
                return
            self._wakers.append(lambda: loop.call_soon_threadsafe(arrived.set))
        try:
            await asyncio.wait_for(arrived.wait(), timeout)
        except TimeoutError:
            pass

    def figures(self, clock: ClockSync) -> tuple[Me, list[GroupSummary], int] | None:
        """Who we are, every visible group and the event id they are as of; None
        unless both answers are in and good (the caller then asks again)."""
        if not self.done:
            return None
        me_answer, groups_answer = self.answers["/me"], self.answers["/response-groups"]
        if not isinstance(me_answer, Answer) or not isinstance(groups_answer, Answer):
            return None
        if me_answer.status != 200 or groups_answer.status != 200:
            return None
        from backend.schemas import GroupSummary, Me

        try:
            me = Me.model_validate(json.loads(me_answer.body))
            summaries = [GroupSummary.model_validate(item) for item in json.loads(groups_answer.body)]
            as_of = int(groups_answer.headers.get("x-last-event-id", "0"))
        except ValueError:  # not what the API sends (pydantic's ValidationError is one)
            return None
        for answer in (me_answer, groups_answer):
            server_time = answer.headers.get("x-server-time")
            if server_time:
                try:
                    clock.observe(float(server_time), answer.sent, answer.received)
                except ValueError:
                    pass
        return me, summaries, as_of
