"""Event streams under load, on SQLite (issue 6). Method and figures: bench/load.md.

Part 1 — 200 stream clients beside a write load: one backend process
(bench/serve_app.py); 200 clients follow GET /api/v1/events (bench/sse_clients.py);
4 writers each save one group with If-Match as fast as the server answers,
for 20 s. Checked: every write answered 200, no "database is locked" in the
server's log, and every client received exactly the event ids in the events
table, in order, once.

Part 2 — fan-out to 1,000 stream clients: 1,000 clients (2 client processes)
follow the stream; a driver saves a group 5 times a second, 40 times; each
save's `group.updated` event carries the server time it was published, and
each client records receipt time − that time (same machine clock). The
ceiling, in the same run and server: the same 1,000 clients on a bare
fan-out route (bench/serve_app.py) with 40 publishes at the same rate.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.serve_app import start_server
from bench.sse_clients import Received, stream

RESULTS = Path(__file__).parent / "results"
STREAMS = int(os.environ.get("BENCH_STREAMS", "200"))
WRITE_SECONDS = float(os.environ.get("BENCH_WRITE_SECONDS", "20"))
FANOUT = int(os.environ.get("BENCH_FANOUT", "1000"))
#: Which parts to run ("1", "2" or "1,2"): part 2 alone for quick fan-out rounds.
PARTS = set(os.environ.get("BENCH_PARTS", "1,2").split(","))
PUBLISHES = 40
RATE_HZ = 5


def token_for(url: str) -> str:
    return httpx.post(f"{url}/api/v1/auth/token", json={"username": "admin", "password": "admin"}).json()["access_token"]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def _follow(url: str, token: str, n: int, path_ok: str, ready, stop_flag, timing: frozenset[str]) -> list[Received]:  # noqa: ANN001
    parts = urlsplit(url)
    stop = asyncio.Event()
    received = [Received() for _ in range(n)]
    connected = [asyncio.Event() for _ in range(n)]
    tasks = []
    for r, c in zip(received, connected, strict=True):
        tasks.append(asyncio.create_task(stream(parts.hostname, parts.port, token, r, stop=stop, connected=c, timing_kinds=timing, path=path_ok)))
        await asyncio.sleep(0)  # connect gradually: the accept queue stays short
    await asyncio.gather(*(c.wait() for c in connected))
    ready.set()
    while not stop_flag.is_set():
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks)
    return received


def _client_process(args: tuple) -> list[dict]:
    url, token, n, path, ready, stop_flag, timing = args
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    received = asyncio.run(_follow(url, token, n, path, ready, stop_flag, frozenset(timing)))
    return [{"ids": r.ids, "delays_ms": r.delays_ms, "status": r.status, "error": r.error} for r in received]


def followers(url: str, token: str, total: int, processes: int, path: str, timing: tuple[str, ...], drive) -> tuple[list[dict], object]:  # noqa: ANN001
    """Start `total` stream clients over `processes` processes, run `drive()`, collect."""
    manager = multiprocessing.get_context("spawn").Manager()
    ready = [manager.Event() for _ in range(processes)]
    stop_flag = manager.Event()
    per = [total // processes + (1 if i < total % processes else 0) for i in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pending = pool.map_async(_client_process, [(url, token, n, path, ready[i], stop_flag, timing) for i, n in enumerate(per)])
        for event in ready:
            if not event.wait(120):
                raise RuntimeError("stream clients did not connect")
        time.sleep(1.0)
        figures = drive()
        time.sleep(2.0)  # the last events arrive
        stop_flag.set()
        clients = [c for chunk in pending.get(120) for c in chunk]
    manager.shutdown()
    return clients, figures


async def _writers(url: str, token: str, seconds: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def writer(group_id: int) -> None:
        async with httpx.AsyncClient(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            etag = (await client.get(f"/response-groups/{group_id}")).headers["etag"]
            end = time.perf_counter() + seconds
            i = 0
            while time.perf_counter() < end:
                i += 1
                started = time.perf_counter()
                response = await client.patch(f"/response-groups/{group_id}", json={"ai_info": f"last {i}"}, headers={"If-Match": etag})
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                etag = response.headers.get("etag", etag)

    started = time.perf_counter()
    await asyncio.gather(*(writer(g) for g in (1, 2, 3, 4)))
    elapsed = time.perf_counter() - started
    return {"writes": len(latencies), "writes_per_s": len(latencies) / elapsed, "write_p50_ms": pct(latencies, 0.5), "write_p99_ms": pct(latencies, 0.99), "statuses": statuses}


def part_one(url: str, directory: Path, db: Path) -> dict:
    token = token_for(url)
    with sqlite3.connect(db) as conn:
        start_id = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    clients, writes = followers(url, token, STREAMS, 1, "/api/v1/events", (), lambda: asyncio.run(_writers(url, token, WRITE_SECONDS)))
    with sqlite3.connect(db) as conn:
        expected = [r[0] for r in conn.execute("SELECT id FROM events WHERE id > ? ORDER BY id", (start_id,))]
    log = (directory / "server.log").read_text(errors="replace")
    complete = sum(1 for c in clients if c["ids"] == expected)
    return {
        "streams": STREAMS,
        **writes,
        "events": len(expected),
        "clients_with_every_event_in_order": complete,
        "client_errors": sum(1 for c in clients if c["error"] or c["status"] != 200),
        "locked_in_log": log.lower().count("database is locked"),
        "errors_in_log": log.count("ERROR") + log.count("Traceback"),
    }


def _publish(url: str, path: str, method: str, token: str | None, body: dict | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        etag = client.get("/api/v1/response-groups/1").headers.get("etag") if token else None
        for i in range(PUBLISHES):
            due = time.perf_counter() + 1 / RATE_HZ
            if body is None:
                client.request(method, path)
            else:
                r = client.request(method, path, json={"ai_info": f"fan-out {i}"}, headers={"If-Match": etag})
                etag = r.headers.get("etag", etag)
            time.sleep(max(0.0, due - time.perf_counter()))


def part_two(url: str) -> dict:
    token = token_for(url)
    result = {}
    for name, path, publish in (
        ("ceiling", "/bench/ceiling-stream", lambda: _publish(url, "/bench/ceiling-publish", "POST", None, None)),
        ("events", "/api/v1/events", lambda: _publish(url, "/api/v1/response-groups/1", "PATCH", token, {})),
    ):
        kind = "tick" if name == "ceiling" else "group.updated"
        clients, _ = followers(url, token, FANOUT, 2, path, (kind,), publish)
        delays = [d for c in clients for d in c["delays_ms"]]
        result[name] = {
            "clients": FANOUT,
            "deliveries": len(delays),
            "expected_deliveries": FANOUT * PUBLISHES,
            "p50_ms": pct(delays, 0.5),
            "p99_ms": pct(delays, 0.99),
            "max_ms": max(delays, default=float("nan")),
            "client_errors": sum(1 for c in clients if c["error"] or c["status"] != 200),
            # per publish, the slowest client: shows whether the tail is every event or a few
            "per_publish_max_ms": [round(max(c["delays_ms"][i] for c in clients if len(c["delays_ms"]) > i)) for i in range(PUBLISHES)],
        }
    return result


def main() -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        process, url = start_server(directory, "load")
        try:
            one = part_one(url, directory, directory / "load.db") if "1" in PARTS else None
            two = part_two(url) if "2" in PARTS else None
        finally:
            process.terminate()
            process.wait(10)
    summary = {"when": time.strftime("%Y-%m-%d %H:%M"), "load_before": load_before, "load_after": os.getloadavg()[0], "streams_with_writes": one, "fanout": two}
    RESULTS.mkdir(exist_ok=True)
    if PARTS == {"1", "2"}:
        (RESULTS / "load.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    if two and two["events"]["p99_ms"] and two["ceiling"]["p99_ms"]:
        e, c = two["events"], two["ceiling"]
        print(f"fan-out p50/p99 {e['p50_ms']:.0f}/{e['p99_ms']:.0f} ms, ceiling {c['p50_ms']:.0f}/{c['p99_ms']:.0f} ms, "
              f"p99 ratio {e['p99_ms'] / c['p99_ms']:.2f}, load {load_before:.1f}->{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
