"""The routing rules: who is next in a group, which group goes first, which agent.

Pure functions over the engine's state objects plus `GroupQueue`, one per group.
The rules (docs/engine.md has the tables):

- within a group, VIP calls first, then the longest-waiting (the turn is the
  time the call entered the queue, kept when it is re-queued or waits for a
  callback);
- across the groups an agent serves, `highest` always first; then VIP calls;
  then the longest wait, where `medium` calls count as having waited
  `medium_boost_s` longer; `none` is plain turn order; a tie goes to the call
  that arrived first;
- an agent may be offered a call when logged in to the group, not ringing, out
  of wrap-up, and on no call — or on one call when the group has call waiting;
- of several such agents, the one with fewest calls, then free the longest.
"""
from __future__ import annotations

import heapq
from collections.abc import Mapping

from backend.engine.model import CALL_OFFERED, CALL_QUEUED, PRIORITY_HIGHEST, PRIORITY_MEDIUM, Agent, Call, GroupConfig

QueueKey = tuple[int, float, int]  # (0 for VIP else 1, enqueued at, call id)
Score = tuple[int, int, float, int]


class GroupQueue:
    """The calls holding a place in one group's queue, and their order."""

    __slots__ = ("calls", "_heap", "_ages", "callbacks")

    def __init__(self) -> None:
        self.calls: dict[int, Call] = {}  # queued, ringing and waiting-for-callback calls
        self._heap: list[QueueKey] = []
        # (enqueued at, call id) of `calls`, oldest first, for the group's
        # figures; entries of calls gone are dropped when they surface.
        self._ages: list[tuple[float, int]] = []
        self.callbacks = 0  # of `calls`, those whose caller waits for a callback

    def __len__(self) -> int:
        return len(self.calls)

    @property
    def on_line(self) -> int:
        """Callers waiting on the line (what `overflow.max_waiting` limits)."""
        return len(self.calls) - self.callbacks

    def add(self, call: Call) -> None:
        assert call.queue_key is not None
        self.calls[call.id] = call
        if call.callback:
            self.callbacks += 1
        heapq.heappush(self._heap, call.queue_key)
        ages = self._ages
        if len(ages) > 2 * len(self.calls) + 32:  # mostly stale: start again
            ages[:] = [(c.enqueued_at, c.id) for c in self.calls.values()]  # type: ignore[misc]
            heapq.heapify(ages)
        else:
            heapq.heappush(ages, (call.enqueued_at, call.id))  # type: ignore[arg-type]

    def oldest(self) -> float | None:
        """When the longest-waiting call entered the queue (ringing calls and
        callers waiting for a callback included), without visiting every call."""
        ages, calls = self._ages, self.calls
        while ages:
            at, call_id = ages[0]
            call = calls.get(call_id)
            if call is not None and call.enqueued_at == at:
                return at
            heapq.heappop(ages)  # stale: the call left the queue
        return None

    def push_back(self, call: Call) -> None:
        """A call already in `calls` takes up its turn again (declined, callback retry)."""
        assert call.queue_key is not None
        heapq.heappush(self._heap, call.queue_key)

    def remove(self, call: Call) -> bool:
        if self.calls.pop(call.id, None) is None:
            return False
        if call.callback:
            self.callbacks -= 1
        return True  # its heap entry goes stale and is dropped when it surfaces

    def head(self) -> Call | None:
        """The next call to offer: queued (not ringing, not between callback attempts)."""
        heap, calls = self._heap, self.calls
        while heap:
            key = heap[0]
            call = calls.get(key[2])
            if call is not None and call.state is CALL_QUEUED and call.queue_key == key:
                return call
            heapq.heappop(heap)  # stale: answered, gone, ringing, or pushed again
        return None

    def ordered(self) -> list[Call]:
        """Every call in the order the live view shows: ringing first, then by turn."""
        return sorted(self.calls.values(), key=lambda c: (c.state is not CALL_OFFERED, c.queue_key))


def queue_key(call: Call) -> QueueKey:
    assert call.enqueued_at is not None
    return (0 if call.vip else 1, call.enqueued_at, call.id)


def can_take(agent: Agent, group: GroupConfig, now: float) -> bool:
    if group.id not in agent.logged_in or agent.offered_call is not None:
        return False
    if agent.wrap_up_until is not None and agent.wrap_up_until > now:
        return False
    if not agent.calls:
        return True
    return group.call_waiting and len(agent.calls) == 1


def score(group: GroupConfig, call: Call, medium_boost_s: float) -> Score:
    """Higher is served first when one agent could take calls from several groups."""
    boost = medium_boost_s if group.priority is PRIORITY_MEDIUM else 0.0
    assert call.enqueued_at is not None
    return (
        1 if group.priority is PRIORITY_HIGHEST else 0,
        1 if call.vip else 0,
        boost - call.enqueued_at,  # earlier (and boosted) is larger
        -call.id,  # a tie goes to the call that arrived first
    )


def pick_agent(group: GroupConfig, agents: Mapping[int, Agent], now: float) -> Agent | None:
    """The group's agent to offer the next call to: fewest calls, then free longest."""
    best: Agent | None = None
    best_key: tuple[int, float, int] | None = None
    for agent_id in group.agent_ids:
        agent = agents.get(agent_id)
        if agent is None or not can_take(agent, group, now):
            continue
        key = (len(agent.calls), agent.idle_since, agent.id)
        if best_key is None or key < best_key:
            best, best_key = agent, key
    return best


def best_call(
    agent: Agent, groups: Mapping[int, GroupConfig], queues: Mapping[int, GroupQueue], now: float, medium_boost_s: float
) -> Call | None:
    """The call this agent should be offered now, across every group it is logged in to."""
    # `can_take` for each group, with what does not depend on the group first.
    if agent.offered_call is not None or (agent.wrap_up_until is not None and agent.wrap_up_until > now):
        return None
    on_calls = len(agent.calls)
    if on_calls > 1:
        return None
    best: Call | None = None
    best_score: Score | None = None
    for group_id in agent.logged_in:
        group = groups.get(group_id)
        if group is None or (on_calls and not group.call_waiting):
            continue
        call = queues[group_id].head()
        if call is None:
            continue
        s = score(group, call, medium_boost_s)
        if best_score is None or s > best_score:
            best, best_score = call, s
    return best


def position(queue: GroupQueue, call: Call) -> int:
    """1-based place in line: every call ahead in turn counts, callbacks included,
    as each of them will take an agent first."""
    key = call.queue_key
    return 1 + sum(1 for c in queue.calls.values() if c.queue_key < key)  # type: ignore[operator]
