"""tui/terminal.py and tui/shutdown.py on their own (issue 21): noticing a
terminal that has gone, and ending once, in time, whatever the cause.
Real pseudo-terminals and pipes; only the process's own exit is replaced by a
recorder (a test must not end the test run)."""
from __future__ import annotations

import errno
import logging
import os
import signal
import threading
import time

import pytest

from tui.shutdown import Shutdown
from tui.terminal import TerminalWatch, gone


class Ended:
    """Stands for the process's exit: records (status, signal) and when."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []
        self.happened = threading.Event()

    def __call__(self, status: int, signum: int | None) -> None:
        self.calls.append((status, signum))
        self.happened.set()


def wait(condition, timeout: float = 5.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def test_gone_tells_a_closed_pty_and_a_pipe_without_reader_from_live_ones() -> None:
    master, slave = os.openpty()
    read_end, write_end = os.pipe()
    try:
        assert gone([slave, write_end]) == {}
        os.close(master)
        os.close(read_end)
        assert gone([slave, write_end]) == {slave: "hang-up", write_end: "error"}
    finally:
        os.close(slave)
        os.close(write_end)


def test_the_watch_sleeps_until_the_terminal_hangs_up() -> None:
    master, slave = os.openpty()
    seen: list[tuple[int, str]] = []
    watch = TerminalWatch([slave], lambda fd, what: seen.append((fd, what))).start()
    try:
        time.sleep(0.2)
        assert seen == [], "nothing while the terminal is there"
        os.close(master)
        assert wait(lambda: seen == [(slave, "hang-up")])
    finally:
        watch.stop()
        os.close(slave)


def test_a_stopped_watch_calls_nothing() -> None:
    master, slave = os.openpty()
    seen: list[object] = []
    watch = TerminalWatch([slave], lambda fd, what: seen.append(fd)).start()
    watch.stop()
    os.close(master)
    time.sleep(0.2)
    os.close(slave)
    assert seen == []


def test_the_terminal_going_ends_once_with_one_log_line_and_the_input_stopped(caplog: pytest.LogCaptureFixture) -> None:
    ended, silenced, stopped, asked = Ended(), [], [], []
    shutdown = Shutdown(hard_exit=ended, silence_output=lambda: silenced.append(True), terminal_grace_s=0.3)
    shutdown.attach(lambda: asked.append(True))
    master, slave = os.openpty()
    try:
        with caplog.at_level(logging.WARNING, logger="vaxel.shutdown"):
            shutdown.watch(slave, [], stop_input=lambda: stopped.append(True))
            os.close(master)
            assert wait(lambda: asked)
            shutdown.terminal_went("input: end of file")  # a second cause: nothing new
            # The App was asked and did not end: the deadline ends the process.
            assert ended.happened.wait(5)
    finally:
        shutdown.unwatch()
        os.close(slave)
    assert ended.calls == [(1, None)]
    assert silenced == [True] and stopped == [True] and asked == [True]
    lines = [r.getMessage() for r in caplog.records if r.name == "vaxel.shutdown"]
    assert lines[0] == "the terminal went away (input: hang-up): ending the console; unsaved edits are kept"
    assert len([line for line in lines if "went away" in line]) == 1


def test_a_signal_asks_the_app_and_the_app_ending_in_time_leaves_the_exit_to_finish() -> None:
    ended = Ended()
    shutdown = Shutdown(hard_exit=ended, silence_output=lambda: pytest.fail("the terminal is still there"), signal_grace_s=5)
    asked = threading.Event()
    before = signal.getsignal(signal.SIGTERM)
    shutdown.install()
    try:
        shutdown.attach(asked.set)
        os.kill(os.getpid(), signal.SIGTERM)
        assert asked.wait(5), "the App is asked to end"
    finally:
        shutdown.detach()
    # The App ended: finish() ends the process by the signal, as it would have.
    shutdown.finish(0)
    assert ended.calls == [(128 + signal.SIGTERM, signal.SIGTERM)]
    assert signal.getsignal(signal.SIGTERM) == before, "the handler it replaced is back"
    assert shutdown.reason == "SIGTERM received"


def test_without_an_app_it_ends_at_once() -> None:
    ended = Ended()
    shutdown = Shutdown(hard_exit=ended, silence_output=lambda: None)
    shutdown.terminal_went("output: Input/output error")
    assert ended.calls == [(1, None)]


def test_a_thread_dying_of_a_terminals_error_is_the_terminal_going() -> None:
    ended, asked = Ended(), threading.Event()
    master, slave = os.openpty()
    shutdown = Shutdown(terminal_fds=(slave,), hard_exit=ended, silence_output=lambda: None, terminal_grace_s=5)
    other_failures: list[BaseException] = []
    usual_hook = threading.excepthook
    threading.excepthook = lambda args: other_failures.append(args.exc_value)  # what install() chains to
    shutdown.install()

    def write_to_terminal() -> None:
        os.write(slave, b"frame")  # fails once the other end has gone

    try:
        shutdown.attach(asked.set)
        # While the terminal is there, another thread's EIO is not taken for its end.
        failing = threading.Thread(target=lambda: (_ for _ in ()).throw(OSError(errno.EIO, "elsewhere")))
        failing.start()
        failing.join()
        assert [str(e) for e in other_failures] == ["[Errno 5] elsewhere"] and not asked.is_set()
        os.close(master)
        writer = threading.Thread(target=write_to_terminal)
        writer.start()
        writer.join()
        assert asked.wait(5)
        assert shutdown.reason.startswith("the terminal went away (output: ")
    finally:
        shutdown.detach()
        shutdown.uninstall()
        threading.excepthook = usual_hook
        os.close(slave)


def test_an_input_error_that_is_not_the_terminals_is_not_swallowed() -> None:
    shutdown = Shutdown(hard_exit=Ended(), silence_output=lambda: None)
    assert shutdown.input_failed(OSError(errno.EAGAIN, "again")) is False
    assert shutdown.status is None
    assert shutdown.input_failed(OSError(errno.EIO, "Input/output error")) is True
    assert shutdown.status == 1


def test_an_app_that_does_not_end_is_ended_by_the_deadline() -> None:
    """In a process of its own (it really ends): SIGTERM, an App that never
    ends, and the deadline ends the process with 128 + 15."""
    import subprocess
    import sys

    program = (
        "import os, signal, time\n"
        "from tui.shutdown import Shutdown\n"
        "s = Shutdown(signal_grace_s=0.5).install()\n"
        "s.attach(lambda: None)\n"  # asked, and never ends
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "time.sleep(30)\n"
        "raise SystemExit('not ended')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr  # the sleep's end would be 'not ended', 1
