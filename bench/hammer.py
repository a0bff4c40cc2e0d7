"""A closed-loop HTTP/1.1 load generator that costs the client as little as possible.

Why not httpx: on this machine one httpx client makes a few thousand requests
a second and spends more CPU per request than the server it measures, so it
would measure itself. Here each connection is a raw asyncio protocol on uvloop
that writes a prepared request and parses only the status line and
Content-Length of the answer; connections are kept alive. The work is split
over several client processes so one Python process is not the ceiling
either. Each connection sends its next request when the previous answer has
arrived (closed loop: 32 connections = 32 concurrent clients).

`python -m bench.hammer URL PATH SECONDS CONNECTIONS [HEADER ...]` prints one
JSON line: requests, seconds, latencies in microseconds (sorted sample).
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import sys
import time
from urllib.parse import urlsplit


class _Conn(asyncio.Protocol):
    def __init__(self, request: bytes, done: asyncio.Future, deadline: float, latencies: list[int], statuses: dict[int, int]) -> None:
        self.request = request
        self.done = done
        self.deadline = deadline
        self.latencies = latencies
        self.statuses = statuses
        self.buffer = b""
        self.sent_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._send()

    def _send(self) -> None:
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                    break
            if len(self.buffer) < end + 4 + length:
                return
            status = int(head[9:12])
            self.buffer = self.buffer[end + 4 + length :]
            now = time.perf_counter()
            self.latencies.append(int((now - self.sent_at) * 1e6))
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if now >= self.deadline:
                self.transport.close()  # type: ignore[attr-defined]
                if not self.done.done():
                    self.done.set_result(None)
                return
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def _run(url: str, path: str, seconds: float, connections: int, headers: list[str], warmup: float) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *headers]
    request = ("\r\n".join(head) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    if warmup:
        await _burst(loop, host, port, request, connections, warmup)
    latencies: list[int] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    await _burst(loop, host, port, request, connections, seconds, latencies, statuses)
    elapsed = time.perf_counter() - start
    return {"requests": len(latencies), "seconds": elapsed, "latencies_us": latencies, "statuses": statuses}


async def _burst(loop, host, port, request, connections, seconds, latencies=None, statuses=None) -> None:  # noqa: ANN001
    latencies = [] if latencies is None else latencies
    statuses = {} if statuses is None else statuses
    deadline = time.perf_counter() + seconds
    futures = []
    for _ in range(connections):
        done = loop.create_future()
        await loop.create_connection(lambda d=done: _Conn(request, d, deadline, latencies, statuses), host, port)
        futures.append(done)
    await asyncio.gather(*futures)


def _worker(args: tuple) -> dict:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_run(*args))


def hammer(url: str, path: str, *, seconds: float, connections: int = 32, processes: int = 2, headers: list[str] = (), warmup: float = 1.0) -> dict:
    """Run `connections` closed-loop clients over `processes` processes; merged figures."""
    per = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_worker, [(url, path, seconds, n, list(headers), warmup) for n in per if n])
    latencies = sorted(x for r in results for x in r["latencies_us"])
    statuses: dict[str, int] = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[str(k)] = statuses.get(str(k), 0) + v
    total = len(latencies)
    elapsed = max(r["seconds"] for r in results)

    def pct(q: float) -> float:
        return latencies[min(total - 1, int(q * total))] / 1000 if total else float("nan")

    return {
        "requests": total,
        "rps": total / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] / 1000 if total else float("nan"),
        "statuses": statuses,
        "connections": connections,
        "client_processes": processes,
    }


if __name__ == "__main__":
    url, path, secs, conns, *hdrs = sys.argv[1:]
    print(json.dumps(hammer(url, path, seconds=float(secs), connections=int(conns), headers=hdrs)))
