"""The embedded backend: started by `vaxel` when no server is configured.

It runs as a separate process (so routing and the simulator never slow the
console down) on a free loopback port, with its SQLite file and demo data in
the data dir. A second `vaxel` finds it through `embedded.json` and connects to
the same one; it exits by itself a while after the last console disconnects.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


from tui.paths import data_dir, log_dir

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"
IDLE_EXIT_S = 120


class EmbeddedError(Exception):
    pass


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One console at a time decides whether to start the backend."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        try:
            import fcntl

            fcntl.flock(f, fcntl.LOCK_EX)
        except ImportError:  # not on POSIX: no lock, at worst two backends
            pass
        yield


def _alive(info: dict) -> bool:
    try:
        os.kill(int(info["pid"]), 0)
    except (OSError, KeyError, ValueError, TypeError):
        return False
    from tui.client import load_httpx

    httpx = load_httpx()
    try:
        answer = httpx.get(f"{info['url']}/healthz", timeout=2.0)
        # Another program may have the port now: only a Vaxel backend says this.
        return answer.status_code == 200 and answer.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError, AttributeError, KeyError, TypeError):
        return False


def idle_exit_s() -> float:
    """How long the backend waits after its last console: IDLE_EXIT_S, or
    VAXEL_EMBEDDED_IDLE_EXIT_S (tests that watch it stop set a short one)."""
    try:
        return max(1.0, float(os.environ["VAXEL_EMBEDDED_IDLE_EXIT_S"]))
    except (KeyError, ValueError):
        return IDLE_EXIT_S


def running_backend(*, directory: Path | None = None) -> str | None:
    """The URL of the embedded backend that runs now, if one does (none is started)."""
    try:
        info = json.loads(((directory or data_dir()) / "embedded.json").read_text())
    except (OSError, ValueError):
        return None
    return info["url"] if isinstance(info, dict) and _alive(info) else None


def ensure_backend(*, directory: Path | None = None, timeout: float = 60.0) -> str:
    """The URL of a running embedded backend, starting one if needed."""
    directory = directory or data_dir()
    ready = directory / "embedded.json"
    with _locked(directory / "embedded.lock"):
        url = running_backend(directory=directory)
        if url is not None:
            return url
        ready.unlink(missing_ok=True)
        logs = log_dir()
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / "embedded-backend.log"
        database = f"sqlite+aiosqlite:///{directory / 'vaxel.db'}"
        command = [
            sys.executable, "-m", "tui.cli", "serve",
            "--host", "127.0.0.1", "--port", "0", "--demo", "--quiet",
            "--database", database,
            "--idle-exit", str(idle_exit_s()),
            "--ready-file", str(ready),
        ]  # fmt: skip
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # outlives this console; exits when idle
                close_fds=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace").splitlines()[-15:]
                raise EmbeddedError("the embedded backend stopped:\n" + "\n".join(tail))
            try:
                info = json.loads(ready.read_text())
                if info.get("pid") == process.pid:
                    return info["url"]
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        process.terminate()
        raise EmbeddedError(f"the embedded backend did not start within {timeout:.0f} s; see {log_path}")
