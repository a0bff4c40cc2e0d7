"""Calls in progress as rows (`live_calls`), and adopting them into a fresh engine.

The process that owns the queues stores a snapshot of every call an operation
touched, in the same transaction as the operation's events (backend/cluster/
journal.py). When it dies, the next owner builds its engine from the database
as at any start, then adopts these calls: each goes back where it was (in the
collectors, in its queue with the turn it had, ringing at the same agent,
connected to the same agent, in voicemail) with its pending timers; timers
that fell due meanwhile fire at once. Wrap-up times of agents are not kept: an
agent in wrap-up when the owner died is free again after the takeover.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from backend.engine.core import Engine
from backend.engine.model import IN_QUEUE, Call, CallState, EngineEvent, Outcome

_FIELDS = [f.name for f in fields(Call)]


def snapshot(call: Call) -> dict[str, Any]:
    out = {name: getattr(call, name) for name in _FIELDS}
    out["state"] = call.state.value
    out["outcome"] = call.outcome.value if call.outcome else None
    out["queue_key"] = list(call.queue_key) if call.queue_key else None
    out["collecting"] = list(call.collecting)
    return out


def restore(data: dict[str, Any]) -> Call:
    values = {name: data[name] for name in _FIELDS if name in data}
    values["state"] = CallState(values["state"])
    values["outcome"] = Outcome(values["outcome"]) if values.get("outcome") else None
    values["queue_key"] = tuple(values["queue_key"]) if values.get("queue_key") else None
    values["collecting"] = tuple(values.get("collecting") or (0, 0))
    return Call(**values)


def touched_calls(events: list[EngineEvent]) -> set[int]:
    """The calls an operation changed, from the events it reported."""
    ids: set[int] = set()
    for event in events:
        if not event.kind.startswith("call."):
            continue
        payload = event.payload
        for key in ("call_id", "new_call_id"):
            if isinstance(payload.get(key), int):
                ids.add(payload[key])
        call = payload.get("call")
        if isinstance(call, dict) and isinstance(call.get("id"), int):
            ids.add(call["id"])
    return ids


def adopt(engine: Engine, snapshots: list[dict[str, Any]]) -> list[int]:
    """Put stored calls back into `engine`; the ids of those that did not fit (dropped)."""
    dropped: list[int] = []
    for data in sorted(snapshots, key=lambda d: d["id"]):
        call = restore(data)
        group = engine.groups.get(call.group_id)
        agent = engine.agents.get(call.agent_id) if call.agent_id is not None else None
        if group is None or call.state in (CallState.NEW, CallState.ENDED):
            dropped.append(call.id)
            continue
        if call.state is CallState.OFFERED and (agent is None or agent.offered_call is not None):
            call.state, call.agent_id, call.offered_at = CallState.QUEUED, None, None
            call.timers.pop("ring", None)
        engine.calls[call.id] = call
        if call.state in IN_QUEUE:
            if call.queue_key is None:
                dropped.append(call.id)
                engine.calls.pop(call.id)
                continue
            engine.queues[call.group_id].add(call)
        if call.state is CallState.COLLECTING:
            engine.stats[call.group_id].in_collector += 1
        if call.state is CallState.OFFERED and agent is not None:
            agent.offered_call = call.id
            engine._dirty_agents.add(agent.id)  # noqa: SLF001 - the engine's own bookkeeping
        if call.state is CallState.CONNECTED and agent is not None:
            agent.calls.append(call.id)
            engine._dirty_agents.add(agent.id)  # noqa: SLF001
        for kind, due in call.timers.items():
            engine.timers.schedule(due, kind, call.id)
        engine._dirty_groups.add(call.group_id)  # noqa: SLF001
    for group_id in list(engine.groups):
        engine._dispatch_group(group_id)  # noqa: SLF001 - offer adopted calls to free agents
    engine.advance()
    return dropped
