"""The traffic simulator: callers and agents for the demo, through the engine's API.

`TrafficModel` decides what callers and agents do — seeded, so the same seed
and the same engine give the same day. Per group: a call volume that follows
the hour of day (each group its own profile, with slow surges on top, so
queues build, overflow and drain), log-normal talk times, answer / reject /
miss probabilities, exponential caller patience, digits for the input
collectors (sometimes wrong, sometimes none), callers accepting callbacks and
leaving voicemail, callbacks that do not reach the caller, direct transfers
that fail, and agents taking breaks. Every action is one of the PBX API's
events, applied with the same engine operations, so whatever the simulator
does a real PBX could do.

Two drivers: `Simulator` runs the model live in the server on the event loop;
`run_day` runs it on a bare engine in simulated time (no waiting), which is
how a reproducible "recorded day" of PBX events is made (tests/record_day.py).
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.engine.core import Engine
from backend.engine.model import CallState, EngineError, EngineEvent
from backend.engine.service import EngineService

log = logging.getLogger(__name__)

# Relative call volume by local hour: office hours, a lunch dip, quiet nights.
OFFICE = (0.05, 0.03, 0.03, 0.03, 0.05, 0.1, 0.25, 0.6, 1.0, 1.0, 0.9, 0.8, 0.6, 0.85, 0.95, 0.9, 0.7, 0.45, 0.3, 0.25, 0.2, 0.15, 0.1, 0.07)
# An on-call line: busiest in the evening and at night.
ON_CALL = (0.6, 0.5, 0.4, 0.3, 0.3, 0.3, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6, 0.8, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6)


@dataclass(frozen=True)
class GroupProfile:
    """How one group's callers and agents behave."""

    calls_per_hour: float = 40.0  # at the busiest hour, before surges
    hourly: tuple[float, ...] = OFFICE
    talk_median_s: float = 150.0
    talk_sigma: float = 0.6
    patience_mean_s: float = 150.0  # how long callers wait before giving up
    answer_p: float = 0.9  # of offers: answered; then rejected; the rest ring out (missed)
    reject_p: float = 0.05
    transfer_fail_p: float = 0.04  # of answered calls: the agent's direct transfer fails
    callback_accept_p: float = 0.5
    callback_reach_p: float = 0.7  # a callback attempt reaches the caller
    voicemail_leave_p: float = 0.7
    digits_ok_p: float = 0.85  # keys a valid value; then a wrong one; the rest let it time out
    digits_wrong_p: float = 0.1


def default_profile(group_id: int, seed: int, staff: float = 3.0) -> GroupProfile:
    """Each group its own, from the seed: talk times, patience, and a volume that
    keeps its `staff` (agents, shared ones counted in part) 65–90 % busy at the
    busiest hour — so surges build queues and the troughs drain them."""
    rng = random.Random(seed * 7919 + group_id)
    talk = rng.uniform(90, 240)
    capacity = max(staff, 0.5) * 3600 / (talk + 15)
    return GroupProfile(
        calls_per_hour=capacity * rng.uniform(0.65, 0.9),
        hourly=ON_CALL if rng.random() < 0.15 else OFFICE,
        talk_median_s=talk,
        patience_mean_s=rng.uniform(90, 240),
        answer_p=rng.uniform(0.85, 0.95),
    )


# An action: (delay in seconds, operation, arguments). `perform` applies it.
Action = tuple[float, str, tuple[Any, ...]]


class TrafficModel:
    def __init__(
        self,
        *,
        seed: int = 1,
        tz: str = "Europe/Stockholm",
        rate: float = 1.0,
        floor: float = 0.0,
        profiles: dict[int, GroupProfile] | None = None,
        breaks: bool = True,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(tz)
        self.rate = rate  # multiplies every group's call volume
        self.floor = floor  # least relative volume (the demo is lively at night too)
        self.profiles = dict(profiles or {})
        self.breaks = breaks
        self._callers = itertools.count(1)
        self._planned: list[Action] = []  # actions `perform` planned (breaks)

    def profile(self, group_id: int) -> GroupProfile:
        if group_id not in self.profiles:
            self.profiles[group_id] = default_profile(group_id, self.seed)
        return self.profiles[group_id]

    def fit(self, engine: Engine) -> None:
        """Give each group without a profile one that suits its staff."""
        serves: dict[int, int] = {}
        for group in engine.groups.values():
            for agent_id in group.agent_ids:
                serves[agent_id] = serves.get(agent_id, 0) + 1
        for group_id in sorted(engine.groups):
            if group_id not in self.profiles:
                staff = sum(1 / serves[a] for a in engine.groups[group_id].agent_ids)
                self.profiles[group_id] = default_profile(group_id, self.seed, staff)

    # ------------------------------------------------------------------ arrivals

    def rate_per_s(self, group_id: int, now: float) -> float:
        p = self.profile(group_id)
        hour = datetime.fromtimestamp(now, self.tz).hour
        level = max(p.hourly[hour], self.floor)
        # A slow surge per group (period 7–13 minutes) so queues build and drain.
        phase = (group_id * 1.7) % (2 * math.pi)
        period = 420 + 60 * (group_id % 5)
        surge = 1.0 + 0.8 * math.sin(2 * math.pi * now / period + phase)
        return p.calls_per_hour / 3600.0 * level * surge * self.rate

    def next_arrival(self, group_id: int, now: float) -> Action:
        rate = max(self.rate_per_s(group_id, now), 1e-5)
        caller = "+467" + f"{(next(self._callers) * 7919 + self.rng.randrange(10**6)) % 10**8:08d}"
        return (self.rng.expovariate(rate), "arrive", (group_id, caller))

    def agent_breaks(self, agent_ids: Iterable[int]) -> list[Action]:
        """Each agent's first break; the next is planned when it ends."""
        if not self.breaks:
            return []
        return [(self.rng.uniform(600, 3600), "break", (agent_id,)) for agent_id in sorted(agent_ids)]

    # ------------------------------------------------------------------ reactions

    def react(self, event: EngineEvent, engine: Engine) -> list[Action]:
        """What callers and agents do next, given what the engine just did."""
        kind, data, rng = event.kind, event.payload, self.rng
        group_id = event.group_id
        p = self.profile(group_id) if group_id is not None else GroupProfile()
        if kind == "call.enqueued" and not data["call"]["callback"]:
            return [(rng.expovariate(1 / p.patience_mean_s), "give_up", (data["call"]["id"],))]
        if kind == "call.offered":
            call_id, agent_id = data["call_id"], data["agent_id"]
            if data["callback"]:
                if rng.random() < p.callback_reach_p:
                    return [(rng.uniform(10, 25), "answer", (agent_id, call_id))]
                return [(rng.uniform(15, 40), "callback_failed", (agent_id, call_id))]
            roll = rng.random()
            if roll < p.answer_p:
                return [(rng.uniform(2, 8), "answer", (agent_id, call_id))]
            if roll < p.answer_p + p.reject_p:
                return [(rng.uniform(1, 4), "reject", (agent_id, call_id))]
            return []  # rings until the engine's ring timeout: missed
        if kind == "call.answered":
            talk = rng.lognormvariate(math.log(p.talk_median_s), p.talk_sigma)
            if rng.random() < p.transfer_fail_p:
                return [(talk * 0.5, "transfer_failed", (data["call_id"],))]
            return [(talk, "end", (data["call_id"],))]
        if kind == "call.transfer_failed" and not data["returned"]:
            # The caller stays with the agent, who finishes the call.
            return [(rng.lognormvariate(math.log(p.talk_median_s / 2), p.talk_sigma), "end", (data["call_id"],))]
        if kind == "call.collecting":
            roll = rng.random()
            if roll < p.digits_ok_p:
                length = rng.randint(data["digits_min"], data["digits_max"])
                digits = "".join(str(rng.randrange(10)) for _ in range(length))
                end = data["end_key"] if data["end_key"] != "none" else ""
                return [(rng.uniform(2, min(8, data["timeout_s"])), "digits", (data["call_id"], digits + end))]
            if roll < p.digits_ok_p + p.digits_wrong_p:
                return [(rng.uniform(1, 4), "digits", (data["call_id"], "0" * (data["digits_max"] + 1)))]
            return []  # says nothing: the collector times out
        if kind == "call.callback_offered" and rng.random() < p.callback_accept_p:
            return [(rng.uniform(2, 6), "callback", (data["call_id"],))]
        if kind == "call.voicemail_started":
            if rng.random() < p.voicemail_leave_p:
                duration = round(rng.lognormvariate(math.log(25), 0.5), 1)
                return [(duration, "voicemail", (data["call_id"], duration))]
            return [(rng.uniform(2, 10), "hang_up", (data["call_id"],))]
        return []

    # ------------------------------------------------------------------ applying

    def perform(self, engine: Engine, op: str, args: tuple[Any, ...], at: float | None) -> dict[str, Any] | None:
        """Apply one action if it still fits (the caller may have hung up since);
        return it as the PBX event it is, or None when it no longer applied."""
        calls = engine.calls
        if op == "arrive":
            group_id, caller = args
            if group_id not in engine.groups:
                return None
            call = engine.call_arrived(group_id, caller, at=at)
            return {"op": "arrive", "group_id": group_id, "caller": caller, "call_id": call.id}
        if op == "break":
            return self._break(engine, args[0], at)
        if op == "back":
            agent_id, group_ids = args
            agent = engine.agents.get(agent_id)
            back = [g for g in group_ids if g in engine.groups and agent_id in engine.groups[g].agent_ids]
            if agent is None or not back:
                return None
            for group_id in back:
                engine.agent_login(agent_id, group_id, at=at)
            return {"op": "login", "agent_id": agent_id, "group_ids": back}
        call = calls.get(args[1] if op in ("answer", "reject", "callback_failed") else args[0])
        if call is None:
            return None
        if op == "give_up" and call.on_line:
            engine.caller_hung_up(call.id, at=at)
            return {"op": "hangup", "call_id": call.id}
        if op == "hang_up" and call.state is CallState.VOICEMAIL:
            engine.caller_hung_up(call.id, at=at)
            return {"op": "hangup", "call_id": call.id}
        if op in ("answer", "reject", "callback_failed") and call.state is CallState.OFFERED and call.agent_id == args[0]:
            getattr(engine, {"answer": "agent_answered", "reject": "agent_rejected", "callback_failed": "callback_failed"}[op])(
                args[0], call.id, at=at
            )
            return {"op": op, "agent_id": args[0], "call_id": call.id}
        if op == "end" and call.state is CallState.CONNECTED:
            engine.call_ended(call.id, at=at)
            return {"op": "end", "call_id": call.id}
        if op == "transfer_failed" and call.state is CallState.CONNECTED:
            engine.transfer_failed(call.id, at=at)
            return {"op": "transfer_failed", "call_id": call.id}
        if op == "digits" and call.state is CallState.COLLECTING:
            engine.digits_entered(call.id, args[1], at=at)
            return {"op": "digits", "call_id": call.id, "digits": args[1]}
        if op == "callback" and call.state is CallState.QUEUED and not call.callback:
            engine.callback_requested(call.id, at=at)
            return {"op": "callback", "call_id": call.id}
        if op == "voicemail" and call.state is CallState.VOICEMAIL:
            engine.voicemail_left(call.id, args[1], at=at)
            return {"op": "voicemail", "call_id": call.id, "duration_s": args[1]}
        return None

    def _break(self, engine: Engine, agent_id: int, at: float | None) -> dict[str, Any] | None:
        agent = engine.agents.get(agent_id)
        if agent is None or not agent.logged_in or agent.calls or agent.offered_call is not None:
            self._planned.append((self.rng.uniform(120, 600), "break", (agent_id,)))  # busy: later
            return None
        groups = sorted(agent.logged_in)
        engine.agent_logout(agent_id, None, at=at)
        self._planned.append((self.rng.uniform(300, 900), "back", (agent_id, tuple(groups))))
        self._planned.append((self.rng.uniform(1800, 5400), "break", (agent_id,)))
        return {"op": "logout", "agent_id": agent_id}

    def take_planned(self) -> list[Action]:
        """Actions `perform` planned for later (breaks), to be scheduled by the driver."""
        planned, self._planned = self._planned, []
        return planned


class Simulator:
    """The model, live: timers on the server's event loop, the clock's time."""

    def __init__(
        self,
        service: EngineService,
        *,
        seed: int = 1,
        speed: float = 1.0,
        tz: str = "Europe/Stockholm",
        demo_floor: float = 0.5,
    ) -> None:
        self.service = service
        # The demo should be lively whenever it is opened, even at night.
        self.model = TrafficModel(seed=seed, tz=tz, rate=speed, floor=demo_floor)
        self._handles: set[asyncio.TimerHandle] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        engine = self.service.require()
        self.model.fit(engine)
        engine.listeners.append(self._on_events)
        now = self.service.clock.now()
        for group_id in sorted(engine.groups):
            self._schedule(self.model.next_arrival(group_id, now))
        agents = {a for g in engine.groups.values() for a in g.agent_ids}
        for action in self.model.agent_breaks(agents):
            self._schedule(action)

    def stop(self) -> None:
        engine = self.service.engine
        if engine and self._on_events in engine.listeners:
            engine.listeners.remove(self._on_events)
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()

    def _schedule(self, action: Action) -> None:
        assert self._loop is not None
        delay, op, args = action
        handle: asyncio.TimerHandle | None = None

        def run() -> None:
            self._handles.discard(handle)  # type: ignore[arg-type]
            self._run(op, args)

        handle = self._loop.call_later(max(0.0, delay), run)
        self._handles.add(handle)

    def _run(self, op: str, args: tuple[Any, ...]) -> None:
        engine = self.service.require()
        try:
            self.model.perform(engine, op, args, None)
        except EngineError:
            pass  # the call moved on meanwhile: nothing to do
        except Exception:  # noqa: BLE001 - the demo must keep running
            log.exception("simulator step failed")
        if op == "arrive" and args[0] in engine.groups:
            self._schedule(self.model.next_arrival(args[0], self.service.clock.now()))
        for action in self.model.take_planned():
            self._schedule(action)

    def _on_events(self, events: list[EngineEvent]) -> None:
        engine = self.service.require()
        for event in events:
            for action in self.model.react(event, engine):
                self._schedule(action)


def run_day(
    engine: Engine,
    model: TrafficModel,
    start: float,
    end: float,
    *,
    on_action: Callable[[float, dict[str, Any]], None] | None = None,
    quantum: float | None = None,
) -> None:
    """Run the model on a bare engine from `start` to `end` in simulated time.

    Every action is applied with its exact time (rounded to `quantum` seconds
    when given, so that it survives being written down); `on_action(at, event)`
    sees each PBX event as it is applied (the recorder writes them down).
    """
    queue: list[tuple[float, int, str, tuple[Any, ...]]] = []
    seq = itertools.count()

    def plan(at: float, action: Action) -> None:
        delay, op, args = action
        heapq.heappush(queue, (at + delay, next(seq), op, args))

    def listen(events: list[EngineEvent]) -> None:
        for event in events:
            for action in model.react(event, engine):
                plan(event.at, action)

    model.fit(engine)
    engine.listeners.append(listen)
    try:
        for group_id in sorted(engine.groups):
            plan(start, model.next_arrival(group_id, start))
        for action in model.agent_breaks({a for g in engine.groups.values() for a in g.agent_ids}):
            plan(start, action)
        while queue and queue[0][0] < end:
            at, _, op, args = heapq.heappop(queue)
            if quantum:  # whole quanta after `start`, as a recording writes them
                at = max(engine.now, start + round((at - start) / quantum) * quantum)
            try:
                done = model.perform(engine, op, args, at)
            except EngineError:
                done = None
            if done is not None and on_action is not None:
                on_action(at, done)
            if op == "arrive":
                plan(at, model.next_arrival(args[0], at))
            for action in model.take_planned():
                plan(at, action)
        engine.advance(end)
    finally:
        engine.listeners.remove(listen)
