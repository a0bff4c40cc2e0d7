"""Issue 21: when its terminal goes away, or it gets SIGTERM or SIGHUP, the
console ends cleanly (unsaved edits kept, one line in the log) instead of
spinning; the embedded backend it started stops by itself afterwards.

The real `vaxel` command runs on a pty made with os.openpty(), without a new
session, as the report's reproduction did (tests/pty_console.py).
"""
from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pty_console import PtyConsole, cpu_seconds
from tests.server import RunningServer

pytestmark = [pytest.mark.storages("sqlite"), pytest.mark.slow]


def console_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VAXEL_TOKEN", "VAXEL_SERVER", "NO_COLOR", "TMUX")}
    return {**env, "TERM": "xterm-256color", "LANG": "en_US.UTF-8", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **extra}


def kept_drafts(home: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((home / "state").rglob("drafts/*-group-*.json"))]


def log_lines(home: Path, words: str) -> list[str]:
    return [line for path in home.rglob("vaxel.log") for line in path.read_text().splitlines() if words in line]


def edit_first_group(console: PtyConsole, home: Path) -> list[dict]:
    """Open the first group of the overview (Fakturering) and add ' AB' to its
    name without saving: an unsaved edit, kept on disk. Returns the kept edits.

    Keys typed before Textual has moved the focus can land on the field before
    (a busy machine): whatever edit that made is as good, so any kept edit is
    accepted, and the test compares what is kept after the end with it."""
    console.wait_for(lambda: "Fakturering" in console.text() and "live" in console.text(), what="the overview")
    time.sleep(1.0)
    console.type("\r")
    console.wait_for(lambda: "+46812345603" in console.text() and "Name" in console.text(), what="the group screen")
    time.sleep(1.0)
    console.type("\t")
    time.sleep(0.5)
    console.type("\t")
    time.sleep(1.0)  # focus moves after the key is handled: a person pauses too
    console.type("\x1b[F AB")  # End, then the text
    console.wait_for(lambda: kept_drafts(home), what="the edit kept on disk")
    time.sleep(0.5)  # the rest of the keys
    return [d["edits"] for d in kept_drafts(home)]


def backend_pid(home: Path) -> int:
    return json.loads((home / "data" / "vaxel" / "embedded.json").read_text())["pid"]


def alive(pid: int) -> bool:
    return cpu_seconds(pid) is not None  # a zombie (ended, not yet reaped) counts as gone


@pytest.fixture
def consoles() -> Iterator[list[PtyConsole]]:
    started: list[PtyConsole] = []
    yield started
    for console in started:
        console.kill()


def test_when_its_terminal_goes_away_the_console_ends_and_keeps_its_edits(isolated_home: Path, consoles: list[PtyConsole]) -> None:
    """The report's reproduction, on the embedded backend as `make run` starts it."""
    console = PtyConsole([], console_env(isolated_home, VAXEL_EMBEDDED_IDLE_EXIT_S="2"))
    consoles.append(console)
    backend = None
    try:
        edits = edit_first_group(console, isolated_home)
        backend = backend_pid(isolated_home)
        cpu_before = cpu_seconds(console.pid)
        assert cpu_before is not None
        console.close_terminal()

        status, cpu_total = console.wait_gone(5.0)
        assert status is not None, "the console is still running 5 s after its terminal went away"
        assert cpu_total - cpu_before < 1.0, f"{cpu_total - cpu_before:.2f} s of CPU between the terminal going and the end"
        assert status == 1
        assert [d["edits"] for d in kept_drafts(isolated_home)] == edits, "the unsaved edit is kept"
        said = log_lines(isolated_home, "the terminal went away")
        assert len(said) == 1, said

        # The embedded backend it started has lost its last console: it stops by itself.
        deadline = time.monotonic() + 60
        while alive(backend) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(backend), "the embedded backend should stop once no console is left"
    finally:
        if backend is not None and alive(backend):
            os.kill(backend, signal.SIGTERM)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_end_it_with_edits_kept_and_the_terminal_restored(
    signum: int, sqlite_server: RunningServer, isolated_home: Path, consoles: list[PtyConsole]
) -> None:
    env = console_env(isolated_home, VAXEL_TOKEN=sqlite_server.token())
    console = PtyConsole(["--server", sqlite_server.url], env)
    consoles.append(console)
    edits = edit_first_group(console, isolated_home)
    drawn_before = len(console.output)
    console.process.send_signal(signum)

    status, _ = console.wait_gone(5.0)
    assert status is not None, f"still running 5 s after {signal.Signals(signum).name}"
    assert status == -signum, "ended by the signal (once clean), as a Unix program does"
    assert [d["edits"] for d in kept_drafts(isolated_home)] == edits
    assert len(log_lines(isolated_home, f"{signal.Signals(signum).name} received")) == 1
    time.sleep(0.3)  # the last bytes it wrote, still in the pty
    after = bytes(console.output[drawn_before:])
    assert b"\x1b[?1049l" in after, "the terminal is given back: out of the alternate screen"
    assert b"Traceback" not in after
