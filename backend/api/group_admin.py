"""§19 Deleting a response group, and its change history."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response

from backend.api.deps import EditorDep, IdPath, PrincipalDep, SessionDep, StateDep
from backend.api.groups import ERRORS, _announce, _current
from backend.schemas.common import ApiError
from backend.schemas.groups import DeleteConfirmation
from backend.schemas.organisation import HistoryEntry
from backend.services import group_admin, groups
from backend.services.auth import utc

router = APIRouter(tags=["response groups"])


@router.delete(
    "/response-groups/{group_id}",
    status_code=204,
    responses=ERRORS | {412: {"model": ApiError}, 428: {"model": ApiError}},
)
async def delete_group(
    group_id: IdPath,
    body: Annotated[DeleteConfirmation, Body()],
    state: StateDep,
    session: SessionDep,
    principal: EditorDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """§19 Delete the group for good, with its calls, recordings and voicemails.
    Type the group's name in `confirm_name`; send its ETag in `If-Match`."""
    row = await groups.get_row(session, principal, group_id)
    groups.check_if_match(if_match, _current(state, row))
    group_admin.check_confirm_name(row, body.confirm_name)
    # The engine lets go first (waiting calls end), so no call of the group is stored after.
    state.engine.forget_group(group_id)
    await state.engine.flush()
    try:
        redirected = await group_admin.delete_group(session, principal, row, utc(state.clock.now()))
        await session.commit()
    except Exception:
        state.engine.deleted_groups.discard(group_id)
        await state.engine.reload_group(group_id)
        raise
    state.principals.clear()  # supervisors and agents lose the group
    state.bus.publish("group.deleted", principal.org_id, group_id, {"group_id": group_id}, state.clock.now())
    for other_id in redirected:  # their overflow now goes to voicemail: same path as a PATCH
        await state.engine.reload_group(other_id)
        _announce(state, principal.org_id, _current(state, await groups.get_row(session, principal, other_id)))
    return Response(status_code=204)


@router.get("/response-groups/{group_id}/history", response_model=list[HistoryEntry], responses=ERRORS)
async def group_history(
    group_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[HistoryEntry]:
    """Who changed what and when, newest first, with each changed path's before and after."""
    await groups.get_row(session, principal, group_id)
    return await group_admin.history(session, group_id, limit)
