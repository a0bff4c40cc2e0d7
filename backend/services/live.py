"""Live figures, read from the engine (no database work)."""
from __future__ import annotations

from datetime import UTC, datetime

from backend.db.models import ResponseGroupRow
from backend.engine.model import CallState
from backend.schemas.live import (
    AgentLive,
    AgentState,
    FlowFigures,
    GroupLive,
    GroupSummary,
    ServiceLevelCounts,
    WaitingCall,
)
from backend.state import AppState


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def summary(state: AppState, row: ResponseGroupRow) -> GroupSummary:
    engine = state.engine.require()
    settings = row.settings
    view, sl = settings.get("view", {}), settings.get("service_level", {})
    base = GroupSummary(
        id=row.id,
        name=row.name,
        number=row.number,
        status=state.engine.status(row.id),
        wait_warning_s=view.get("wait_warning_s", 60),
        sl_threshold_s=sl.get("threshold_s", 90),
        sl_target_pct=sl.get("target_pct", 80),
        version=row.version,
    )
    if row.id not in engine.groups:
        return base
    stats = engine.group_stats(row.id)
    return base.model_copy(
        update={
            "waiting": stats["waiting"],
            "oldest_enqueued_at": stats["oldest_enqueued_at"] and datetime.fromisoformat(stats["oldest_enqueued_at"]),
            "agents_free": stats["agents_free"],
            "agents_busy": stats["agents_busy"],
            "agents_wrap_up": stats["agents_wrap_up"],
            "agents_logged_out": stats["agents_logged_out"],
            "sl_today": ServiceLevelCounts.model_validate(stats["sl_today"]),
            "sl_last_hour": ServiceLevelCounts.model_validate(stats["sl_last_hour"]),
            "flow": FlowFigures.model_validate(stats["flow"]),
        }
    )


def group_live(state: AppState, group_id: int) -> GroupLive:
    engine = state.engine.require()
    now = state.clock.now()
    group = engine.groups.get(group_id)
    if group is None:
        return GroupLive(group_id=group_id, status=state.engine.status(group_id), server_time=_dt(now), last_event_id=state.bus.last_id)
    waiting = [
        WaitingCall(
            id=call.id,
            caller=call.caller,
            enqueued_at=_dt(call.enqueued_at),
            vip=call.vip,
            position=i,
            ringing=call.state is CallState.OFFERED,
            callback=call.callback,
            collected=dict(call.collected),
        )
        for i, call in enumerate(engine.waiting_calls(group_id), start=1)
    ]
    agents = []
    for agent_id in sorted(group.agent_ids):
        agent = engine.agents.get(agent_id)
        if agent is None:
            continue
        payload = engine.agent_payload(agent)
        state_in = engine.agent_state_in(agent, group_id)
        agents.append(
            AgentLive(
                id=agent.id,
                name=agent.name,
                state=state_in,
                since=_dt(agent.since),
                wrap_up_until=payload["wrap_up_until"] if state_in is AgentState.WRAP_UP else None,
                handled_today=payload["handled_today"],
            )
        )
    return GroupLive(
        group_id=group_id,
        status=state.engine.status(group_id),
        server_time=_dt(now),
        waiting=waiting,
        agents=agents,
        sl_today=engine.sl_today(group_id),
        sl_last_hour=engine.sl_last_hour(group_id),
        flow=FlowFigures.model_validate(engine.flow(group_id)),
        last_event_id=state.bus.last_id,
    )
