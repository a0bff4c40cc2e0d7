"""What the engine reports, as a mixin of `core.Engine`: the figures of each
group (agents by state, service level, flow), the agents' states, the
history record of a call, and the flush that delivers an operation's events.

The figures are kept as they change (agents counted by difference, SL and flow
counters in `stats.GroupStats`) and reported only when something shown changed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from backend.engine.model import (
    AGENT_BUSY,
    AGENT_FREE,
    AGENT_LOGGED_OUT,
    AGENT_OFFERED,
    AGENT_WRAP_UP,
    Agent,
    Call,
    GroupConfig,
    iso,
    new_event,
)
from backend.engine.stats import HOUR, GroupStats, sl_flags
from backend.schemas.live import AgentState, ServiceLevelCounts

if TYPE_CHECKING:
    from backend.engine.core import Engine

    _Base = Engine
else:
    _Base = object

#: Index of each agent state in a group's agent figures.
STATE_INDEX = {state: i for i, state in enumerate(AgentState)}
FREE_INDEX = STATE_INDEX[AgentState.FREE]
#: The figure each state is reported under (ringing agents count as busy).
REPORTED = {state: AgentState.BUSY if state is AgentState.OFFERED else state for state in AgentState}


class Reports(_Base):
    def _recount_group(self, config: GroupConfig) -> None:
        counts = self._agent_counts[config.id] = [0] * len(STATE_INDEX)
        for agent_id in config.agent_ids:
            agent = self.agents.get(agent_id)
            if agent is not None:
                state = self.agent_state_in(agent, config.id)
                agent.counted[config.id] = state
                counts[STATE_INDEX[state]] += 1

    def _recount_agent(self, agent: Agent) -> None:
        """Move the agent between its groups' figures where its state there changed."""
        logged_in, counted, all_counts = agent.logged_in, agent.counted, self._agent_counts
        for group_id in self._agent_groups.get(agent.id, ()):
            counts = all_counts.get(group_id)
            if counts is None:
                continue
            state = agent.state if group_id in logged_in else AGENT_LOGGED_OUT  # agent_state_in
            old = counted.get(group_id)
            if old is not state:
                if old is not None:
                    counts[STATE_INDEX[old]] -= 1
                counts[STATE_INDEX[state]] += 1
                counted[group_id] = state
                if old is None or REPORTED[old] is not REPORTED[state]:
                    self._dirty_groups.add(group_id)

    def restore_call(
        self,
        group_id: int,
        *,
        arrived_at: float | None = None,
        sl_at: float | None = None,
        sl: dict[str, int] | None = None,
        overflowed_at: float | None = None,
        voicemail_at: float | None = None,
    ) -> None:
        """Count a finished call from the history again after a restart (today's figures)."""
        stats = self.stats.get(group_id)
        if stats is None:
            return
        today, hour = self.calendar.marks(self.now)
        stats.roll(today, hour)
        if arrived_at is not None and hour <= arrived_at <= self.now:
            stats.arrivals_this_hour += 1
        if sl and sl_at is not None and sl_at <= self.now:
            stats.add_sl(sl_at, sl, today=self.calendar.day(sl_at) == today, now=self.now)
            self._watch_expiry(group_id, stats)
        if overflowed_at is not None and self.calendar.day(overflowed_at) == today:
            stats.overflowed_today += 1
        if voicemail_at is not None and self.calendar.day(voicemail_at) == today:
            stats.voicemails_today += 1
        self._dirty_groups.add(group_id)

    def _hour_tick(self, when: float) -> None:
        day, hour = self.calendar.marks(when)
        for group_id, stats in self.stats.items():
            if stats.roll(day, hour):
                self._dirty_groups.add(group_id)
        self.timers.schedule(self.calendar.next_hour(when), "hour", 0)

    def _watch_expiry(self, group_id: int, stats: GroupStats) -> None:
        """Report the group again when its oldest last-hour call leaves the hour.

        Rounded up to whole minutes so that a busy group gets at most one extra
        `group.stats` a minute for it.
        """
        if stats.expire_at is not None or not stats.recent:
            return
        due = stats.recent[0][0] + HOUR
        due = max(due, self.now) + (-due % 60)
        stats.expire_at = due
        self.timers.schedule(due, "sl_expire", group_id)

    def agent_state_in(self, agent: Agent, group_id: int) -> AgentState:
        if group_id not in agent.logged_in:
            return AGENT_LOGGED_OUT
        return agent.state

    def _group_stats(self, group_id: int) -> GroupStats:
        # No roll here: the hour timer rolls every group into a new hour (and
        # day) before anything later happens.
        return self.stats[group_id]

    def sl_today(self, group_id: int) -> ServiceLevelCounts:
        return self._group_stats(group_id).sl_today()

    def sl_last_hour(self, group_id: int) -> ServiceLevelCounts:
        return self._group_stats(group_id).sl_last_hour(self.now)

    def flow(self, group_id: int) -> dict[str, int]:
        stats = self._group_stats(group_id)
        return {
            "arrivals_this_hour": stats.arrivals_this_hour,
            "in_collector": stats.in_collector,
            "overflowed_today": stats.overflowed_today,
            "voicemails_today": stats.voicemails_today,
            "callbacks_pending": self.queues[group_id].callbacks,
        }

    def group_stats(self, group_id: int) -> dict:
        """The group's figures, as `group.stats` carries them. Runs for every
        changed group at the end of every operation, hence kept lean: no
        calls into other methods but the schedule's and the queue's oldest
        (kept in a heap: visiting every waiting call misses the CPU caches)."""
        group = self.groups[group_id]
        queue = self.queues[group_id]
        waiting = queue.calls
        now = self.now
        free, offered, busy, wrap_up, logged_out = self._agent_counts[group_id]
        stats = self.stats[group_id]
        recent = stats.recent
        if recent and recent[0][0] <= now - HOUR:
            stats.prune(now)
        return {
            "group_id": group_id,
            "open": not group.temporarily_closed and self.is_open_by_schedule(group_id, now),
            "temporarily_closed": group.temporarily_closed,
            "waiting": len(waiting),
            "oldest_enqueued_at": iso(queue.oldest()) if waiting else None,
            "agents_free": free,
            "agents_busy": busy + offered,
            "agents_wrap_up": wrap_up,
            "agents_logged_out": logged_out,
            "sl_today": stats._today_dict or stats.today_dict(),
            "sl_last_hour": stats._recent_dict or stats.last_hour_dict(now),
            "flow": {
                "arrivals_this_hour": stats.arrivals_this_hour,
                "in_collector": stats.in_collector,
                "overflowed_today": stats.overflowed_today,
                "voicemails_today": stats.voicemails_today,
                "callbacks_pending": queue.callbacks,
            },
        }

    def agent_payload(self, agent: Agent) -> dict:
        now = self.now
        wrap_up_until = agent.wrap_up_until
        return {
            "id": agent.id,
            "name": agent.name,
            "state": agent.state._value_,  # (`.value` is a slow descriptor)
            "since": iso(agent.since),
            "wrap_up_until": iso(wrap_up_until) if wrap_up_until and wrap_up_until > now else None,
            "handled_today": agent.handled_today if agent.handled_day == self.calendar.day(now) else 0,
            "current_calls": list(agent.calls),
            "offered_call": agent.offered_call,
        }

    def _count_sl(self, call: Call, kind: str) -> None:
        """Fix how the call counts toward the service level (docs/engine.md), once."""
        if call.sl or call.enqueued_at is None or call.data.get("sl_excluded"):
            return
        group = self.groups.get(call.group_id)
        stats = self.stats.get(call.group_id)
        if group is None or stats is None:
            return
        call.sl = sl_flags(kind, call.wait_s(self.now), group.sl_threshold_s, group.sl_early_hangup_s)  # type: ignore[arg-type]
        stats.add_sl(self.now, call.sl, today=True, now=self.now)  # the hour timer rolled the day
        if stats.expire_at is None:
            self._watch_expiry(group.id, stats)
        self._dirty_groups.add(group.id)

    def call_record(self, call: Call) -> dict:
        """The call as the history stores it (and `call.ended` carries it)."""
        data = call.data
        collected = data.get("collected")
        return {
            "call_id": call.id,
            "outcome": call.outcome._value_ if call.outcome else None,  # (`.value` is a slow descriptor)
            "agent_id": call.agent_id,
            "caller": call.caller,
            "arrived_at": iso(call.arrived_at),
            "enqueued_at": iso(call.enqueued_at),
            "answered_at": iso(call.answered_at),
            "ended_at": iso(call.ended_at),
            "wait_s": None if call.enqueued_at is None else round(call.wait_s(self.now), 3),
            "vip": call.vip,
            "callback": call.callback,
            "collected": dict(collected) if collected else {},
            "data": {k: v for k, v in data.items() if k != "collected"} if data else {},
            "sl": dict(call.sl),
        }

    def _refresh_agent_state(self, agent: Agent) -> bool:
        if not agent.logged_in:
            state = AGENT_LOGGED_OUT
        elif agent.offered_call is not None:
            state = AGENT_OFFERED
        elif agent.calls:
            state = AGENT_BUSY
        elif agent.wrap_up_until is not None and agent.wrap_up_until > self.now:
            state = AGENT_WRAP_UP
        else:
            state = AGENT_FREE
        if state is agent.state:
            return False
        agent.state, agent.since = state, self.now
        return True

    def _emit(self, kind: str, call: Call, payload: dict) -> None:
        self._outbox.append(new_event((kind, call.group_id, call.org_id, self.now, payload)))

    def _flush(self) -> None:
        # Timers due by now (a zero-second offer, a callback spacing of 0…) fire
        # within the operation that made them due.
        now = self.now
        heap = self.timers.heap
        if heap and heap[0][0] <= now:
            self._fire_until(now)
        outbox = self._outbox
        if self._dirty_agents:
            agents, agent_groups = self.agents, self._agent_groups
            for agent_id in sorted(self._dirty_agents):
                agent = agents.get(agent_id)
                if agent is None:
                    continue
                # Dirty means something about the agent changed (state, logins,
                # wrap-up, calls handled), so every dirty agent is reported.
                self._refresh_agent_state(agent)
                self._recount_agent(agent)
                payload = {
                    "agent": self.agent_payload(agent),
                    "group_ids": sorted(agent_groups.get(agent_id, ())),
                    "logged_in": sorted(agent.logged_in),
                }
                outbox.append(new_event(("agent.state", None, agent.org_id, now, payload)))
            self._dirty_agents.clear()
        if self._dirty_groups:
            groups, last_stats = self.groups, self._last_stats
            for group_id in sorted(self._dirty_groups):
                group = groups.get(group_id)
                if group is not None:
                    figures = self.group_stats(group_id)
                    if figures == last_stats.get(group_id):
                        continue  # touched, but nothing a console shows changed
                    last_stats[group_id] = figures
                    outbox.append(new_event(("group.stats", group_id, group.org_id, now, figures)))
            self._dirty_groups.clear()
        if outbox:
            self._outbox = []
            for listener in self.listeners:
                listener(outbox)
