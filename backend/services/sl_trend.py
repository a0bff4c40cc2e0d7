"""The service-level trend line: counts per slice of time, from the call history.

Each finished call carries in its history row the flags it counted with
(`data.sl`: answered / within / abandoned / early), so the counts of any slice
are sums, whatever the settings were then. The console adds the calls that end
after the snapshot from their `call.ended` events, so the line stays current
without another request.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import CallRow
from backend.schemas.live import ServiceLevelCounts, SlBucket

#: Fifteen-minute slices over the last four hours: enough to show a trend in a
#: dozen characters, fine enough to move during a shift.
BUCKET_S = 900
BUCKETS = 16
#: Calls are found through the (group, arrived_at) index; one that waited
#: longer than this before ending is left out of the trend.
LONGEST_CALL_S = 6 * 3600


def bucket_start(ts: float, bucket_s: int = BUCKET_S) -> float:
    return ts - ts % bucket_s


def add_flags(counts: ServiceLevelCounts, flags: dict[str, int]) -> None:
    """Add one finished call's service-level flags (see Engine._count_sl)."""
    counts.answered += flags.get("answered", 0)
    counts.answered_within += flags.get("within", 0)
    counts.abandoned += flags.get("abandoned", 0)
    counts.early_hangups += flags.get("early", 0)


async def sl_trend(session: AsyncSession, group_id: int, now: float) -> list[SlBucket]:
    """The last `BUCKETS` slices, oldest first, the one holding `now` last.

    Calls that ended after `now` are left out: the console counts those from
    their `call.ended` events, which come after the snapshot taken at `now`.
    """
    first = bucket_start(now) - (BUCKETS - 1) * BUCKET_S
    buckets = [
        SlBucket(start=datetime.fromtimestamp(first + i * BUCKET_S, UTC)) for i in range(BUCKETS)
    ]
    since = datetime.fromtimestamp(first, UTC)
    rows = (
        await session.execute(
            select(CallRow.ended_at, CallRow.data).where(
                CallRow.group_id == group_id,
                CallRow.arrived_at >= since - timedelta(seconds=LONGEST_CALL_S),
                CallRow.ended_at >= since,
                CallRow.ended_at <= datetime.fromtimestamp(now, UTC),
            )
        )
    ).all()
    for ended_at, data in rows:
        index = int((ended_at.timestamp() - first) // BUCKET_S)
        flags = (data or {}).get("sl")
        if flags and 0 <= index < BUCKETS:
            add_flags(buckets[index].counts, flags)
    return buckets
