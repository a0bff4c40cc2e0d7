"""Running the backend: `vaxel serve`, and the embedded backend the console starts."""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

import uvicorn

from backend.app import create_app
from backend.config import ServerSettings
from backend.demo import demo_credentials
from backend.engine.clock import Clock

log = logging.getLogger(__name__)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. Without it, a response written in two
    # parts waits for the client's delayed ACK: 40 ms on every request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, tls: bool = False) -> str:
    host, port = sock.getsockname()[:2]
    return f"{'https' if tls else 'http'}://{f'[{host}]' if ':' in host else host}:{port}"


def advertised(sock: socket.socket, url: str) -> str:
    """Where the other processes reach this one: the bound address, or this host's
    name when bound to every address (set VAXEL_SERVER_ADVERTISE_URL otherwise)."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        return f"{url.split('://')[0]}://{socket.getfqdn()}:{port}"
    return url


def uvicorn_config(app, settings: ServerSettings) -> uvicorn.Config:  # noqa: ANN001
    return uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=3,
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
    )


def loop_runner():  # noqa: ANN201
    """uvloop's `run` where it is installed (uvicorn[standard] brings it), else asyncio's.
    uvicorn picks uvloop only in `uvicorn.run`; `Server.serve` runs on the loop it is given."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def settle_heap() -> None:
    """Once started: move everything built so far (modules, the app, its caches) out
    of the garbage collector's sight. A full collection then walks only what the
    requests create, so it pauses the loop for a few ms instead of hundreds
    (bench/load.md). For a server process only: whatever is frozen is never freed."""
    gc.collect()
    gc.freeze()


def write_ready_file(path: Path, url: str, settings: ServerSettings) -> None:
    """Atomically tell the console where the backend listens."""
    info = {"url": url, "pid": os.getpid(), "database": settings.database, "started_at": time.time()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, path)


async def serve(
    settings: ServerSettings,
    *,
    clock: Clock | None = None,
    ready_file: Path | None = None,
    announce: bool = True,
) -> None:
    sock = bind_socket(settings.host, settings.port)
    url = url_of(sock, tls=settings.tls_cert is not None)
    if settings.advertise_url is None:
        settings = settings.model_copy(update={"advertise_url": advertised(sock, url)})
    app = create_app(settings, clock)
    server = uvicorn.Server(uvicorn_config(app, settings))

    async def when_started() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.02)
        settle_heap()
        if announce:
            print(f"Vaxel backend listening on {url}", flush=True)
            print(f"OpenAPI document: {url}/openapi.json", flush=True)
            if settings.demo:
                print(demo_credentials(), flush=True)
        if ready_file is not None:
            write_ready_file(ready_file, url, settings)
        if settings.idle_exit_s:
            await exit_when_idle(server, app, settings.idle_exit_s)

    watcher = asyncio.create_task(when_started())
    try:
        await server.serve(sockets=[sock])
    finally:
        watcher.cancel()
        if ready_file is not None:
            try:
                info = json.loads(ready_file.read_text())
                if info.get("pid") == os.getpid():
                    ready_file.unlink()
            except (OSError, ValueError):
                pass


async def exit_when_idle(server: uvicorn.Server, app, idle_exit_s: float) -> None:  # noqa: ANN001
    """Stop once no console has been connected for `idle_exit_s` seconds."""
    idle_since = time.monotonic()
    while not server.should_exit:
        await asyncio.sleep(min(1.0, idle_exit_s / 4))
        state = getattr(app.state, "vaxel", None)
        if state is not None and state.bus.subscriber_count > 0:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= idle_exit_s:
            log.info("no console for %.0f s: exiting", idle_exit_s)
            server.should_exit = True


def run(settings: ServerSettings, *, ready_file: Path | None = None, announce: bool = True) -> int:
    try:
        loop_runner()(serve(settings, ready_file=ready_file, announce=announce))
    except OSError as exc:
        print(f"vaxel serve: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
