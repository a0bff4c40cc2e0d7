"""Call history and service level of a group, for any time window.

The history: supervisors see the groups they supervise; users with the
phone-system permission see every group; agents do not (it holds callers'
numbers and what they said). The service level: whoever sees the group.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from backend.api.deps import IdPath, PrincipalDep, SessionDep, StateDep
from backend.errors import ApiException, forbidden
from backend.schemas.common import MAX_ID, ApiError, FieldError
from backend.schemas.history import CallHistoryPage, Outcome, ServiceLevelReport
from backend.services import groups, history
from backend.services.auth import Principal
from backend.state import AppState

router = APIRouter(tags=["call history"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError},
    403: {"model": ApiError},
    404: {"model": ApiError},
    422: {"model": ApiError},
}

#: The longest window one request may ask for, by bucketing.
MAX_SPAN = {"none": timedelta(days=366), "day": timedelta(days=366), "hour": timedelta(days=31)}

FromQuery = Annotated[
    datetime | None, Query(alias="from", description="Window start (ISO 8601 with zone); default: today's local midnight.")
]
ToQuery = Annotated[datetime | None, Query(alias="to", description="Window end, exclusive; default: now.")]


def _invalid(field: str, reason: str, code: str) -> ApiException:
    return ApiException(
        422, "validation_failed", "Some values were refused.", errors=[FieldError(field=field, reason=reason, code=code)]
    )


def window(state: AppState, start: datetime | None, end: datetime | None, by: str = "none") -> tuple[datetime, datetime]:
    tz = ZoneInfo(state.settings.timezone)
    now = datetime.fromtimestamp(state.clock.now(), UTC)
    for field, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise _invalid(field, "needs a time zone, e.g. 2026-11-25T08:00:00Z", "timezone_required")
    if start is None:
        start = datetime.combine(now.astimezone(tz).date(), time(0), tz)
    if end is None:
        # Now, inclusive; a replay with `at` ahead of the clock counts as now.
        engine_now = datetime.fromtimestamp(state.engine.require().now, UTC)
        end = max(now, engine_now, start) + timedelta(milliseconds=1)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        raise _invalid("to", "must not be before `from`", "window_reversed")
    if end - start > MAX_SPAN[by]:
        raise _invalid("to", f"the window may span at most {MAX_SPAN[by].days} days here", "window_too_long")
    return start, end


async def _operable_group(session, principal: Principal, group_id: int):  # noqa: ANN001, ANN202
    row = await groups.get_row(session, principal, group_id)
    if not principal.can_operate_group(group_id):
        raise forbidden("Only the group's supervisors or users with the phone-system permission see its call history.")
    return row


@router.get("/response-groups/{group_id}/calls", response_model=CallHistoryPage, responses=ERRORS)
async def call_history(
    group_id: IdPath,
    state: StateDep,
    session: SessionDep,
    principal: PrincipalDep,
    start: FromQuery = None,
    end: ToQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only calls older than this one (paging).")] = None,
    outcome: Annotated[Outcome | None, Query(description="Only calls that ended so.")] = None,
) -> CallHistoryPage:
    """Finished calls that arrived in the window, newest first: times, outcome,
    agent, collected input, voicemail with transcript, CI summary."""
    await _operable_group(session, principal, group_id)
    start, end = window(state, start, end)
    return await history.call_history(
        session, state.engine, group_id, start, end, limit=limit, before_id=before_id, outcome=outcome
    )


@router.get("/response-groups/{group_id}/service-level", response_model=ServiceLevelReport, responses=ERRORS)
async def service_level(
    group_id: IdPath,
    state: StateDep,
    session: SessionDep,
    principal: PrincipalDep,
    start: FromQuery = None,
    end: ToQuery = None,
    by: Annotated[Literal["none", "hour", "day"], Query(description="Also give the figures per local hour or day.")] = "none",
) -> ServiceLevelReport:
    """Service level (§15) over the window: answered within the threshold ÷
    (answered + abandoned − early hang-ups), counted when answered or abandoned."""
    row = await groups.get_row(session, principal, group_id)  # whoever sees the group's live figures
    start, end = window(state, start, end, by)
    settings = groups.settings_of(row).service_level
    return await history.service_level(
        session, state.engine, group_id, settings, start, end, by=by, tz=ZoneInfo(state.settings.timezone)
    )
