"""The live stream, as the console consumes it: reconnects, resumes, never gaps.

`EventStream` yields `Connected`, `StreamEvent` and `Disconnected` items forever
(until cancelled). After a drop it reconnects with jittered exponential backoff
and `Last-Event-ID`; the server replays what was missed, or sends `resync`
when it cannot, and then the consumer reloads its snapshots.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tui.backoff import Backoff
from tui.client import ApiError, Unreachable, VaxelClient, load_httpx

#: The server pings every 5 s; this long without a byte means the link is dead.
READ_TIMEOUT_S = 15.0


@dataclass
class StreamEvent:
    id: int
    kind: str
    data: dict[str, Any]
    raw: str = ""  # the data as it came (JSON): what the store keeps for replay


@dataclass
class Connected:
    resumed: bool  # True: picked up after the last event seen; False: from now


@dataclass
class Disconnected:
    reason: str
    retry_in: float
    auth_failed: bool = False


StreamItem = StreamEvent | Connected | Disconnected


class EventStream:
    def __init__(self, client: VaxelClient, *, backoff: Backoff | None = None, read_timeout: float = READ_TIMEOUT_S) -> None:
        self.client = client
        self.backoff = backoff or Backoff()
        self.read_timeout = read_timeout
        self.last_event_id: int | None = None
        self.last_seen = 0.0  # monotonic time of the last byte (event or ping)

    async def __aiter__(self) -> AsyncIterator[StreamItem]:
        load_httpx()  # httpx_sse imports httpx: the console's way, and not before the first frame
        from httpx_sse import EventSource

        while True:
            try:
                async with self.client.open_stream(self.last_event_id, self.read_timeout) as response:
                    self.last_seen = time.monotonic()
                    yield Connected(resumed=self.last_event_id is not None)
                    async for sse in EventSource(response).aiter_sse():
                        self.last_seen = time.monotonic()
                        if sse.event == "ping":
                            self._observe_ping(sse.data)
                            continue
                        self.backoff.reset()
                        try:
                            data = json.loads(sse.data) if sse.data else {}
                            event_id = int(sse.id)
                        except ValueError:
                            continue  # not ours; never let one bad line end the stream
                        self.last_event_id = event_id
                        yield StreamEvent(event_id, sse.event, data, sse.data)
                reason = "the server closed the stream"
            except ApiError as exc:
                if exc.status == 401:
                    yield Disconnected(exc.message, 0.0, auth_failed=True)
                    return
                reason = exc.message
            except Unreachable as exc:
                reason = str(exc)
            except (OSError, ValueError) as exc:
                reason = str(exc) or type(exc).__name__
            delay = self.backoff.next_delay()
            yield Disconnected(reason, delay)
            await asyncio.sleep(delay)

    def _observe_ping(self, data: str) -> None:
        try:
            server_time = float(data)
        except ValueError:
            return
        now = self.client.clock.local_time()
        # Pings are pushed, so the one-way delay is unknown; on loopback or a LAN
        # it is well under the second that wait times are shown in.
        self.client.clock.observe(server_time, now, now)
