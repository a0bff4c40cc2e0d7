"""A loopback TCP proxy a test can cut, silence or point elsewhere.

It stands between the console and the real test backend, to make the network
fail the ways it does: connections dropped and refused for a while (`cut`),
a link that stays open but carries nothing (`silence`), requests that reach
the server whose answers are lost (`lose_answers`: the backend died after
doing the work), a slow link that trickles bytes (`slow`), or a different
server behind the same address (`set_upstream`). It records the start of every request
it carries, so a test can see the headers the console sent (Last-Event-ID).
"""
from __future__ import annotations

import asyncio
import threading
import time


class CuttableProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.requests: list[bytes] = []
        self._mode = "open"  # "open" | "cut" | "silent" | "lose"
        self._slow: tuple[int, float] | None = None  # (bytes per piece, seconds between)
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._resume = asyncio.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-proxy", daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ control (test thread)

    def start(self) -> CuttableProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop_all)
        self._thread.join(timeout=5)

    def cut(self) -> None:
        """Drop every connection now and refuse new ones until `restore()`."""
        self._call(self._cut)

    def silence(self) -> None:
        """Keep connections open but pass nothing from the server until `restore()`."""
        self._call(self._set_mode, "silent")

    def lose_answers(self) -> None:
        """Pass requests to the server, then drop the connection instead of its answer."""
        self._call(self._set_mode, "lose")

    def slow(self, piece: int = 7, pause: float = 0.01) -> None:
        """Pass what the server sends in small pieces with pauses (a slow proxy)."""
        self._slow = (piece, pause)

    def restore(self) -> None:
        self._slow = None
        self._call(self._set_mode, "open")

    def request_heads(self, method: str, path_prefix: str) -> list[str]:
        heads = [r.decode("latin-1") for r in self.requests]
        return [h for h in heads if h.startswith(f"{method} {path_prefix}")]

    def set_upstream(self, port: int) -> None:
        self.upstream_port = port

    def stream_requests(self) -> list[str]:
        """The head of every request for the event stream, oldest first."""
        heads = [r.decode("latin-1") for r in self.requests]
        return [h for h in heads if h.startswith("GET /api/v1/events")]

    def _call(self, fn, *args) -> None:  # noqa: ANN001
        done = threading.Event()

        def run() -> None:
            fn(*args)
            done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(5)

    # ------------------------------------------------------------------ the proxy (its own loop)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._resume.set()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        async with self._server:
            try:
                await self._server.serve_forever()
            except asyncio.CancelledError:
                pass

    def _stop_all(self) -> None:
        self._cut()
        self._server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()

    def _set_mode(self, mode: str) -> None:
        self._mode = mode
        if mode == "silent":
            self._resume.clear()
        else:
            self._resume.set()

    def _cut(self) -> None:
        self._set_mode("cut")
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._mode == "cut":
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, upstream_writer))
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, record=True),
            self._pipe(upstream_reader, client_writer, record=False),
            return_exceptions=True,
        )
        for writer in (client_writer, upstream_writer):
            self._writers.discard(writer)
            writer.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, record: bool) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                writer.transport.abort()
                return
            if record and data[:4] in (b"GET ", b"POST", b"PATC", b"PUT ", b"DELE"):
                self.requests.append(data.split(b"\r\n\r\n", 1)[0])
            if not record:
                await self._resume.wait()  # silent: hold what the server sends
                if self._mode == "lose":
                    writer.transport.abort()  # the answer never arrives
                    return
                if self._slow is not None:
                    piece, pause = self._slow
                    for start in range(0, len(data), piece):
                        writer.write(data[start : start + piece])
                        await writer.drain()
                        await asyncio.sleep(pause)
                    continue
            writer.write(data)
            await writer.drain()


def wait_for(condition, timeout: float = 10.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)
