"""Run a program in a pseudo-terminal, counting the bytes it writes and when.

The console talks to a real terminal; a pty is the closest thing a benchmark can
measure. Times are taken on this side of the pty, as a terminal would see them.
"""
from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class PtyProcess:
    process: subprocess.Popen[bytes]
    master: int
    started: float
    output: bytearray = field(default_factory=bytearray)
    #: (monotonic time, byte count so far) after each read
    trace: list[tuple[float, int]] = field(default_factory=list)

    def read(self, timeout: float) -> bool:
        """Read what is there within `timeout`; False when the program is gone."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.output.extend(data)
        self.trace.append((time.monotonic(), len(self.output)))
        return True

    def wait_for(self, predicate: Callable[[bytes], bool], timeout: float) -> float | None:
        """Seconds from start until `predicate(output)` holds, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(bytes(self.output)):
                return self.trace[-1][0] - self.started if self.trace else 0.0
            if not self.read(0.01):
                break
        return None

    def drain(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.read(max(0.0, end - time.monotonic()))

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.master)


def spawn(argv: list[str], env: dict[str, str], cols: int = 80, rows: int = 24) -> PtyProcess:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    started = time.monotonic()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
    )
    os.close(slave)
    return PtyProcess(process, master, started)
