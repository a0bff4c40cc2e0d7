"""Many event-stream clients at little cost: raw asyncio protocols, chunked SSE.

httpx-sse costs a few hundred microseconds per event per client; with 1,000
clients that is the client, not the server, being measured. Each client here
is one asyncio protocol (no task, no future per read) that parses the chunked
body and the SSE fields it needs (id, event, and `at` from the data) and
records (id, kind, receipt time − the event's `at`).
"""
from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    ids: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    delays_ms: list[float] = field(default_factory=list)  # receipt time − the event's `at` (same clock)
    status: int = 0
    error: str | None = None


#: The event's publish time: the first "at" of its data (group events put it
#: right after group_id; the ceiling's tick has only it).
_AT = re.compile(rb'"at":\s*(-?[0-9.]+)')


def _events(buffer: bytearray) -> tuple[list[dict[str, bytes]], bytearray]:
    text = bytes(buffer).replace(b"\r\n", b"\n")
    *blocks, rest = text.split(b"\n\n")
    events = []
    for block in blocks:
        fields: dict[str, bytes] = {}
        for line in block.split(b"\n"):
            name, _, value = line.partition(b":")
            if name:
                fields[name.decode()] = value[1:] if value.startswith(b" ") else value
        if fields:
            events.append(fields)
    return events, bytearray(rest)


class _Follower(asyncio.Protocol):
    def __init__(self, request: bytes, out: Received, timing_kinds: frozenset[str], connected: asyncio.Event | None, done: asyncio.Future) -> None:
        self.request = request
        self.out = out
        self.timing = {k.encode() for k in timing_kinds}
        self.connected = connected
        self.done = done
        self.raw = bytearray()  # bytes as they came (chunked framing)
        self.body = bytearray()  # the SSE text not yet parsed
        self.head_done = False
        self.chunked = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.raw += data
        if not self.head_done:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.raw[:end])
            del self.raw[: end + 4]
            self.head_done = True
            self.out.status = int(head[9:12])
            self.chunked = b"transfer-encoding: chunked" in head.lower()
            if self.connected is not None:
                self.connected.set()
            if self.out.status != 200:
                self.out.error = head.decode("latin-1")
                self.transport.close()
                return
        if self.chunked:
            while True:
                line_end = self.raw.find(b"\r\n")
                if line_end < 0:
                    break
                size = int(bytes(self.raw[:line_end]).split(b";")[0], 16)
                if size == 0:
                    self.transport.close()
                    return
                if len(self.raw) < line_end + 2 + size + 2:
                    break
                self.body += self.raw[line_end + 2 : line_end + 2 + size]
                del self.raw[: line_end + 2 + size + 2]
        else:
            self.body += self.raw
            self.raw.clear()
        events, self.body = _events(self.body)
        for event in events:
            if "id" not in event:
                continue  # pings carry no id
            self.out.ids.append(int(event["id"]))
            kind = event.get("event", b"message")
            self.out.kinds.append(kind.decode())
            if kind in self.timing:
                found = _AT.search(event.get("data", b""))
                if found:
                    self.out.delays_ms.append((now - float(found.group(1))) * 1000)

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and self.out.error is None:
            self.out.error = repr(exc)
        if not self.done.done():
            self.done.set_result(None)


async def stream(host: str, port: int, token: str, out: Received, *, stop: asyncio.Event, connected: asyncio.Event | None = None, timing_kinds: frozenset[str] = frozenset(), path: str = "/api/v1/events") -> None:
    """Follow the event stream at `path` until `stop` is set, appending to `out`."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    ).encode()  # fmt: skip
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    try:
        transport, _ = await loop.create_connection(lambda: _Follower(request, out, timing_kinds, connected, done), host, port)
    except OSError as exc:
        out.error = repr(exc)
        if connected is not None:
            connected.set()
        return
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({done, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    transport.close()
