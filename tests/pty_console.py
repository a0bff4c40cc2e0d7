"""The real `vaxel` command on a pseudo-terminal the test owns (os.openpty()),
started as issue 21's report did: stdin, stdout and stderr on the pty's slave,
no new session (so the pty is not its controlling terminal and closing it
sends no SIGHUP). The test reads what it draws, types, and can close the
terminal under it, then watch it end and measure the CPU it used meanwhile.
"""
from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

VAXEL = str(Path(sys.executable).with_name("vaxel"))
#: CSI and OSC sequences, and the other escapes Textual writes.
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == b"Z":
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


class PtyConsole:
    def __init__(self, args: list[str], env: dict[str, str], size: tuple[int, int] = (80, 24)) -> None:
        self.master, self.slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            [VAXEL, *args], stdin=self.slave, stdout=self.slave, stderr=self.slave, env=env, close_fds=True
        )
        self.output = bytearray()
        self._open = True
        self._reading = threading.Event()
        self._reading.set()
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        while self._reading.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def text(self) -> str:
        """Everything drawn so far, without escape sequences."""
        return ESCAPES.sub(b"", bytes(self.output)).decode("utf-8", "replace")

    def wait_for(self, condition: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"vaxel ended ({self.process.returncode}) before {what}:\n{self.text()[-2000:]}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the terminal shows:\n{self.text()[-2000:]}")

    def type(self, keys: str | bytes) -> None:
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def close_terminal(self) -> None:
        """Close both ends of the pty in this process: the console's terminal is gone."""
        self._reading.clear()
        self._reader.join(timeout=5)
        if self._open:
            self._open = False
            os.close(self.master)
            os.close(self.slave)

    def wait_gone(self, timeout: float) -> tuple[int | None, float | None]:
        """Wait up to `timeout` s for the process to end: (its wait status, its
        total CPU seconds from rusage) — (None, None) while it still runs."""
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.process.returncode = os.waitstatus_to_exitcode(status)
                return self.process.returncode, usage.ru_utime + usage.ru_stime
            if time.monotonic() > deadline:
                return None, None
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            self.wait_gone(10)
        self.close_terminal()
