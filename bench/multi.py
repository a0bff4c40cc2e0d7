"""Two backend processes against one, on PostgreSQL: API p99 and event fan-out.

`python -m bench.multi [--seconds S] [--clients N]` (or `make bench ARGS=multi`).
Needs PostgreSQL (VAXEL_TEST_PG, default postgresql://postgres@127.0.0.1:5432/test).

For each layout (one `vaxel serve`; two on one database) on its own fresh,
demo-seeded database: N client threads, spread round-robin over the processes,
each alternate GET /response-groups/{id} and PATCH of the same group (with
If-Match; a 412 from another client's save is retried and counted), for S
seconds, while one SSE client per process reads /events. Latencies are per
request, on the client. Fan-out: from the PATCH's answer to the arrival of its
`group.updated` on each stream, split into the process that took the save and
the other one. The two layouts run one after the other in the same run; results
go to bench/results/multi.json. bench/README.md has the method and the figures.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests import storage
from tests.cluster_kit import EventLog, ServeProcess, token
from tests.server import RunningServer

RESULTS = Path(__file__).resolve().parent / "results" / "multi.json"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def seeded_database() -> tuple[str, str]:
    name = storage.new_name("bench")
    url = storage.create_database(name)
    RunningServer(url).start().stop()  # migrate and seed the demo organisation
    return name, url


def run_layout(processes: int, seconds: float, clients: int, workdir: Path) -> dict:
    name, url = seeded_database()
    procs = [ServeProcess(url, workdir, f"p{processes}-{i}") for i in range(processes)]
    try:
        urls = [p.url for p in procs]
        admin = token(urls[0], "admin")
        logs = [EventLog(u, admin).start() for u in urls]
        time.sleep(0.5)
        groups = [g["id"] for g in httpx.get(urls[0] + "/api/v1/response-groups", headers={"Authorization": f"Bearer {admin}"}).json()]
        lat: dict[str, list[float]] = {"get": [], "patch": []}
        saves: list[tuple[int, int, float, int]] = []  # (group, version, answered at, process index)
        conflicts = [0]
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def client(k: int) -> None:
            index = k % len(urls)
            group = groups[k % len(groups)]
            with httpx.Client(base_url=urls[index] + "/api/v1", headers={"Authorization": f"Bearer {admin}"}, timeout=30) as http:
                n = 0
                while time.monotonic() < stop:
                    t = time.perf_counter()
                    got = http.get(f"/response-groups/{group}")
                    lat["get"].append(time.perf_counter() - t)
                    n += 1
                    t = time.perf_counter()
                    saved = http.patch(
                        f"/response-groups/{group}",
                        json={"view": {"wait_warning_s": 30 + (n % 200)}},
                        headers={"If-Match": got.headers["etag"]},
                    )
                    lat["patch"].append(time.perf_counter() - t)
                    if saved.status_code == 412:
                        with lock:
                            conflicts[0] += 1
                        continue
                    saved.raise_for_status()
                    with lock:
                        saves.append((group, saved.json()["version"], time.monotonic(), index))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(1.0)
        for log in logs:
            log.stop()
        fan: dict[str, list[float]] = {"same": [], "other": []}
        missing = 0
        for p, log in enumerate(logs):
            arrivals = {
                (e[2]["group"]["id"], e[2]["group"]["version"]): e[3] for e in log.events if e[1] == "group.updated"
            }
            for group, version, answered, index in saves:
                at = arrivals.get((group, version))
                if at is None:
                    missing += 1
                    continue
                fan["same" if index == p else "other"].append(at - answered)
        ms = lambda xs, q: round(1000 * pct(xs, q), 2)  # noqa: E731
        return {
            "processes": processes,
            "requests": {op: len(v) for op, v in lat.items()},
            "throughput_per_s": round((len(lat["get"]) + len(lat["patch"])) / seconds, 1),
            "get_p50_ms": ms(lat["get"], 50),
            "get_p99_ms": ms(lat["get"], 99),
            "patch_p50_ms": ms(lat["patch"], 50),
            "patch_p99_ms": ms(lat["patch"], 99),
            "conflicts_412": conflicts[0],
            "fanout_same_p50_ms": ms(fan["same"], 50),
            "fanout_same_p99_ms": ms(fan["same"], 99),
            "fanout_other_p50_ms": ms(fan["other"], 50) if fan["other"] else None,
            "fanout_other_p99_ms": ms(fan["other"], 99) if fan["other"] else None,
            "fanout_missing": missing,
        }
    finally:
        for proc in procs:
            proc.stop()
        storage.drop_database(name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv or [])
    if reason := storage.pg_unreachable():
        print(f"skipped: {reason}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_layout(n, args.seconds, args.clients, Path(tmp)) for n in (1, 2)]
    one, two = results
    print(f"{'':24}{'one process':>14}{'two processes':>16}")
    for key in ("throughput_per_s", "get_p50_ms", "get_p99_ms", "patch_p50_ms", "patch_p99_ms", "conflicts_412",
                "fanout_same_p50_ms", "fanout_same_p99_ms", "fanout_other_p50_ms", "fanout_other_p99_ms", "fanout_missing"):
        print(f"{key:24}{one[key]!s:>14}{two[key]!s:>16}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "seconds": args.seconds, "clients": args.clients,
                                   "layouts": results, "p99_ratio_get": round(two["get_p99_ms"] / one["get_p99_ms"], 2),
                                   "p99_ratio_patch": round(two["patch_p99_ms"] / one["patch_p99_ms"], 2),
                                   "median_ratio_get": round(two["get_p50_ms"] / one["get_p50_ms"], 2)}, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
