"""Opening a group → its first painted frame, lazy sections vs every section built (issue 3).

Method: a backend (`vaxel serve --demo`) runs already. Each run starts
`vaxel --server URL` in an 80x24 pty (token in VAXEL_TOKEN), waits until the
overview is painted and quiet, then presses Enter on the first group
(Fakturering) and times from that keypress until the terminal has received the
group screen's first frame with the group loaded: its header line
("Fakturering · +468…") and §5's status text ("calls waiting."). The same is
measured, alternating run by run, for a naive group screen that opens, and so
builds, every section's body (`GroupScreen.OPEN_SECTIONS` set to all 20).
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.pty_run import spawn
from bench.startup import start_backend

#: The console with every section open: the naive form the lazy one is measured against.
NAIVE = """
import sys
import screens.group as group
from tui.sections import SECTIONS
group.GroupScreen.OPEN_SECTIONS = tuple(s.id for s in SECTIONS)
from tui.cli import main
sys.argv = ["vaxel", *sys.argv[1:]]
sys.exit(main())
"""
LAZY = NAIVE.replace("group.GroupScreen.OPEN_SECTIONS = tuple(s.id for s in SECTIONS)", "")


def one_run(code: str, url: str, env: dict[str, str]) -> float:
    proc = spawn([sys.executable, "-c", code, "--server", url], env)
    try:
        if proc.wait_for(lambda out: b"Fakturering" in out and b"Jour" in out, 30) is None:
            raise RuntimeError("the overview never painted:\n" + proc.output.decode(errors="replace")[-2000:])
        proc.drain(0.5)  # let the overview settle (live figures, stream connected)
        seen = len(proc.output)
        pressed = time.monotonic()
        proc.write(b"\r")

        def loaded(out: bytes) -> bool:
            new = out[seen:]
            return b"Fakturering \xc2\xb7 +468" in new and b"calls waiting." in new

        if proc.wait_for(loaded, 30) is None:
            raise RuntimeError("the group never painted:\n" + proc.output.decode(errors="replace")[-2000:])
        return proc.trace[-1][0] - pressed
    finally:
        proc.stop()


def measure(runs: int = 21) -> dict:
    home = Path(tempfile.mkdtemp(prefix="vaxel-bench-"))
    backend, url = start_backend(home)
    try:
        token = httpx.post(f"{url}/api/v1/auth/token", json={"username": "admin", "password": "admin"}).json()["access_token"]
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "LANG": "en_US.UTF-8",
            "VAXEL_LANG": "en",
            "VAXEL_TOKEN": token,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_DATA_HOME": str(home / "console-data"),
        }
        times: dict[str, list[float]] = {"lazy": [], "naive": []}
        for _ in range(runs):
            for kind, code in (("lazy", LAZY), ("naive", NAIVE)):
                times[kind].append(one_run(code, url, env))
        result = {
            "runs": runs,
            "lazy_ms": [round(x * 1000, 1) for x in times["lazy"]],
            "naive_ms": [round(x * 1000, 1) for x in times["naive"]],
            "lazy_p50_ms": round(statistics.median(times["lazy"]) * 1000, 1),
            "naive_p50_ms": round(statistics.median(times["naive"]) * 1000, 1),
            "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
        result["ratio_p50"] = round(result["lazy_p50_ms"] / result["naive_p50_ms"], 2)
        return result
    finally:
        backend.terminate()  # type: ignore[attr-defined]
        backend.wait()  # type: ignore[attr-defined]


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "21"))
    result = measure(runs)
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("_ms") or "p50" in k}, indent=2))
    out = Path(__file__).parent / "results" / "group_open.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
