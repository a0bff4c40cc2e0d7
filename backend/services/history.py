"""Call history and service level for any time window, from the `calls` table.

Finished calls are stored by the engine service (per-call extras in
`calls.data`); answered calls still in progress are read from the engine, so
the figures for a window that includes now agree with the live view.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import CallRow, User
from backend.engine.model import CallState
from backend.engine.service import EngineService
from backend.engine.stats import KEYS, counts_of
from backend.schemas.groups import ServiceLevelSettings
from backend.schemas.history import (
    CallHistoryPage,
    CallRecord,
    ServiceLevelBucket,
    ServiceLevelReport,
)

Bucketing = Literal["none", "hour", "day"]


def _sl_label(flags: dict[str, int]) -> str | None:
    if flags.get("answered"):
        return "within" if flags.get("within") else "late"
    if flags.get("abandoned"):
        return "early_hangup" if flags.get("early") else "abandoned"
    return None


def record_of(row: CallRow, agent_name: str | None) -> CallRecord:
    data: dict[str, Any] = row.data or {}
    voicemail = data.get("voicemail")
    if voicemail is not None:
        voicemail = {**voicemail, "reason": data.get("voicemail_reason")}
    return CallRecord(
        id=row.id,
        group_id=row.group_id,
        caller=row.caller,
        arrived_at=row.arrived_at,
        enqueued_at=row.enqueued_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        outcome=row.outcome,  # type: ignore[arg-type]
        agent_id=row.agent_id,
        agent_name=agent_name,
        wait_s=row.wait_s,
        vip=row.vip,
        collected=data.get("collected") or {},
        collect_failed=data.get("collect_failed") or [],
        closed_action=data.get("closed_action"),
        voicemail=voicemail,
        callback=data.get("callback"),
        overflow=data.get("overflow"),
        overflowed_from=data.get("overflowed_from"),
        returned_from=data.get("returned_from"),
        returned_as=(data.get("transfer") or {}).get("returned_as"),
        ci_summary=(data.get("ci") or {}).get("summary"),
        sl=_sl_label(data.get("sl") or {}),
    )


async def call_history(
    session: AsyncSession,
    engine: EngineService,
    group_id: int,
    start: datetime,
    end: datetime,
    *,
    limit: int,
    before_id: int | None = None,
    outcome: str | None = None,
) -> CallHistoryPage:
    """Finished calls that arrived in [start, end), newest first."""
    await engine.flush()
    query = select(CallRow, User.display_name).outerjoin(User, User.id == CallRow.agent_id).where(
        CallRow.group_id == group_id, CallRow.arrived_at >= start, CallRow.arrived_at < end
    )
    if before_id is not None:
        query = query.where(CallRow.id < before_id)
    if outcome is not None:
        query = query.where(CallRow.outcome == outcome)
    rows = (await session.execute(query.order_by(CallRow.id.desc()).limit(limit + 1))).all()
    calls = [record_of(row, name) for row, name in rows[:limit]]
    return CallHistoryPage(calls=calls, next_before_id=calls[-1].id if len(rows) > limit else None)


def _boundaries(start: datetime, end: datetime, by: Bucketing, tz: tzinfo) -> list[datetime]:
    """Bucket edges: `start`, each local midnight or hour after it, `end`."""
    marks = [start]
    if by == "day":
        # Calendar days in local time: 23 or 25 hours long across DST.
        day = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        while (edge := (day := day + timedelta(days=1)).replace(tzinfo=tz).astimezone(UTC)) < end:
            marks.append(edge)
    elif by == "hour":
        # Local hours start on whole hours of absolute time (whole-hour offsets).
        edge = start.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        while (edge := edge + timedelta(hours=1)) < end:
            marks.append(edge)
    marks.append(end)
    return marks


async def service_level(
    session: AsyncSession,
    engine: EngineService,
    group_id: int,
    settings: ServiceLevelSettings,
    start: datetime,
    end: datetime,
    *,
    by: Bucketing,
    tz: tzinfo,
) -> ServiceLevelReport:
    """SL over [start, end). A call counts at the moment its SL outcome is known:
    when it was answered, or when the caller hung up (docs/engine.md)."""
    await engine.flush()
    counted_at = func.coalesce(CallRow.answered_at, CallRow.ended_at)
    rows = (
        await session.execute(
            select(CallRow.answered_at, CallRow.ended_at, CallRow.data).where(
                CallRow.group_id == group_id, CallRow.ended_at >= start, counted_at < end
            )
        )
    ).all()
    events: list[tuple[float, dict[str, int]]] = []
    for answered_at, ended_at, data in rows:
        at = answered_at or ended_at
        flags = (data or {}).get("sl") or {}
        if flags and at >= start:
            events.append((at.timestamp(), flags))
    live = engine.require()
    for call in live.calls.values():
        if call.group_id == group_id and call.state is CallState.CONNECTED and call.sl and call.answered_at is not None:
            if start.timestamp() <= call.answered_at < end.timestamp():
                events.append((call.answered_at, call.sl))

    marks = _boundaries(start, end, by, tz)
    stamps = [m.timestamp() for m in marks]
    sums = [[0, 0, 0, 0] for _ in range(len(marks) - 1)]
    total = [0, 0, 0, 0]
    for ts, flags in events:
        i = min(bisect_right(stamps, ts) - 1, len(sums) - 1)
        for k, key in enumerate(KEYS):
            sums[i][k] += flags.get(key, 0)
            total[k] += flags.get(key, 0)
    counts = counts_of(total)
    buckets = []
    if by != "none":
        for i, values in enumerate(sums):
            c = counts_of(values)
            buckets.append(ServiceLevelBucket(start=marks[i], end=marks[i + 1], counts=c, percent=c.percent))
    return ServiceLevelReport(
        group_id=group_id,
        start=start,
        end=end,
        threshold_s=settings.threshold_s,
        early_hangup_s=settings.early_hangup_s,
        target_pct=settings.target_pct,
        counts=counts,
        percent=counts.percent,
        buckets=buckets,
    )
