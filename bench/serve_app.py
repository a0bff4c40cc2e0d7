"""The backend for the benchmarks: one uvicorn process (one worker, uvloop,
httptools) serving the real app on a SQLite file with the demo data, the
simulator off, the real clock. It also serves the ceilings the benchmarks
measure beside the real routes, on the same server and in the same run:

- `/bench/static`: a fixed JSON body from a plain Starlette route (the app's
  middleware and routing, no auth, no database);
- `/bench/raw`: the same body answered by a bare ASGI layer outside the app;
- `/bench/ceiling-stream` and `/bench/ceiling-publish`: a bare fan-out (one
  asyncio queue per connection, no auth, no database, no event bus) of a
  small SSE event carrying the time it was published.

For finding where time goes: `BENCH_LOG=FILE` keeps the server's stderr
there, `BENCH_GC_LOG=1` logs every collection of the older generations with
its pause, and `/bench/gcstats` lists the objects the collector tracks.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SERVER = r'''
import asyncio, sys, time
from starlette.responses import Response
from backend.app import create_app
from backend.config import ServerSettings
from backend.server import bind_socket, loop_runner, settle_heap, url_of, uvicorn_config
import uvicorn

settings = ServerSettings(host="127.0.0.1", port=0, database=sys.argv[1], demo=True, simulate=False)
app = create_app(settings)
STATIC = b'{"static": true, "padding": "' + b"x" * 1500 + b'"}'

async def static(_request):
    return Response(STATIC, media_type="application/json")

app.router.add_route("/bench/static", static, methods=["GET"])
queues = set()
sequence = [0]


class Raw:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path")
        if scope["type"] != "http" or not path.startswith("/bench/"):
            return await self.app(scope, receive, send)
        if path == "/bench/raw":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(STATIC)).encode())]})
            await send({"type": "http.response.body", "body": STATIC})
        elif path == "/bench/ceiling-publish":
            sequence[0] += 1
            message = b"id: %d\r\nevent: tick\r\ndata: {\"at\": %.6f}\r\n\r\n" % (sequence[0], time.time())
            for queue in queues:
                queue.put_nowait(message)
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
        elif path == "/bench/gcstats":
            import collections, gc
            counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
            body = ("%d tracked, frozen %d\n" % (sum(counts.values()), gc.get_freeze_count()) + "\n".join(f"{n} {k}" for k, n in counts.most_common(40))).encode()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
        elif path == "/bench/ceiling-stream":
            queue = asyncio.Queue()
            queues.add(queue)
            try:
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
                while True:
                    await send({"type": "http.response.body", "body": await queue.get(), "more_body": True})
            finally:
                queues.discard(queue)
        else:
            await self.app(scope, receive, send)


app.add_middleware(Raw)
sock = bind_socket("127.0.0.1", 0)
config = uvicorn_config(app, settings)
config.http = "httptools"
config.backlog = 4096
server = uvicorn.Server(config)

import gc, os
if os.environ.get("BENCH_GC_LOG"):
    _gc = {}
    def _cb(phase, info):
        if phase == "start":
            _gc["t"] = time.perf_counter()
        elif info["generation"] >= 1:
            print(f"GC gen{info['generation']} {(time.perf_counter() - _gc['t']) * 1000:.1f}ms collected={info['collected']} objects={len(gc.get_objects(2)) if info['generation']==2 else ''}", file=sys.stderr, flush=True)
    gc.callbacks.append(_cb)

async def main():
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.02)
    settle_heap()  # as `vaxel serve` does
    print(url_of(sock), flush=True)
    await task

loop_runner()(main())  # uvloop, as `vaxel serve` runs
'''


def start_server(directory: Path, name: str) -> tuple[subprocess.Popen, str]:
    """Start the benchmark backend; its log is `directory/server.log`."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, f"sqlite+aiosqlite:///{directory / (name + '.db')}"],
        stdout=subprocess.PIPE, stderr=(directory / "server.log").open("wb") if not __import__("os").environ.get("BENCH_LOG") else open(__import__("os").environ["BENCH_LOG"], "wb"), text=True,
    )  # fmt: skip
    url = process.stdout.readline().strip()  # type: ignore[union-attr]
    if not url:
        raise RuntimeError(f"server did not start; see {directory / 'server.log'}")
    return process, url
