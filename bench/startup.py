"""Process start → first paint of the overview with 200 groups (issue 2).

Method: a backend (`vaxel serve --demo`, simulator on) runs already, with 200
response groups. Each run starts `vaxel --server URL` in an 80x24 pty (token in
VAXEL_TOKEN, so no login screen) and times from spawn until the terminal has
received the overview's rows (the first group's name and the last visible
one). The same is measured, alternating run by run, for a bare Textual app that
paints one line: the floor for any Textual program on this machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.pty_run import PtyProcess, spawn

BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("BARE-READY")
Bare().run()
"""


def start_backend(home: Path) -> tuple[object, str]:
    ready = home / "ready.json"
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data")}
    log = (home / "backend.log").open("wb")
    process = __import__("subprocess").Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", "0", "--demo", "--quiet",
         "--database", f"sqlite+aiosqlite:///{home / 'bench.db'}", "--ready-file", str(ready)],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ready.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("backend did not start; see " + str(home / "backend.log"))
        time.sleep(0.05)
    return process, json.loads(ready.read_text())["url"]


def add_groups(url: str, total: int, database: Path | None = None) -> str:
    if database is not None:  # the numbers must be the organisation's (its pool)
        import sqlite3

        with sqlite3.connect(database) as db:
            db.executemany("INSERT OR IGNORE INTO org_numbers (org_id, number) VALUES (1, ?)", [(f"+4690{i:07d}",) for i in range(total)])
    token = httpx.post(f"{url}/api/v1/auth/token", json={"username": "admin", "password": "admin"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    existing = len(httpx.get(f"{url}/api/v1/response-groups", headers=headers).json())
    with httpx.Client(base_url=url + "/api/v1", headers=headers) as client:
        for i in range(existing, total):
            r = client.post("/response-groups", json={"name": f"Bench {i:03d}", "number": f"+4690{i:07d}", "agent_group_ids": [1]})
            r.raise_for_status()
    return token


def cpu_ms(proc: PtyProcess) -> float:
    """The process's CPU time (user + system) so far: less swayed by a busy machine than wall time."""
    try:
        fields = Path(f"/proc/{proc.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


PACKAGES = ("tui", "widgets", "screens", "backend")


def compile_checkout(root: Path, python: Path) -> None:
    """Compile a checkout's modules, as its install did (Makefile): the bare app's
    Textual is compiled by pip, so a console that compiled its own modules on
    every start (PYTHONDONTWRITEBYTECODE) would be measured at a disadvantage."""
    subprocess.run([str(python), "-m", "compileall", "-q", *PACKAGES], cwd=root, check=True)


def measure(runs: int = 15, against: Path | None = None) -> dict:
    compile_checkout(Path(__file__).resolve().parent.parent, Path(sys.executable))
    if against is not None:
        compile_checkout(against, against / ".venv" / "bin" / "python")
    home = Path(tempfile.mkdtemp(prefix="vaxel-bench-"))
    backend, url = start_backend(home)
    try:
        token = add_groups(url, 200, home / "bench.db")
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "LANG": "en_US.UTF-8",
            "VAXEL_TOKEN": token,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_DATA_HOME": str(home / "console-data"),
            "XDG_CACHE_HOME": str(home / "cache"),  # the i18n catalog cache: filled by the first run
        }
        commands = {
            "console": [str(Path(sys.executable).with_name("vaxel")), "--server", url],
            "bare": [sys.executable, "-c", BARE_APP],
        }
        if against is not None:  # another checkout's console, in the same runs
            commands["against"] = [str(against / ".venv" / "bin" / "vaxel"), "--server", url]
        times: dict[str, list[float]] = {kind: [] for kind in commands}
        cpu: dict[str, list[float]] = {kind: [] for kind in commands}
        # Rows are sorted by name: the demo has 6 groups, so "Bench 006" comes first and
        # "Bench 024" is the 19th row, still on an 80x24 screen.
        for _ in range(runs):
            for kind, argv in commands.items():
                proc = spawn(argv, env)
                if kind == "bare":
                    t = proc.wait_for(lambda out: b"BARE-READY" in out, 30)
                else:
                    t = proc.wait_for(lambda out: b"Bench 006" in out and b"Bench 024" in out, 30)
                times[kind].append(t if t is not None else float("nan"))
                cpu[kind].append(cpu_ms(proc))
                proc.stop()
        result: dict = {"runs": runs, "loadavg": Path("/proc/loadavg").read_text().split()[:3]}
        for kind in commands:
            result[f"{kind}_ms"] = [round(x * 1000, 1) for x in times[kind]]
            result[f"{kind}_p50_ms"] = round(statistics.median(times[kind]) * 1000, 1)
            result[f"{kind}_cpu_p50_ms"] = round(statistics.median(cpu[kind]), 1)
        result["ratio_p50"] = round(result["console_p50_ms"] / result["bare_p50_ms"], 2)
        if against is not None:
            result["against"] = str(against)
            result["against_ratio_p50"] = round(result["against_p50_ms"] / result["bare_p50_ms"], 2)
        return result
    finally:
        backend.terminate()  # type: ignore[attr-defined]
        backend.wait()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", type=Path, default=None, help="another checkout (with its .venv) to measure in the same runs")
    args = parser.parse_args()
    result = measure(args.runs, args.against)
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "startup.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
