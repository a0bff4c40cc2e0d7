"""Response groups: list with live figures, create, read, change, close, reopen."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response

from backend.api.deps import EditorDep, IdPath, PrincipalDep, SessionDep, StateDep
from backend.db.read_cache import CachedGroup
from backend.errors import ApiException, forbidden, not_found
from backend.schemas.common import ApiError
from backend.schemas.groups import (
    ResponseGroup,
    ResponseGroupCreate,
    ResponseGroupPatch,
)
from backend.schemas.live import GroupLive, GroupSummary
from backend.services import groups, live, sl_trend
from backend.services.auth import utc
from backend.state import AppState

router = APIRouter(tags=["response groups"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError},
    403: {"model": ApiError},
    404: {"model": ApiError},
    422: {"model": ApiError},
}


def _current(state: AppState, row) -> ResponseGroup:  # noqa: ANN001
    return groups.to_model(row, state.engine.status(row.id))


def _announce(state: AppState, org_id: int, group: ResponseGroup, kind: str = "group.updated") -> None:
    """Tell every console: the whole object, so none has to fetch it again."""
    state.bus.publish(kind, org_id, group.id, {"group": group.model_dump(mode="json")}, state.clock.now())


@router.get("/response-groups", response_model=list[GroupSummary], responses=ERRORS)
async def list_groups(
    response: Response, state: StateDep, session: SessionDep, principal: PrincipalDep
) -> list[GroupSummary]:
    """Every group the caller may see, with its live figures."""
    rows = await groups.visible_rows(session, principal)
    response.headers["X-Server-Time"] = f"{state.clock.now():.3f}"
    # Events up to this id are reflected in the figures (later ones may be too;
    # applying them again is harmless, as each carries whole figures).
    response.headers["X-Last-Event-Id"] = str(state.bus.last_id)
    return [live.summary(state, row) for row in rows]


@router.post("/response-groups", response_model=ResponseGroup, status_code=201, responses=ERRORS | {409: {"model": ApiError}})
async def create_group(
    body: ResponseGroupCreate, response: Response, state: StateDep, session: SessionDep, principal: EditorDep
) -> ResponseGroup:
    """§2 Create a response group."""
    row = await groups.create(session, principal, body, utc(state.clock.now()))
    await session.commit()
    await session.refresh(row)
    state.principals.clear()
    await state.engine.reload_group(row.id)
    group = _current(state, row)
    response.headers["ETag"] = group.etag
    response.headers["Location"] = f"/api/v1/response-groups/{row.id}"
    _announce(state, principal.org_id, group, "group.created")
    return group


@router.get("/response-groups/{group_id}", response_model=ResponseGroup, responses=ERRORS | {304: {"description": "Not modified"}})
async def get_group(
    group_id: IdPath,
    state: StateDep,
    principal: PrincipalDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Any:
    """The group's settings, with its ETag; `If-None-Match` with the ETag you have → 304.

    Served from bytes cached until the group changes (backend/db/read_cache.py).
    """
    if not principal.can_see_group(group_id):
        raise not_found(f"Response group {group_id}")
    cache = state.db.read_cache
    status = state.engine.status(group_id)
    entry = cache.get(group_id, status)
    if entry is None:

        async def build() -> CachedGroup:
            async with state.db.session() as session:
                row = await groups.get_row(session, principal, group_id)
                group = _current(state, row)
            return CachedGroup(row.org_id, group.status, group.etag, group.model_dump_json().encode())

        entry = await cache.fill(group_id, build)
    if entry.org_id != principal.org_id:
        raise not_found(f"Response group {group_id}")
    if if_none_match is not None and entry.etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": entry.etag})
    return Response(entry.body, media_type="application/json", headers={"ETag": entry.etag})


@router.patch(
    "/response-groups/{group_id}",
    response_model=ResponseGroup,
    responses=ERRORS | {409: {"model": ApiError}, 412: {"model": ApiError}, 428: {"model": ApiError}},
)
async def patch_group(
    group_id: IdPath,
    patch: Annotated[ResponseGroupPatch, Body()],  # type: ignore[valid-type]
    response: Response,
    state: StateDep,
    session: SessionDep,
    principal: EditorDep,
    if_match: Annotated[str | None, Header()] = None,
) -> ResponseGroup:
    """Change settings. Send only what changes, with the ETag you read in `If-Match`."""
    row = await groups.get_row(session, principal, group_id)
    current = _current(state, row)
    groups.check_if_match(if_match, current)
    changes = patch.model_dump(exclude_unset=True)
    if changes:
        try:
            await groups.apply_patch(
                session, principal, row, current, changes, utc(state.clock.now()), state.engine.closed_and_waiting
            )
        except ApiException as exc:
            if exc.status == 412 and exc.body.current is None:  # lost the race to a save that just committed
                await session.rollback()
                raise groups.version_mismatch(_current(state, await groups.get_row(session, principal, group_id))) from exc
            raise
        await session.commit()
        row = await groups.get_row(session, principal, group_id)
        await state.engine.reload_group(group_id)
    group = _current(state, row)
    if changes:
        state.principals.clear()  # supervisors may have changed
        _announce(state, principal.org_id, group)
    response.headers["ETag"] = group.etag
    return group


async def _set_closed(
    group_id: int, closed: bool, response: Response, state: AppState, session, principal  # noqa: ANN001
) -> ResponseGroup:
    if not principal.can_operate_group(group_id):  # before looking: a refusal tells nothing about the group
        raise forbidden("Only the group's supervisors or users with the phone-system permission may do this.")
    row = await groups.get_row(session, principal, group_id)
    if await groups.set_temporarily_closed(session, principal, row, closed, utc(state.clock.now())):
        await session.commit()
        row = await groups.get_row(session, principal, group_id)
        state.engine.require().set_temporarily_closed(group_id, closed)
        group = _current(state, row)
        _announce(state, principal.org_id, group)
    else:
        group = _current(state, row)
    response.headers["ETag"] = group.etag
    return group


@router.post("/response-groups/{group_id}/close", response_model=ResponseGroup, responses=ERRORS)
async def close_group(group_id: IdPath, response: Response, state: StateDep, session: SessionDep, principal: PrincipalDep) -> ResponseGroup:
    """§5 Close temporarily: new calls get the closed treatment; waiting calls stay."""
    return await _set_closed(group_id, True, response, state, session, principal)


@router.post("/response-groups/{group_id}/reopen", response_model=ResponseGroup, responses=ERRORS)
async def reopen_group(group_id: IdPath, response: Response, state: StateDep, session: SessionDep, principal: PrincipalDep) -> ResponseGroup:
    """§5 Reopen after a temporary closing."""
    return await _set_closed(group_id, False, response, state, session, principal)


@router.get("/response-groups/{group_id}/live", response_model=GroupLive, responses=ERRORS)
async def group_live(group_id: IdPath, state: StateDep, session: SessionDep, principal: PrincipalDep) -> GroupLive:
    """The group's waiting calls, agents and today's service-level counts, now."""
    await groups.get_row(session, principal, group_id)
    snapshot = live.group_live(state, group_id)
    await state.engine.flush()  # calls that just ended belong in the trend
    snapshot.sl_trend = await sl_trend.sl_trend(session, group_id, snapshot.server_time.timestamp())
    return snapshot
