"""Run benchmarks: `python -m bench.run [NAME ...]` (default: all). See bench/README.md."""
from __future__ import annotations

import importlib
import sys

BENCHES = ["startup", "engine", "live", "reads", "load", "opening_hours", "schedule_form", "multi", "group_open", "shutdown"]


def main(argv: list[str]) -> int:
    names = argv or BENCHES
    for name in names:
        if name not in BENCHES:
            print(f"unknown benchmark {name!r}; have: {', '.join(BENCHES)}", file=sys.stderr)
            return 2
        print(f"== {name}", flush=True)
        sys.argv = [f"bench.{name}"]  # each parses its own options; here, the defaults
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
