"""A group's settings GET under 32 concurrent clients, beside a static ceiling (issue 6).

Method: one backend process (uvicorn, one worker, uvloop + httptools, the real
app with its middleware, a SQLite file with the demo data, simulator off),
started by this script. The same app also serves `/bench/static`: a fixed
JSON body from a bare Starlette route (no auth, no database) — the ceiling for
any route on this server setup. bench/hammer.py drives 32 keep-alive
connections from 2 client processes (closed loop). Rounds alternate: ceiling,
group GET, group GET with If-None-Match (304); each round 5 s after 1 s of
warm-up; the median round is reported. The bearer token is sent on every
request, so authentication is part of each group GET.

Target (reference machine): ≥ 8,000 req/s and p99 ≤ 5 ms for the group GET.
"""
from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.hammer import hammer
from bench.serve_app import start_server

RESULTS = Path(__file__).parent / "results"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))

def measure(url: str) -> dict:
    token = httpx.post(f"{url}/api/v1/auth/token", json={"username": "admin", "password": "admin"}).json()["access_token"]
    auth = f"Authorization: Bearer {token}"
    first = httpx.get(f"{url}/api/v1/response-groups/1", headers={"Authorization": f"Bearer {token}"})
    first.raise_for_status()
    etag = first.headers["etag"]
    kinds = {
        "ceiling": ("/bench/static", []),
        "raw_asgi": ("/bench/raw", []),
        "group_get": ("/api/v1/response-groups/1", [auth]),
        "group_304": ("/api/v1/response-groups/1", [auth, f"If-None-Match: {etag}"]),
    }
    rounds: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(ROUNDS):
        for kind, (path, headers) in kinds.items():
            rounds[kind].append(hammer(url, path, seconds=SECONDS, connections=32, processes=2, headers=headers))
    summary = {}
    for kind, runs in rounds.items():
        summary[kind] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "statuses": runs[-1]["statuses"],
            "rounds": [{k: r[k] for k in ("rps", "p50_ms", "p99_ms")} for r in runs],
        }
    summary["ratio_to_ceiling"] = summary["group_get"]["rps"] / summary["ceiling"]["rps"]
    summary["ratio_to_raw"] = summary["group_get"]["rps"] / summary["raw_asgi"]["rps"]
    summary["body_bytes"] = len(first.content)
    return summary


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_server(Path(tmp), "reads")
        try:
            summary = measure(url)
        finally:
            process.terminate()
            process.wait(10)
    summary["when"] = time.strftime("%Y-%m-%d %H:%M")
    summary["load_before"] = os.getloadavg()[0]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reads.json").write_text(json.dumps(summary, indent=2))
    for kind in ("raw_asgi", "ceiling", "group_get", "group_304"):
        s = summary[kind]
        print(f"{kind:10} {s['rps']:8.0f} req/s  p50 {s['p50_ms']:.2f} ms  p99 {s['p99_ms']:.2f} ms  {s['statuses']}")
    print(f"group GET / ceiling: {summary['ratio_to_ceiling']:.2f}; / raw ASGI: {summary['ratio_to_raw']:.2f}")


if __name__ == "__main__":
    main()
