"""How the console ends when it is not asked to by its user (issue 21).

Three ways: SIGTERM (a service manager, `kill`), SIGHUP (the controlling
terminal hung up, or `kill -HUP`), and the terminal going away without a
signal (reads end or fail, writes fail: EOF or EIO on input, EIO or EPIPE on
output). Each ends the console the same way:

1. one line in the log saying why;
2. when the terminal is gone: nothing more is drawn (its output goes to
   /dev/null, so no write fails and no traceback is printed), and Textual's
   input thread is stopped (it would spin on the end of file);
3. the App is asked to end — it keeps the unsaved edits where a kill leaves
   them (tui/drafts.py: they are on disk from each keystroke; the App writes
   the open group's once more) and exits, which restores the terminal;
4. should that not be done in time (`grace_s`: 0.7 s after a signal, 1.5 s
   after the terminal went), the process ends at once regardless: the terminal
   is put back as it was, and the exit status is kept.

After SIGTERM or SIGHUP the process ends, once clean, by that signal's
default action (as a Unix program should: its parent sees it ended by the
signal; a shell says 128 + its number); when the terminal went away, with
exit status 1 (as vim does on "Error reading input"). The embedded backend is another process in
its own session: it sees the console's connections close, and stops by itself
once no console is left (tui/embedded.py). No Textual here.
"""
from __future__ import annotations

import errno
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType

from tui.terminal import TerminalModes, TerminalWatch, gone

log = logging.getLogger("vaxel.shutdown")

#: Errors of a terminal that has gone: I/O error (a hung-up tty), broken pipe,
#: no such device (a revoked tty).
TERMINAL_ERRNOS = frozenset({errno.EIO, errno.EPIPE, errno.ENXIO})
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
SIGNAL_GRACE_S = 0.7
TERMINAL_GRACE_S = 1.5
TERMINAL_GONE_STATUS = 1


class Shutdown:
    def __init__(
        self,
        *,
        terminal_fds: Iterable[int] = (0, 2),
        hard_exit: Callable[[int, int | None], object] | None = None,
        silence_output: Callable[[], object] | None = None,
        signal_grace_s: float = SIGNAL_GRACE_S,
        terminal_grace_s: float = TERMINAL_GRACE_S,
    ) -> None:
        self.terminal_fds = tuple(terminal_fds)
        #: Ends the process now: (exit status, signal to end by or None).
        self.hard_exit = hard_exit or die
        self.silence_output = silence_output or _silence_output
        self.signal_grace_s = signal_grace_s
        self.terminal_grace_s = terminal_grace_s
        #: The exit status once ending has begun (None: not ending).
        self.status: int | None = None
        #: The signal that began it (None: the terminal went, or not ending).
        self.signum: int | None = None
        self.reason = ""
        self.terminal_gone = False
        self._begun = threading.Lock()
        self._end: Callable[[], object] | None = None
        self._stop_input: Callable[[], object] | None = None
        self._watch: TerminalWatch | None = None
        self._previous_signals: dict[int, object] = {}
        self._previous_hook = threading.excepthook
        self._modes: TerminalModes | None = None

    # ------------------------------------------------------------------ set-up (main thread)

    def install(self) -> Shutdown:
        """Signal handlers and the thread-exception hook; the terminal's modes
        are noted to be put back on a forced exit."""
        self._modes = TerminalModes(self.terminal_fds[0], self.terminal_fds[-1])
        for signum in SIGNALS:
            self._previous_signals[signum] = signal.signal(signum, self._on_signal)
        self._previous_hook = threading.excepthook
        threading.excepthook = self._on_thread_failure
        return self

    def uninstall(self) -> None:
        for signum, previous in self._previous_signals.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous_signals.clear()
        if threading.excepthook == self._on_thread_failure:
            threading.excepthook = self._previous_hook
        self.unwatch()

    def attach(self, end: Callable[[], object]) -> None:
        """`end()` asks the App to end; it may be called from any thread. Until
        an App is attached, there is nothing to keep: ending is immediate."""
        self._end = end

    def detach(self) -> None:
        self._end = None

    def watch(self, input_fd: int, output_fds: Iterable[int], stop_input: Callable[[], object] | None = None) -> None:
        """Watch the descriptors the console's driver reads and draws on;
        `stop_input()` stops its input thread once they are gone."""
        self.unwatch()
        self._stop_input = stop_input
        outputs = set(output_fds) - {input_fd}

        def went(fd: int, what: str) -> None:
            self.terminal_went(f"{'output' if fd in outputs else 'input'}: {what}")

        self._watch = TerminalWatch([input_fd, *outputs], went)
        self._watch.start()

    def unwatch(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.stop()

    # ------------------------------------------------------------------ the causes

    def terminal_went(self, detail: str) -> None:
        """The terminal has gone for good (`detail`: what showed it)."""
        self._begin(TERMINAL_GONE_STATUS, f"the terminal went away ({detail})", terminal_gone=True)

    def input_failed(self, exc: OSError) -> bool:
        """A read from the terminal failed: True when that means it has gone."""
        if exc.errno not in TERMINAL_ERRNOS:
            return False
        self.terminal_went(f"input: {exc.strerror or exc}")
        return True

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # In the main thread, between two bytecodes of whatever it was doing:
        # the work (logging, asking the App) is done in a thread of its own.
        name = signal.Signals(signum).name
        terminal_gone = bool(gone(self.terminal_fds))
        threading.Thread(
            target=self._begin, args=(128 + signum, f"{name} received", terminal_gone, signum),
            name="vaxel-shutdown", daemon=True,
        ).start()  # fmt: skip

    def _on_thread_failure(self, args: threading.ExceptHookArgs) -> None:
        """A thread died of a terminal's error (Textual's output thread on EIO or
        EPIPE): the terminal has gone. Anything else goes to the usual hook."""
        exc = args.exc_value
        if isinstance(exc, OSError) and exc.errno in TERMINAL_ERRNOS and gone(self.terminal_fds):
            self.terminal_went(f"output: {exc.strerror or exc}")
            return
        self._previous_hook(args)

    # ------------------------------------------------------------------ ending

    def _begin(self, status: int, reason: str, terminal_gone: bool, signum: int | None = None) -> None:
        if not self._begun.acquire(blocking=False):
            return  # already ending (a second cause says nothing new)
        self.status, self.reason, self.terminal_gone, self.signum = status, reason, terminal_gone, signum
        log.warning("%s: ending the console; unsaved edits are kept", reason)
        _flush_logs()
        if terminal_gone:
            self.silence_output()
            stop_input = self._stop_input
            if stop_input is not None:
                stop_input()
        grace = self.terminal_grace_s if terminal_gone else self.signal_grace_s
        deadline = threading.Timer(grace, self._end_now)
        deadline.daemon = True
        deadline.name = "vaxel-shutdown-deadline"
        deadline.start()
        end = self._end
        if end is None:
            self._end_now()  # no App yet: nothing to keep, nothing to wait for
        else:
            end()

    def _end_now(self) -> None:
        """The App did not end in time (or there is none): end the process."""
        if self._end is not None:
            log.warning("the console did not end within the grace period: ending now")
        if not self.terminal_gone and self._modes is not None:
            self._modes.restore()
        _flush_logs()
        self.hard_exit(self.status if self.status is not None else 1, self.signum)

    def finish(self, status: int) -> int:
        """After the App has ended: the exit status to return, or — when a
        signal began the end — end by that signal now, as it would have."""
        self.uninstall()
        if self.signum is not None:
            logging.shutdown()
            self.hard_exit(self.status or status, self.signum)
        return self.status if self.status is not None else status


def die(status: int, signum: int | None) -> None:
    """End the process now: by `signum`'s default action, else with `status`.

    Only the main thread may set a signal's handler: from the deadline's thread
    the process ends with `status` (128 + the signal's number) instead."""
    if signum is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    os._exit(status)


def _flush_logs() -> None:
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001 - a log that cannot be written must not stop the exit
            pass


def _silence_output() -> None:
    """Standard output and error lead nowhere now: send them to /dev/null, so
    that what is still written (Textual's last frames, its clean-up, Python's
    final flush) neither fails nor prints a traceback to a dead terminal."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    for fd in (1, 2):
        try:
            os.dup2(devnull, fd)
        except OSError:
            pass
    os.close(devnull)
