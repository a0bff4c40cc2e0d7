"""§7 Schedules (öppettider): objects of their own, chosen per group."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Response

from backend.api.deps import EditorDep, IdPath, PrincipalDep, SessionDep, StateDep
from backend.api.groups import ERRORS, _announce, _current
from backend.db.models import ScheduleRow
from backend.schemas.common import ApiError
from backend.schemas.schedules import Schedule, ScheduleInput, ScheduleState, schedule_etag
from backend.services import schedules
from backend.services.auth import utc
from backend.state import AppState

router = APIRouter(tags=["schedules"])
WRITE_ERRORS = ERRORS | {409: {"model": ApiError}, 412: {"model": ApiError}, 428: {"model": ApiError}}


async def _after_change(state: AppState, session, principal, schedule_id: int) -> None:  # noqa: ANN001
    """The engine's book follows; groups on the schedule are reported again."""
    row = await session.get(ScheduleRow, schedule_id, populate_existing=True)
    if row is None:
        state.engine.schedules.remove(schedule_id)
        return
    state.engine.schedules.put(schedule_id, schedules.hours_of(row))
    users = await schedules.groups_using(session, principal.org_id, schedule_id)
    if users:
        state.engine.require().schedule_changed([g.id for g in users])
        for group in users:
            _announce(state, principal.org_id, _current(state, group))
    state.engine.check_schedules()
    state.engine.poke()  # the next opening or closing may have moved


@router.get("/schedules", response_model=list[Schedule], responses=ERRORS)
async def list_schedules(session: SessionDep, principal: PrincipalDep) -> list[Schedule]:
    return [schedules.to_model(r) for r in await schedules.list_rows(session, principal.org_id)]


@router.post("/schedules", response_model=Schedule, status_code=201, responses=WRITE_ERRORS)
async def create_schedule(
    body: Annotated[ScheduleInput, Body()], response: Response, state: StateDep, session: SessionDep, principal: EditorDep
) -> Schedule:
    """Create a schedule: `name`, `timezone` (IANA), `weekly`, `exceptions`."""
    schedules.validate(body)
    row = await schedules.create(session, principal, body, utc(state.clock.now()))
    await session.commit()
    await _after_change(state, session, principal, row.id)
    result = schedules.to_model(row)
    response.headers["ETag"] = schedule_etag(row.id, row.version)
    response.headers["Location"] = f"/api/v1/schedules/{row.id}"
    return result


@router.get("/schedules/{schedule_id}", response_model=Schedule, responses=ERRORS)
async def get_schedule(schedule_id: IdPath, response: Response, session: SessionDep, principal: PrincipalDep) -> Schedule:
    row = await schedules.get_row(session, principal, schedule_id)
    response.headers["ETag"] = schedule_etag(row.id, row.version)
    return schedules.to_model(row)


@router.put("/schedules/{schedule_id}", response_model=Schedule, responses=WRITE_ERRORS)
async def put_schedule(
    schedule_id: IdPath,
    body: Annotated[ScheduleInput, Body()],
    response: Response,
    state: StateDep,
    session: SessionDep,
    principal: EditorDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Schedule:
    """Replace the schedule, with the ETag you read in `If-Match` (412 with `current` if stale)."""
    row = await schedules.get_row(session, principal, schedule_id)
    schedules.check_if_match(if_match, schedules.to_model(row))
    schedules.validate(body)
    await schedules.replace(session, principal, row, body, utc(state.clock.now()))
    await session.commit()
    row = await schedules.get_row(session, principal, schedule_id)
    await _after_change(state, session, principal, schedule_id)
    response.headers["ETag"] = schedule_etag(row.id, row.version)
    return schedules.to_model(row)


@router.delete("/schedules/{schedule_id}", status_code=204, responses=WRITE_ERRORS)
async def delete_schedule(
    schedule_id: IdPath,
    state: StateDep,
    session: SessionDep,
    principal: EditorDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Delete a schedule no group uses (409 `schedule_in_use` otherwise). If-Match optional."""
    row = await schedules.get_row(session, principal, schedule_id)
    if if_match is not None:
        schedules.check_if_match(if_match, schedules.to_model(row))
    await schedules.delete(session, principal, row, utc(state.clock.now()))
    await session.commit()
    state.engine.schedules.remove(schedule_id)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/state", response_model=ScheduleState, responses=ERRORS)
async def schedule_state(schedule_id: IdPath, state: StateDep, session: SessionDep, principal: PrincipalDep) -> ScheduleState:
    """Open now (the engine clock's now), and when that next changes."""
    row = await schedules.get_row(session, principal, schedule_id)
    state.engine.schedules.put(row.id, schedules.hours_of(row))  # no-op when the version is known
    return schedules.state(state.engine.schedules, row.id, state.clock.now())
