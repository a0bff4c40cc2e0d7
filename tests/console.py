"""Helpers for driving the real console (Pilot) against the real test backend."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot

from tests.server import RunningServer
from tui.app import VaxelApp
from tui.client import VaxelClient


#: For pictures: a busy machine can hold the app past the stream's pings, and
#: "◌ STALE" in place of "● live" is not what a snapshot is about.
NEVER_STALE = 3600.0


def console(
    server: RunningServer,
    username: str = "admin",
    *,
    local_time: Callable[[], float] | None = None,
    stale_after_s: float | None = None,
) -> VaxelApp:
    """The console signed in as `username` (password = username, as in the demo)."""
    client = VaxelClient(server.url)
    if local_time is not None:
        client.clock.local_time = local_time
    app = VaxelApp(client, credentials=(username, username), server_label="test")
    if stale_after_s is not None:
        app.stale_after_s = stale_after_s
    return app


async def until(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0, message: str = "") -> None:
    """Let the app run until `condition()` is true (it fails the test after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 - not there yet (e.g. no such widget)
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {message or condition}{_told(pilot)}")
        await pilot.pause(0.05)


def toasts(app: App) -> list[str]:
    """The messages of the toasts the app shows now (Textual keeps no public list)."""
    return [str(n.message) for n in app._notifications]  # noqa: SLF001


def _told(pilot: Pilot) -> str:
    """What the app has told its user (toasts), screen and workers: why it did not get there."""
    app = pilot.app
    try:
        shown = [f"{n.severity}: {n.message}" for n in app._notifications]  # noqa: SLF001
        workers = [f"{w.name or w.group}={w.state.name}" for w in app.workers]
        return f"\n  screen: {app.screen!r}\n  toasts: {shown}\n  workers: {workers}"
    except Exception as exc:  # noqa: BLE001 - a report, not a check
        return f"\n  (could not report the app's state: {exc!r})"


async def in_thread(fn: Callable[..., object], *args: object, **kwargs: object) -> object:
    """Run blocking test code (HTTP to the server) without stalling the app."""
    return await asyncio.to_thread(fn, *args, **kwargs)
