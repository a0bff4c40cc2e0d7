"""Live-view benchmark: 200 waiting calls in view at 120x40, 10 events a second.

    .venv/bin/python -m bench.live [--seconds 20] [--modes live,datatable,group]

Method in bench/live.md. The backend runs in this process (real uvicorn,
SQLite, engine, system clock); each console runs in its own pty, and this
process reads what it writes, as a terminal would, with a small terminal
emulator to see when a change reached the screen.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from backend.engine.clock import SystemClock
from tests.server import RunningServer

COLS, ROWS = 120, 40
GROUP = 2  # Växel in the demo data: two agents
CALLS = 200
EVENTS_PER_S = 10.0
CLK_TCK = os.sysconf("SC_CLK_TCK")

CSI = re.compile(rb"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])")


class MiniTerm:
    """Just enough of a VT terminal to know what Textual put on the screen."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self._pending = b""

    def feed(self, data: bytes) -> None:
        data = self._pending + data
        self._pending = b""
        i, n = 0, len(data)
        text = bytearray()
        while i < n:
            b = data[i]
            if b == 0x1B:
                self._flush(text)
                text.clear()
                if i + 1 >= n:
                    self._pending = data[i:]
                    return
                if data[i + 1] == 0x5B:  # CSI
                    m = CSI.match(data, i)
                    if m is None:
                        self._pending = data[i:]
                        return
                    self._csi(m.group(1), m.group(3))
                    i = m.end()
                    continue
                if data[i + 1] == 0x5D:  # OSC ... BEL or ST
                    end = data.find(b"\x07", i)
                    st = data.find(b"\x1b\\", i)
                    ends = [e for e in (end, st) if e != -1]
                    if not ends:
                        self._pending = data[i:]
                        return
                    e = min(ends)
                    i = e + (1 if e == end else 2)
                    continue
                i += 2 if data[i + 1] not in b"()" else 3
                continue
            if b == 0x0D:
                self._flush(text)
                text.clear()
                self.x = 0
            elif b == 0x0A:
                self._flush(text)
                text.clear()
                self.y = min(self.rows - 1, self.y + 1)
            elif b >= 0x20 or b >= 0x80:
                text.append(b)
            i += 1
        if text:
            # A UTF-8 sequence may be split across reads: keep an incomplete tail.
            try:
                text.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._pending = bytes(text[exc.start :])
                del text[exc.start :]
            self._flush(text)

    def _flush(self, text: bytearray) -> None:
        if not text:
            return
        for char in text.decode("utf-8", "replace"):
            if 0 <= self.y < self.rows and 0 <= self.x < self.cols:
                self.grid[self.y][self.x] = char
            self.x += 1

    def _csi(self, params: bytes, final: bytes) -> None:
        if final == b"H" or final == b"f":
            parts = [int(p) if p else 1 for p in params.decode().split(";")] if params else [1, 1]
            self.y, self.x = parts[0] - 1, (parts[1] if len(parts) > 1 else 1) - 1
        elif final == b"J" and params in (b"2", b"3"):
            self.grid = [[" "] * self.cols for _ in range(self.rows)]
        elif final == b"K":
            for x in range(self.x, self.cols):
                if 0 <= self.y < self.rows:
                    self.grid[self.y][x] = " "
        elif final == b"C":
            self.x += int(params or b"1")
        elif final == b"G":
            self.x = int(params or b"1") - 1

    def line_with(self, needle: str) -> str | None:
        for row in self.grid:
            line = "".join(row)
            if needle in line:
                return line
        return None

    def text(self) -> str:
        return "\n".join("".join(row).rstrip() for row in self.grid)


@dataclass
class Console:
    """A console in a pty; a reader thread counts bytes and keeps the screen."""

    process: subprocess.Popen[bytes]
    master: int
    term: MiniTerm = field(default_factory=lambda: MiniTerm(COLS, ROWS))
    bytes_total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: call id -> (expected "ringing" shown?, publish time); resolved into latencies
    expect: dict[str, tuple[bool, float]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    stopped: bool = False

    def reader(self) -> None:
        while not self.stopped:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            now = time.monotonic()
            with self.lock:
                self.bytes_total += len(data)
                self.term.feed(data)
                for caller, (ringing, published) in list(self.expect.items()):
                    line = self.term.line_with(caller)
                    if line is not None and ("ringing" in line) == ringing:
                        self.latencies.append(now - published)
                        del self.expect[caller]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_mb(self, field: str = "VmHWM") -> float:
        """Resident memory from /proc: the peak (VmHWM), or now (`field="VmRSS"`)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.stopped = True
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)


def spawn_console(url: str, mode: str, home: Path) -> Console:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "LANG": "en_US.UTF-8",
        "VAXEL_LANG": "en",
    }
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, *os.environ.get("BENCH_CONSOLE", "-m bench.live_console").split(), url, str(GROUP), mode]
        if mode != "vaxel"
        else [sys.executable, "-m", "bench.live_vaxel", url, str(GROUP)],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True,
    )
    os.close(slave)
    console = Console(process, master)
    threading.Thread(target=console.reader, daemon=True).start()
    return console


def wait_until(predicate, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def measure(console: Console, seconds: float, load=None) -> dict[str, float]:  # noqa: ANN001
    """Bytes/s and CPU % of a core over `seconds`, running `load(stop)` meanwhile."""
    stop = threading.Event()
    worker = threading.Thread(target=load, args=(stop,), daemon=True) if load else None
    with console.lock:
        bytes0 = console.bytes_total
    cpu0, t0 = console.cpu_seconds(), time.monotonic()
    if worker:
        worker.start()
    time.sleep(seconds)
    stop.set()
    if worker:
        worker.join()
    with console.lock:
        bytes1 = console.bytes_total
    cpu1, t1 = console.cpu_seconds(), time.monotonic()
    return {"bytes_per_s": (bytes1 - bytes0) / (t1 - t0), "cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0)}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(modes: list[str], seconds: float, idle_seconds: float) -> dict[str, dict[str, float]]:
    workdir = Path(tempfile.mkdtemp(prefix="vaxel-bench-live-"))
    server = RunningServer(workdir / "vaxel.db", clock=SystemClock()).start()
    bus = server.state.bus
    original_publish = bus.publish
    watching: dict[str, Console] = {}  # "console": the console being measured

    def timed_publish(kind, org_id, group_id, payload, at):  # noqa: ANN001, ANN202
        # What the console should show next is noted at the moment of publishing,
        # before it can possibly show it: noted later (when the request that
        # published it has answered), a screen that changed meanwhile was only
        # checked at the next change, ~0.3 s on (seen as a 300 ms tail).
        console = watching.get("console")
        if console is not None and kind in ("call.offered", "call.requeued") and group_id == GROUP:
            caller = callers.get(payload["call_id"])
            if caller is not None:
                with console.lock:
                    console.expect[caller] = (kind == "call.offered", time.monotonic())
        return original_publish(kind, org_id, group_id, payload, at)

    bus.publish = timed_publish  # the moment each event is published, as the issue measures from
    api = server.client("admin")
    agents = api.get(f"/response-groups/{GROUP}/live").json()["agents"]
    for agent in agents:
        api.post(f"/response-groups/{GROUP}/agents/{agent['id']}/logout")
    callers: dict[int, str] = {}
    results: dict[str, dict[str, float]] = {}
    try:
        for mode in modes:
            home = workdir / mode
            for sub in ("config", "data", "state"):
                (home / sub).mkdir(parents=True, exist_ok=True)
            console = spawn_console(server.url, mode, home)
            try:
                if not wait_until(lambda: console.term.line_with("Växel") is not None, 30):
                    raise RuntimeError("console did not show the group:\n" + console.term.text())
                time.sleep(2.0)
                idle = measure(console, idle_seconds)  # empty queue, agents logged out
                callers.clear()
                for n in range(CALLS):
                    caller = f"+4670{n:07d}"
                    call_id = api.post("/pbx/calls", json={"group_id": GROUP, "caller": caller}).json()["call_id"]
                    callers[call_id] = caller
                if not wait_until(lambda: console.term.line_with(callers[min(callers)]) is not None, 30):
                    raise RuntimeError("console did not show the calls:\n" + console.term.text())
                time.sleep(2.0)
                ticking = measure(console, idle_seconds)  # 200 calls ticking, no events

                def load(stop: threading.Event) -> None:
                    # Each login offers the head call (call.offered, agent.state, group.stats);
                    # each logout puts it back (call.requeued, agent.state, group.stats):
                    # three events per operation, so one operation every 0.3 s.
                    i = 0
                    logged_in = {a["id"]: False for a in agents}
                    period = 3 / EVENTS_PER_S
                    next_at = time.monotonic()
                    while not stop.is_set():
                        agent_id = agents[i % len(agents)]["id"]
                        action = "logout" if logged_in[agent_id] else "login"
                        api.post(f"/response-groups/{GROUP}/agents/{agent_id}/{action}")
                        logged_in[agent_id] = not logged_in[agent_id]
                        i += 1
                        next_at += period
                        stop.wait(max(0.0, next_at - time.monotonic()))

                with console.lock:
                    console.latencies.clear()
                watching["console"] = console
                loaded = measure(console, seconds, load)
                time.sleep(1.0)
                watching.clear()
                lat = [1000 * v for v in console.latencies]
                row = {
                    "latency_p50_ms": percentile(lat, 50),
                    "latency_p99_ms": percentile(lat, 99),
                    "latency_samples": len(lat),
                    "load_bytes_per_s": loaded["bytes_per_s"],
                    "load_cpu_pct": loaded["cpu_pct"],
                    "ticking_bytes_per_s": ticking["bytes_per_s"],
                    "ticking_cpu_pct": ticking["cpu_pct"],
                    "idle_bytes_per_s": idle["bytes_per_s"],
                    "idle_cpu_pct": idle["cpu_pct"],
                    "peak_rss_mb": console.rss_mb(),
                    "rss_now_mb": console.rss_mb("VmRSS"),
                }
                # Put the queue back as it was (empty, nobody logged in) for the next mode.
                for agent in agents:
                    api.post(f"/response-groups/{GROUP}/agents/{agent['id']}/logout")
                for call_id in callers:
                    api.post(f"/pbx/calls/{call_id}/hangup", json={})
                results[mode] = row
            finally:
                console.stop()
    finally:
        api.close()
        server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the loaded phase")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="length of each idle phase")
    parser.add_argument("--modes", default="live,datatable,group")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.modes.split(","), args.seconds, args.idle_seconds)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    keys = list(next(iter(results.values())).keys())
    print(f"{'':24}" + "".join(f"{m:>14}" for m in results))
    for key in keys:
        print(f"{key:24}" + "".join(f"{results[m][key]:>14.1f}" for m in results))


if __name__ == "__main__":
    main()
