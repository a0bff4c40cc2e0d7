"""The console's terminal: noticing that it has gone away, and putting it back.

A console whose pseudo-terminal was closed (an SSH session dropped, a tmux
pane killed, a jump host's window closed) is not always sent SIGHUP: only a
process whose *controlling* terminal hangs up is. Its reads then return end of
file at once, and Textual's input thread, which takes an empty read for "no
input yet", spun at 85 % of a core for an hour (issue 21). `TerminalWatch`
waits in poll() — using no CPU — on the file descriptors the console reads and
draws on; the kernel reports a hang-up or an error on them (POLLHUP, POLLERR)
whatever was asked for, so it learns at once when the terminal goes.
No Textual here.
"""
from __future__ import annotations

import contextlib
import os
import select
import threading
from collections.abc import Callable, Iterable

#: poll() reports these without being asked: the other end hung up, or the
#: descriptor failed. (Windows has no poll(): there, nothing is watched.)
POLLHUP, POLLERR, POLLNVAL = (getattr(select, name, 0) for name in ("POLLHUP", "POLLERR", "POLLNVAL"))
GONE = POLLHUP | POLLERR | POLLNVAL


def describe(events: int) -> str:
    if events & POLLNVAL:
        return "closed"
    if events & POLLHUP:
        return "hang-up"
    return "error"


def gone(fds: Iterable[int]) -> dict[int, str]:
    """Which of `fds` have hung up or failed, now (without waiting): fd -> what."""
    if not hasattr(select, "poll"):
        return {}
    poller = select.poll()
    for fd in set(fds):
        poller.register(fd, 0)
    return {fd: describe(events) for fd, events in poller.poll(0) if events & GONE}


class TerminalWatch:
    """A thread that sleeps in poll() until one of `fds` hangs up or fails,
    then calls `on_gone(fd, what)` once. `stop()` ends it without a call."""

    def __init__(self, fds: Iterable[int], on_gone: Callable[[int, str], None]) -> None:
        self.fds = sorted(set(fds))
        self.on_gone = on_gone
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="vaxel-terminal-watch", daemon=True)

    def start(self) -> TerminalWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _run(self) -> None:
        poller = select.poll()
        for fd in self.fds:
            poller.register(fd, 0)  # nothing asked for: only hang-ups and errors come
        poller.register(self._wake_read, select.POLLIN)
        while True:
            for fd, events in poller.poll():
                if fd == self._wake_read:
                    return
                if events & GONE:
                    self.on_gone(fd, describe(events))
                    return


class TerminalModes:
    """The terminal's settings as they were before the console started, to put
    back if the console must end without Textual's own clean-up (a forced exit)."""

    #: Leave the alternate screen, show the cursor, stop mouse, focus, paste and
    #: Kitty key reports: what Textual switches on at start.
    RESET = (
        b"\x1b[<u\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"
        b"\x1b[?2004l\x1b[?1004l\x1b[?7h\x1b[?1049l\x1b[?25h"
    )

    def __init__(self, input_fd: int = 0, output_fd: int = 2) -> None:
        self.input_fd, self.output_fd = input_fd, output_fd
        self._attrs: list | None = None
        try:
            import termios

            self._attrs = termios.tcgetattr(input_fd)
        except Exception:  # noqa: BLE001 - no termios here, or termios.error: not a terminal
            self._attrs = None

    def restore(self) -> None:
        """Best effort, never blocking the exit for long: the writes go from a
        thread that is given a moment only."""

        def put_back() -> None:
            if self._attrs is not None:
                try:
                    import termios

                    termios.tcsetattr(self.input_fd, termios.TCSANOW, self._attrs)
                except Exception:  # noqa: BLE001 - the terminal may be half gone
                    pass
            with contextlib.suppress(OSError):
                os.write(self.output_fd, self.RESET)

        writer = threading.Thread(target=put_back, name="vaxel-terminal-reset", daemon=True)
        writer.start()
        writer.join(timeout=0.2)
