"""Make the recorded day that tests/test_pbx_replay.py feeds through the API.

    .venv/bin/python -m tests.record_day        # rewrites tests/data/replay_day.json

Six office hours of one group (four agents, breaks included) from the seeded
traffic model, run on a bare engine: every PBX event with its time, to the
millisecond. The expected statistics are worked out twice: the service level
independently of the engine, from the recorded times alone (DESIGN.md's
formula), and the rest as the engine had them when the day was recorded.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from backend.simulator import GroupProfile, TrafficModel, run_day
from tests.enginekit import T0, World

PATH = Path(__file__).parent / "data" / "replay_day.json"
SEED = 20261126
HOURS = 6
AGENTS = 4
THRESHOLD_S, EARLY_S = 90, 10

#: The group's settings for the day (sent as a PATCH before the replay).
SETTINGS: dict[str, Any] = {
    "wrap_up": {"answered_s": None, "rejected_s": 15, "missed_s": 15},
    "service_level": {"threshold_s": THRESHOLD_S, "early_hangup_s": EARLY_S},
    "priority": "none",
    "call_waiting": False,
    "overflow": {"enabled": False},
    "queue_message": {"enabled": False},
    "callback": {"enabled": False},
    "input_collectors": [],
    "vip": {"return_failed_transfers": False},
    "conversation_intelligence": False,
}

PROFILE = GroupProfile(
    calls_per_hour=55, talk_median_s=170, patience_mean_s=110, transfer_fail_p=0.0, callback_accept_p=0.0
)


def record(seed: int = SEED) -> dict[str, Any]:
    w = World()
    w.group(1, agents=tuple(range(1, AGENTS + 1)))
    events: list[dict[str, Any]] = []
    for slot in range(1, AGENTS + 1):
        w.engine.agent_login(slot, 1, at=T0 + slot - 1)
        events.append({"t": float(slot - 1), "op": "login", "agent_id": slot, "group_ids": [1]})

    def on_action(at: float, event: dict[str, Any]) -> None:
        events.append({"t": round(at - T0, 3), **event})

    model = TrafficModel(seed=seed, profiles={1: PROFILE})
    run_day(w.engine, model, T0 + 10, T0 + HOURS * 3600, on_action=on_action, quantum=0.001)
    end = w.engine.now
    outcomes = Counter(e.payload["outcome"] for e in w.kinds("call.ended"))
    return {
        "about": "One group, four agents, six office hours from 09:00 Stockholm; times are seconds after start.",
        "seed": seed,
        "start": T0,
        "settings": SETTINGS,
        "events": events,
        "expected": {
            "sl": oracle(events, end),
            "sl_engine": w.engine.sl_today(1).model_dump(),
            "outcomes": dict(sorted(outcomes.items())),
            "handled": {str(a.id): a.handled_today for a in sorted(w.engine.agents.values(), key=lambda a: a.id)},
            # As of the last event (the replay's engine stops there; this one
            # went on to the end of the sixth hour).
            "flow": {**w.engine.flow(1), "arrivals_this_hour": arrivals_in_last_hour(events)},
            "still_waiting": len(w.engine.waiting_calls(1)),
            "end_t": round(end - T0, 3),
        },
    }


def arrivals_in_last_hour(events: list[dict[str, Any]]) -> int:
    hour = events[-1]["t"] // 3600
    return sum(1 for e in events if e["op"] == "arrive" and e["t"] // 3600 == hour)


def oracle(events: list[dict[str, Any]], end: float) -> dict[str, Any]:
    """The service level from the recorded times only (no engine): per hour and in all.

    With no input collectors, overflow or callbacks, a call waits from its
    arrival to its first answer, or to the caller hanging up unanswered.
    """
    arrived: dict[int, float] = {}
    counted: set[int] = set()
    hours = [[0, 0, 0, 0] for _ in range(HOURS)]  # within, answered, abandoned, early
    for e in events:
        if e["op"] == "arrive":
            arrived[e["call_id"]] = e["t"]
        elif e["op"] in ("answer", "hangup") and e["call_id"] not in counted:
            counted.add(e["call_id"])
            wait = round(e["t"] - arrived[e["call_id"]], 3)
            row = hours[int(e["t"] // 3600)]
            if e["op"] == "answer":
                row[0] += wait <= THRESHOLD_S
                row[1] += 1
            else:
                row[2] += 1
                row[3] += wait <= EARLY_S
    keys = ("answered_within", "answered", "abandoned", "early_hangups")
    total = [sum(h[i] for h in hours) for i in range(4)]
    return {"total": dict(zip(keys, total, strict=True)), "by_hour": [dict(zip(keys, h, strict=True)) for h in hours]}


if __name__ == "__main__":
    PATH.parent.mkdir(exist_ok=True)
    day = record()
    # One event a line, so that a change to the recording reads as a diff.
    head = {k: v for k, v in day.items() if k != "events"}
    lines = ",\n".join(json.dumps(e, ensure_ascii=False) for e in day["events"])
    body = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    PATH.write_text(f'{body},\n "events": [\n{lines}\n]\n}}\n')
    print(f"{len(day['events'])} events written to {PATH}; expected {day['expected']}")
