"""The routing engine. Synchronous, deterministic, and free of I/O.

Every public operation takes an optional `at` (seconds since the epoch): timers
that fall due before `at` fire first, in order, so a recorded day replays
exactly. Without `at`, the clock's time is used. Events produced by one
operation reach the listeners together, at its end, with one `group.stats`
event per group whose figures changed.

This file holds the engine's state, its clockwork, its configuration and the
PBX events of callers and agents. Mixins hold the rest, each along one seam:
`flows.CallFlows` the call path the settings describe (closed, collectors,
queue, overflow), `detours.Detours` its side paths (callback, voicemail, VIP
returns), `offers.Offers` offering
calls to agents (the rules themselves are in `routing`), `reports.Reports`
the figures and events it reports (the counting is in `stats`).
docs/engine.md describes it all, with the events.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import tzinfo
from zoneinfo import ZoneInfo

from backend.engine import routing
from backend.engine.clock import Clock
from backend.engine.edges import FakeTranscriber, Transcriber
from backend.engine.detours import Detours
from backend.engine.flows import CallFlows
from backend.engine.model import (
    CALL_COLLECTING,
    CALL_CONNECTED,
    CALL_ENDED,
    CALL_OFFERED,
    CALL_VOICEMAIL,
    IN_QUEUE,
    OUTCOME_ABANDONED,
    OUTCOME_ANSWERED,
    OUTCOME_CALLBACK_FAILED,
    Agent,
    Call,
    CallState,
    EngineError,
    EngineEvent,
    GroupConfig,
    Outcome,
    iso,
)
from backend.engine.offers import Offers
from backend.engine.reports import Reports
from backend.engine.routing import GroupQueue
from backend.engine.stats import GroupStats, LocalCalendar
from backend.engine.timers import Timers

Listener = Callable[[list[EngineEvent]], None]


class Engine(CallFlows, Detours, Offers, Reports):
    def __init__(
        self,
        clock: Clock,
        *,
        tz: tzinfo = ZoneInfo("Europe/Stockholm"),
        medium_boost_s: float = 60.0,
        ring_timeout_s: float = 30.0,
        callback_ring_timeout_s: float = 60.0,
        voicemail_max_s: float = 300.0,
        first_call_id: int = 1,
        is_open_by_schedule: Callable[[int, float], bool] | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.clock = clock
        self.tz = tz
        self.medium_boost_s = medium_boost_s
        self.ring_timeout_s = ring_timeout_s
        # A callback rings the agent, then the caller: it may ring longer.
        self.callback_ring_timeout_s = callback_ring_timeout_s
        self.voicemail_max_s = voicemail_max_s
        self.is_open_by_schedule = is_open_by_schedule or (lambda _gid, _at: True)
        self.transcriber: Transcriber = transcriber or FakeTranscriber()
        self._call_ids = itertools.count(first_call_id)
        self.now = clock.now()
        self.calendar = LocalCalendar(tz)

        self.groups: dict[int, GroupConfig] = {}
        self.agents: dict[int, Agent] = {}
        self.calls: dict[int, Call] = {}  # calls not yet ended
        self.queues: dict[int, GroupQueue] = {}
        self.stats: dict[int, GroupStats] = {}
        self._agent_groups: dict[int, set[int]] = {}  # agent -> groups that include it
        self._agent_counts: dict[int, list[int]] = {}  # group -> agents in each state (STATE_INDEX)
        self._last_stats: dict[int, dict] = {}  # group -> the figures its last group.stats carried

        self.timers = Timers()
        self._outbox: list[EngineEvent] = []
        self._dirty_groups: set[int] = set()
        self._dirty_agents: set[int] = set()
        self.listeners: list[Listener] = []
        self.timers.schedule(self.calendar.next_hour(self.now), "hour", 0)

    # ------------------------------------------------------------------ config

    def upsert_group(self, config: GroupConfig) -> None:
        old = self.groups.get(config.id)
        self.groups[config.id] = config
        self.queues.setdefault(config.id, GroupQueue())
        if config.id not in self.stats:
            self.stats[config.id] = GroupStats()
            self.stats[config.id].roll(*self.calendar.marks(self.now))
        for agent_id in old.agent_ids if old else ():
            self._agent_groups.get(agent_id, set()).discard(config.id)
        for agent_id in config.agent_ids:
            self._agent_groups.setdefault(agent_id, set()).add(config.id)
        if old:
            for agent_id in old.agent_ids - config.agent_ids:
                agent = self.agents.get(agent_id)
                if agent:
                    agent.counted.pop(config.id, None)
                    if config.id in agent.logged_in:
                        agent.logged_in.discard(config.id)
                        self._dirty_agents.add(agent_id)
            # Timers follow the new settings (a shorter max wait, messages on…).
            for call in list(self.queues[config.id].calls.values()):
                self._schedule_queue_timers(call, config)
        self._recount_group(config)
        self._dirty_groups.add(config.id)
        self._last_stats.pop(config.id, None)  # a settings change is always followed by figures
        self._dispatch_group(config.id)
        self._flush()

    def remove_group(self, group_id: int) -> None:
        """The group is deleted: its calls that are not connected end, uncounted."""
        config = self.groups.pop(group_id, None)
        if config is None:
            return
        for call in [c for c in self.calls.values() if c.group_id == group_id and c.state is not CALL_CONNECTED]:
            if call.state is CALL_OFFERED:
                self._release_offer(call)
            self._end_call(call, OUTCOME_ABANDONED, count=False)
        self.queues.pop(group_id, None)
        self.stats.pop(group_id, None)
        self._agent_counts.pop(group_id, None)
        self._last_stats.pop(group_id, None)
        for agent_id in config.agent_ids:
            self._agent_groups.get(agent_id, set()).discard(group_id)
            agent = self.agents.get(agent_id)
            if agent:
                agent.logged_in.discard(group_id)
                agent.counted.pop(group_id, None)
                self._dirty_agents.add(agent_id)
        self._flush()

    def upsert_agent(self, agent_id: int, name: str, org_id: int = 1) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = Agent(id=agent_id, name=name, org_id=org_id, since=self.now, idle_since=self.now)
            self.agents[agent_id] = agent
        agent.name = name
        return agent

    # ------------------------------------------------------------------ time

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    def advance(self, at: float | None = None) -> None:
        """Fire every timer due up to `at` (default: the clock's time)."""
        self._move_to(at)
        self._flush()

    def _move_to(self, at: float | None) -> float:
        target = self.clock.now() if at is None else at
        if target < self.now:
            target = self.now  # never backwards: late events are applied now
        heap = self.timers.heap  # (`next_deadline`, inline: this runs for every event)
        if heap and heap[0][0] <= target:
            self._fire_until(target)
        self.now = target
        return target

    def _fire_until(self, target: float) -> None:
        while (due := self.timers.pop_due(target)) is not None:
            when, kind, ref = due
            self.now = max(self.now, when)
            self._fire(kind, ref, when)

    def _set_timer(self, call: Call, kind: str, at: float) -> None:
        call.timers[kind] = at
        self.timers.schedule(at, kind, call.id)

    def _fire(self, kind: str, ref: int, when: float) -> None:
        if kind == "wrap_up_end":
            agent = self.agents.get(ref)
            if agent and agent.wrap_up_until is not None and agent.wrap_up_until <= when:
                agent.wrap_up_until = None
                agent.idle_since = when
                self._dirty_agents.add(agent.id)
                self._dispatch_agent(agent)
            return
        if kind == "hour":
            self._hour_tick(when)
            return
        if kind == "sl_expire":
            stats = self.stats.get(ref)
            if stats is not None and stats.expire_at == when:
                stats.expire_at = None
                stats.prune(when)
                self._dirty_groups.add(ref)
                self._watch_expiry(ref, stats)
            return
        call = self.calls.get(ref)
        if call is None or call.timers.get(kind) != when:
            return  # stale: the call moved on
        del call.timers[kind]
        self._fire_call_timer(kind, call, when)

    # ------------------------------------------------------------- PBX events

    def call_arrived(
        self, group_id: int, caller: str, at: float | None = None, *, returned_transfer: bool = False
    ) -> Call:
        """A call arrived at the group's number (`returned_transfer`: a direct transfer
        to someone failed and the PBX hands the caller to this group)."""
        now = self._move_to(at)
        group = self.groups.get(group_id)
        if group is None:
            raise EngineError("unknown_group", f"no response group {group_id}")
        call = self._new_call(group, caller, now)
        self._arrive(call, group, returned_transfer=returned_transfer)
        self._flush()
        return call

    def caller_hung_up(self, call_id: int, at: float | None = None) -> Call:
        self._move_to(at)
        call = self._live_call(call_id)
        if call.callback and call.state in IN_QUEUE:
            raise EngineError("not_on_line", f"the caller of call {call_id} left the line for a callback")
        if call.state is CALL_CONNECTED:
            self._finish_connected(call)
        elif call.state is CALL_OFFERED:
            agent = self._release_offer(call)
            self._end_call(call, OUTCOME_ABANDONED)
            if agent is not None:
                self._dispatch_agent(agent)
        elif call.state is CALL_VOICEMAIL and call.data.get("voicemail_reason") == "callback_failed":
            self._end_call(call, OUTCOME_CALLBACK_FAILED)
        else:
            self._end_call(call, OUTCOME_ABANDONED)
        self._flush()
        return call

    def agent_answered(self, agent_id: int, call_id: int, at: float | None = None) -> Call:
        """The agent answered (for a callback: the caller was reached and is connected)."""
        now = self._move_to(at)
        call = self._offered_to(agent_id, call_id)
        agent = self.agents[agent_id]
        self.queues[call.group_id].remove(call)
        call.state = CALL_CONNECTED
        call.answered_at = now
        call.offered_at = None
        call.timers.pop("ring", None)
        if call.callback:
            call.data["callback"]["connected_at"] = iso(now)
        agent.offered_call = None
        agent.calls.append(call.id)
        self._count_sl(call, "answered")
        self._dirty_groups.add(call.group_id)
        self._dirty_agents.add(agent.id)
        wait = None if call.enqueued_at is None else round(call.wait_s(now), 3)
        self._emit("call.answered", call, {"call_id": call.id, "agent_id": agent.id, "wait_s": wait})
        self._flush()
        return call

    def agent_rejected(self, agent_id: int, call_id: int, at: float | None = None) -> Call:
        self._move_to(at)
        call = self._offered_to(agent_id, call_id)
        self._decline(agent_id, call, missed=False)
        self._flush()
        return call

    def agent_missed(self, agent_id: int, call_id: int, at: float | None = None) -> Call:
        self._move_to(at)
        call = self._offered_to(agent_id, call_id)
        self._decline(agent_id, call, missed=True)
        self._flush()
        return call

    def call_ended(self, call_id: int, at: float | None = None) -> Call:
        """The connected call is over (the agent or the caller put the phone down)."""
        self._move_to(at)
        call = self._live_call(call_id)
        if call.state is not CALL_CONNECTED:
            raise EngineError("not_connected", f"call {call_id} is not connected")
        self._finish_connected(call)
        self._flush()
        return call

    def agent_login(self, agent_id: int, group_id: int, at: float | None = None) -> Agent:
        now = self._move_to(at)
        agent = self._agent(agent_id)
        if group_id not in self.groups or agent_id not in self.groups[group_id].agent_ids:
            raise EngineError("not_member", f"agent {agent_id} does not serve group {group_id}")
        if group_id not in agent.logged_in:
            if not agent.logged_in:
                agent.idle_since = now
            agent.logged_in.add(group_id)
            self._dirty_agents.add(agent_id)
            self._dirty_groups.add(group_id)
            self._dispatch_agent(agent)
        self._flush()
        return agent

    def agent_logout(self, agent_id: int, group_id: int | None = None, at: float | None = None) -> Agent:
        """Log out of one group, or of every group when `group_id` is None."""
        self._move_to(at)
        agent = self._agent(agent_id)
        groups = set(agent.logged_in) if group_id is None else {group_id} & agent.logged_in
        for gid in groups:
            agent.logged_in.discard(gid)
            self._dirty_groups.add(gid)
        if groups:
            self._dirty_agents.add(agent_id)
            offered = self.calls.get(agent.offered_call) if agent.offered_call else None
            if offered and offered.group_id in groups:
                # Ringing at someone who just left: back to the queue, no wrap-up.
                self._release_offer(offered)
                self._requeue(offered)
                self._dispatch_group(offered.group_id)
        self._flush()
        return agent

    def set_temporarily_closed(self, group_id: int, closed: bool, at: float | None = None) -> None:
        """§5. New calls get the closed action; calls already waiting are still served."""
        self._move_to(at)
        group = self.groups[group_id]
        if group.temporarily_closed != closed:
            group.temporarily_closed = closed
            self._dirty_groups.add(group_id)
        self._flush()

    def schedule_changed(self, group_ids: Iterable[int] | None = None, at: float | None = None) -> None:
        """Opening hours began or ended (or changed): report the groups' status again."""
        self._move_to(at)
        self._dirty_groups.update(self.groups if group_ids is None else group_ids)
        self._flush()

    # ------------------------------------------------------------- queries

    def is_open(self, group_id: int, at: float | None = None) -> bool:
        group = self.groups[group_id]
        return not group.temporarily_closed and self.is_open_by_schedule(group_id, self.now if at is None else at)

    def waiting_calls(self, group_id: int) -> list[Call]:
        """Calls holding a place in the queue, in the order they will be offered
        (ringing ones first); callers waiting for a callback included."""
        queue = self.queues.get(group_id)
        return queue.ordered() if queue else []

    def position_of(self, call: Call) -> int:
        return routing.position(self.queues[call.group_id], call)

    def all_groups(self) -> Iterable[GroupConfig]:
        return self.groups.values()

    # ------------------------------------------------------------- internals

    def _new_call(self, group: GroupConfig, caller: str, now: float, **fields: object) -> Call:
        call = Call(id=next(self._call_ids), group_id=group.id, org_id=group.org_id, caller=caller, arrived_at=now, **fields)  # type: ignore[arg-type]
        self.calls[call.id] = call
        return call

    def _live_call(self, call_id: int) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise EngineError("unknown_call", f"no call {call_id} in progress")
        return call

    def _agent(self, agent_id: int) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise EngineError("unknown_agent", f"no agent {agent_id}")
        return agent

    def _offered_to(self, agent_id: int, call_id: int) -> Call:
        call = self._live_call(call_id)
        self._agent(agent_id)
        if call.state is not CALL_OFFERED or call.agent_id != agent_id:
            raise EngineError("not_offered", f"call {call_id} is not ringing at agent {agent_id}")
        return call

    def _set_state(self, call: Call, state: CallState) -> None:
        """Every state change goes here, so the live counters stay right."""
        old = call.state
        if old is state:
            return
        if old is CALL_COLLECTING or state is CALL_COLLECTING:
            stats = self.stats.get(call.group_id)
            if stats is not None:
                stats.in_collector += 1 if state is CALL_COLLECTING else -1
        call.state = state
        self._dirty_groups.add(call.group_id)

    def _end_call(self, call: Call, outcome: Outcome, *, count: bool = True) -> None:
        now = self.now
        queue = self.queues.get(call.group_id)
        if queue is not None and queue.remove(call):
            self._dirty_groups.add(call.group_id)
        if outcome is OUTCOME_ABANDONED and count and call.answered_at is None:
            self._count_sl(call, "abandoned")
        self._set_state(call, CALL_ENDED)
        call.ended_at = now
        call.outcome = outcome
        call.timers.clear()
        if outcome is OUTCOME_ANSWERED:
            group = self.groups.get(call.group_id)
            if group is not None and group.conversation_intelligence:
                call.data["ci"] = {"summary": self.transcriber.summary(call)}
        self.calls.pop(call.id, None)
        self._emit("call.ended", call, self.call_record(call))


__all__ = ["Engine", "EngineError", "iso"]
