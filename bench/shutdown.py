"""How fast, and at what CPU cost, the console ends when its terminal goes
away or it is sent SIGTERM or SIGHUP (issue 21).

Method: a backend runs already (`vaxel serve --demo`). Each run starts
`vaxel --server URL` (token in VAXEL_TOKEN) on a pty made with os.openpty(),
stdin/stdout/stderr on its slave, no new session (as issue 21's report did:
closing the pty then sends no SIGHUP), waits for the overview, then either
closes both ends of the pty ("close"), or sends SIGTERM or SIGHUP. It times
from that moment until the process has ended (os.wait4, polled every 10 ms)
and takes the CPU (user + system) the process used meanwhile: rusage at the
end minus /proc's figure just before. Runs rotate through the three ways.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import httpx

from bench.startup import start_backend

WAYS = ("close", "SIGTERM", "SIGHUP")
VAXEL = str(Path(sys.executable).with_name("vaxel"))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(way: str, url: str, token: str, home: Path) -> tuple[float, float, int]:
    env = {**os.environ, "VAXEL_TOKEN": token, "TERM": "xterm-256color", "LANG": "en_US.UTF-8"}
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
        env[var] = str(home / sub)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen([VAXEL, "--server", url], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    seen = b""
    deadline = time.monotonic() + 60
    while b"live" not in seen or b"Fakturering" not in seen:
        if time.monotonic() > deadline:
            raise RuntimeError("the overview did not come")
        if select.select([master], [], [], 0.1)[0]:
            seen += os.read(master, 65536)
    time.sleep(1.0)  # settled: the stream is up
    before = cpu_seconds(process.pid)
    started = time.monotonic()
    if way == "close":
        os.close(master)
        os.close(slave)
    else:
        process.send_signal(getattr(signal, way))
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            ended = time.monotonic() - started
            break
        if time.monotonic() - started > 30:
            process.kill()
            raise RuntimeError(f"{way}: still running after 30 s")
        time.sleep(0.01)
    if way != "close":
        os.close(master)
        os.close(slave)
    return ended, usage.ru_utime + usage.ru_stime - before, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.shutdown")
    parser.add_argument("--runs", type=int, default=5, help="runs of each way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        backend, url = start_backend(home)
        try:
            token = httpx.post(f"{url}/api/v1/auth/token", json={"username": "admin", "password": "admin"}).json()["access_token"]
            results: dict[str, list[tuple[float, float, int]]] = {way: [] for way in WAYS}
            for i in range(args.runs):
                for way in WAYS:
                    results[way].append(one_run(way, url, token, home / f"run{i}-{way}"))
        finally:
            backend.terminate()
            backend.wait(timeout=30)
    print(f"{'way':8} {'runs':>4} {'end p50':>8} {'end max':>8} {'CPU p50':>8} {'CPU max':>8}  status")
    for way, rows in results.items():
        ends, cpus = [r[0] for r in rows], [r[1] for r in rows]
        statuses = sorted({r[2] for r in rows})
        print(
            f"{way:8} {len(rows):>4} {statistics.median(ends):>7.3f}s {max(ends):>7.3f}s "
            f"{statistics.median(cpus):>7.3f}s {max(cpus):>7.3f}s  {statuses}"
        )


if __name__ == "__main__":
    main()
