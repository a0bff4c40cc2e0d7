"""Offering calls to agents, as a mixin of `core.Engine`: when an agent or a
call becomes available, who gets what (the rules are in `routing`), ringing,
declines, the end of a connected call, and wrap-up.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from backend.engine import routing
from backend.engine.model import CALL_OFFERED, OUTCOME_ANSWERED, Agent, Call, GroupConfig
from backend.engine.reports import FREE_INDEX

if TYPE_CHECKING:
    from backend.engine.core import Engine

    _Base = Engine
else:
    _Base = object


class Offers(_Base):
    def _dispatch_agent(self, agent: Agent) -> None:
        """The agent may take a call: offer them the best one across their groups."""
        call = routing.best_call(agent, self.groups, self.queues, self.now, self.medium_boost_s)
        if call is not None:
            self._offer(call, agent)

    def _dispatch_group(self, group_id: int) -> None:
        """Calls are waiting in this group: offer them to whoever can take them."""
        group = self.groups.get(group_id)
        if group is None:
            return
        queue = self.queues[group_id]
        while queue.head() is not None:
            agent = self._pick_agent(group)
            if agent is None:
                return
            # The agent may have a better call waiting in another of its groups.
            self._dispatch_agent(agent)
            if agent.offered_call is None:
                return

    def _pick_agent(self, group: GroupConfig) -> Agent | None:
        # Fast path for the busy case: nobody was free at the last count and
        # none of the group's agents has changed since (a change marks the
        # agent dirty until the end of the operation), so nobody can take it.
        counts = self._agent_counts.get(group.id)
        if (
            counts is not None
            and not group.call_waiting
            and counts[FREE_INDEX] == 0
            and not (self._dirty_agents and not self._dirty_agents.isdisjoint(group.agent_ids))
        ):
            return None
        return routing.pick_agent(group, self.agents, self.now)

    def _offer(self, call: Call, agent: Agent) -> None:
        self._set_state(call, CALL_OFFERED)
        call.agent_id = agent.id
        call.offered_at = self.now
        agent.offered_call = call.id
        self._dirty_agents.add(agent.id)
        timeout = self.callback_ring_timeout_s if call.callback else self.ring_timeout_s
        self._set_timer(call, "ring", self.now + timeout)
        self._emit(
            "call.offered",
            call,
            {
                "call_id": call.id,
                "agent_id": agent.id,
                "caller": call.caller,
                "vip": call.vip,
                "callback": call.callback,
                "collected": dict(call.data.get("collected", ())),  # (`call.collected`, inline)
            },
        )

    def _release_offer(self, call: Call) -> Agent | None:
        """The ringing stops (declined, caller gone, agent left): the agent is free of it."""
        agent = self.agents.get(call.agent_id) if call.agent_id is not None else None
        if agent is not None and agent.offered_call == call.id:
            agent.offered_call = None
            self._dirty_agents.add(agent.id)
        call.agent_id = None
        call.offered_at = None
        call.timers.pop("ring", None)
        return agent

    def _decline(self, agent_id: int | None, call: Call, *, missed: bool) -> None:
        group = self.groups[call.group_id]
        self._emit("call.missed" if missed else "call.rejected", call, {"call_id": call.id, "agent_id": agent_id})
        agent = self._release_offer(call)
        if agent is not None:
            self._start_wrap_up(agent, group.wrap_up_missed_s if missed else group.wrap_up_rejected_s)
        self._requeue(call)
        self._dispatch_group(call.group_id)
        if agent is not None:
            self._dispatch_agent(agent)

    def _finish_connected(self, call: Call) -> None:
        agent = self.agents.get(call.agent_id) if call.agent_id is not None else None
        self._end_call(call, OUTCOME_ANSWERED)
        if agent is not None:
            if call.id in agent.calls:
                agent.calls.remove(call.id)
            self._count_handled(agent)
            group = self.groups.get(call.group_id)
            self._start_wrap_up(agent, (group.wrap_up_answered_s if group else None) or 0)
            self._dispatch_agent(agent)

    def _count_handled(self, agent: Agent) -> None:
        today = self.calendar.day(self.now)
        if agent.handled_day != today:
            agent.handled_day, agent.handled_today = today, 0
        agent.handled_today += 1

    def _start_wrap_up(self, agent: Agent, seconds: int) -> None:
        self._dirty_agents.add(agent.id)
        if seconds > 0:
            until = self.now + seconds
            agent.wrap_up_until = max(agent.wrap_up_until or 0.0, until)
            self.timers.schedule(agent.wrap_up_until, "wrap_up_end", agent.id)
        elif not agent.calls:
            agent.idle_since = self.now
