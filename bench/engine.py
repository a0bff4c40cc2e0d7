"""Queue engine benchmark: routing decision latency and event throughput.

    .venv/bin/python -m bench.engine [--groups 1000 --agents 5000 --waiting 10000]

Method (bench/engine.md): one process, the pure engine on a fake clock, no
I/O; a listener that only counts events stands in for the event bus. The
world is 1,000 groups, 5,000 agents (each in one to three groups, so agents
are shared and priorities compete), every agent logged in and on a call, and
10,000 calls waiting (ten per group). Then, in steady state:

- decision latency: an agent's call ends and the engine picks, across the
  agent's groups, the next call to offer it (and reports everything that
  changed). Timed per operation around `Engine.call_ended`; the offered call
  is then answered and a new call arrives (not timed), so the queue stays at
  10,000. `best_call` alone — the decision without the bookkeeping — is timed
  too.
- throughput: a mixed stream of PBX events (call ends → next offer, answers,
  arrivals, hang-ups, rejects) applied back to back; events per second is PBX
  events applied, and engine events emitted per second is given beside it.
"""
from __future__ import annotations

import argparse
import gc
from collections import deque
import json
import platform
import random
import statistics
import time
from typing import Any

from backend.engine import routing
from backend.engine.clock import FakeClock
from backend.engine.core import Engine
from backend.engine.model import CallState, EngineEvent, GroupConfig
from backend.schemas.groups import Priority

T0 = 1_795_680_000.0


class Counter:
    def __init__(self) -> None:
        self.events = 0

    def __call__(self, events: list[EngineEvent]) -> None:
        self.events += len(events)


def build(groups: int, agents: int, waiting: int, seed: int) -> tuple[Engine, Counter, float]:
    rng = random.Random(seed)
    engine = Engine(FakeClock(T0))
    members: dict[int, set[int]] = {g: set() for g in range(1, groups + 1)}
    for agent_id in range(1, agents + 1):
        engine.upsert_agent(agent_id, f"Agent {agent_id}")
        home = (agent_id - 1) % groups + 1
        members[home].add(agent_id)
        for _ in range(rng.choice((0, 1, 2))):
            members[rng.randint(1, groups)].add(agent_id)
    priorities = [Priority.NONE] * 6 + [Priority.MEDIUM] * 3 + [Priority.HIGHEST]
    for group_id, agent_ids in members.items():
        engine.upsert_group(
            GroupConfig(id=group_id, name=f"G{group_id}", priority=rng.choice(priorities), agent_ids=frozenset(agent_ids))
        )
    now = T0
    for group_id, agent_ids in members.items():
        for agent_id in sorted(agent_ids):
            engine.agent_login(agent_id, group_id, at=now)
    # Every agent on a call: the first calls are offered at once; answer them.
    caller = 0
    while any(a.offered_call is None and not a.calls for a in engine.agents.values()):
        for group_id in members:
            now += 0.001
            caller += 1
            call = engine.call_arrived(group_id, f"+46{caller:09d}", at=now)
            if call.state is CallState.OFFERED:
                engine.agent_answered(call.agent_id, call.id, at=now)  # type: ignore[arg-type]
    # Then fill the queues to `waiting` calls in all.
    while sum(len(q) for q in engine.queues.values()) < waiting:
        now += 0.001
        caller += 1
        engine.call_arrived(rng.randint(1, groups), f"+46{caller:09d}", at=now)
    counter = Counter()
    engine.listeners.append(counter)
    return engine, counter, now


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def decision_latency(engine: Engine, now: float, ops: int, rng: random.Random) -> tuple[dict[str, float], float]:
    groups = list(engine.groups)
    connected = [c.id for c in engine.calls.values() if c.state is CallState.CONNECTED]
    rng.shuffle(connected)
    pool = deque(connected)
    end_times: list[float] = []
    decide_times: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(ops):
        now += 0.01
        call_id = pool.popleft()
        agent = engine.agents[engine.calls[call_id].agent_id]  # type: ignore[index]
        t0 = clock()
        engine.call_ended(call_id, at=now)
        end_times.append((clock() - t0) / 1e6)
        # The decision alone, for the same agent in the same state (now busy
        # with the offer, so it is asked as if free: the cost of choosing).
        offered = agent.offered_call
        agent.offered_call = None
        t0 = clock()
        routing.best_call(agent, engine.groups, engine.queues, engine.now, engine.medium_boost_s)
        decide_times.append((clock() - t0) / 1e6)
        agent.offered_call = offered
        # Keep the steady state: answer the offer, and a new caller arrives.
        if offered is not None:
            engine.agent_answered(agent.id, offered, at=now)
            pool.append(offered)
        engine.call_arrived(rng.choice(groups), "+46700000000", at=now)
    stats = {
        "call_ended_p50_ms": statistics.median(end_times),
        "call_ended_p99_ms": percentile(end_times, 99),
        "call_ended_max_ms": max(end_times),
        "best_call_p50_ms": statistics.median(decide_times),
        "best_call_p99_ms": percentile(decide_times, 99),
    }
    return stats, now


def throughput(engine: Engine, counter: Counter, now: float, ops: int, rng: random.Random) -> dict[str, float]:
    """A balanced mix, so the queues keep their size: in every ten steps four
    calls end, five calls arrive and one waiting caller hangs up; every offer
    the engine makes on the way is answered at once, or (one in twenty)
    rejected."""
    groups = list(engine.groups)
    connected = [c.id for c in engine.calls.values() if c.state is CallState.CONNECTED]
    waiting = [c.id for c in engine.calls.values() if c.state is CallState.QUEUED]

    def take(ids: list[int]) -> int:
        i = rng.randrange(len(ids))
        ids[i], ids[-1] = ids[-1], ids[i]
        return ids.pop()

    def settle(call_id: int | None) -> int:
        """Answer (or reject) the call while it rings; PBX events applied."""
        done = 0
        call = engine.calls.get(call_id) if call_id is not None else None
        while call is not None and call.state is CallState.OFFERED:
            if rng.random() < 0.95:
                engine.agent_answered(call.agent_id, call.id, at=now)  # type: ignore[arg-type]
                connected.append(call.id)
            else:
                engine.agent_rejected(call.agent_id, call.id, at=now)  # type: ignore[arg-type]
            done += 1
        return done

    applied = step = 0
    emitted = counter.events
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    while applied < ops:
        now += 0.002
        slot = step % 10
        step += 1
        if slot < 4 and connected:
            call_id = take(connected)
            agent = engine.agents[engine.calls[call_id].agent_id]  # type: ignore[index]
            engine.call_ended(call_id, at=now)
            applied += 1 + settle(agent.offered_call)
        elif slot < 9:
            call = engine.call_arrived(rng.choice(groups), "+46700000000", at=now)
            if call.state is CallState.QUEUED:
                waiting.append(call.id)
            applied += 1 + settle(call.id)
        else:
            while waiting:
                call = engine.calls.get(take(waiting))
                if call is not None and call.state is CallState.QUEUED:
                    engine.caller_hung_up(call.id, at=now)
                    applied += 1
                    break
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return {
        "pbx_events_per_s": applied / elapsed,
        "pbx_events_per_cpu_s": applied / cpu,
        "engine_events_per_s": (counter.events - emitted) / elapsed,
        "waiting_after": sum(len(q) for q in engine.queues.values()),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    rounds = []
    for r in range(args.repeat):
        rng = random.Random(args.seed + r)
        t0 = time.perf_counter()
        engine, counter, now = build(args.groups, args.agents, args.waiting, args.seed + r)
        setup_s = time.perf_counter() - t0
        gc.collect()
        if args.freeze:  # what a long-running server may do once its state is loaded
            gc.freeze()
        latency, now = decision_latency(engine, now, args.ops, rng)
        tput = throughput(engine, counter, now, args.ops, rng)
        rounds.append({"setup_s": setup_s, **latency, **tput})
        print(json.dumps({"round": r + 1, **{k: round(v, 4) for k, v in rounds[-1].items()}}), flush=True)
    medians = {k: round(statistics.median(r[k] for r in rounds), 4) for k in rounds[0]}
    return {
        "world": {"groups": args.groups, "agents": args.agents, "waiting": args.waiting, "ops": args.ops, "gc_freeze": args.freeze},
        "python": platform.python_version(),
        "machine": platform.machine(),
        "medians": medians,
        "targets": {"call_ended_p99_ms": "<= 1", "pbx_events_per_s": ">= 20000"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=5000)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--ops", type=int, default=20_000, help="operations per measurement")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() after building the world")
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
