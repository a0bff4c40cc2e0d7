"""Logging agents in and out of a group: its supervisors and phone-system users
always; an agent itself only where the group's §18 setting allows it."""
from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import IdPath, PrincipalDep, SessionDep, StateDep
from backend.engine.core import EngineError
from backend.errors import ApiException, forbidden
from backend.schemas.common import ApiError
from backend.schemas.live import AgentLive
from backend.services import groups, live
from backend.state import AppState

router = APIRouter(tags=["agents"])

ERRORS = {401: {"model": ApiError}, 403: {"model": ApiError}, 404: {"model": ApiError}, 409: {"model": ApiError}}


@router.post("/response-groups/{group_id}/agents/{agent_id}/login", response_model=AgentLive, responses=ERRORS)
async def login_agent(group_id: IdPath, agent_id: IdPath, state: StateDep, session: SessionDep, principal: PrincipalDep) -> AgentLive:
    """Log an agent in to the group: its supervisors, or the agent itself."""
    return await _set_login(group_id, agent_id, True, state, session, principal)


@router.post("/response-groups/{group_id}/agents/{agent_id}/logout", response_model=AgentLive, responses=ERRORS)
async def logout_agent(group_id: IdPath, agent_id: IdPath, state: StateDep, session: SessionDep, principal: PrincipalDep) -> AgentLive:
    """Log an agent out of the group: its supervisors, or the agent itself."""
    return await _set_login(group_id, agent_id, False, state, session, principal)


async def _set_login(group_id: int, agent_id: int, login: bool, state: AppState, session, principal) -> AgentLive:  # noqa: ANN001
    if not principal.can_operate_group(group_id) and (principal.user_id != agent_id or group_id not in principal.serves):
        # Refused before looking, so a refusal tells nothing about the group.
        raise forbidden("Only the group's supervisors may log other agents in or out.")
    row = await groups.get_row(session, principal, group_id)
    if not principal.can_operate_group(group_id):
        # §18: an agent acting on itself, where the group allows it.
        if not groups.settings_of(row).agents_may_toggle_login:
            raise ApiException(
                403,
                "login_toggle_not_allowed",
                "Agents may not log themselves in or out of this group (§18); ask a supervisor.",
            )
    try:
        if login:
            await state.engine.login(agent_id, group_id, principal.org_id)
        else:
            await state.engine.logout(agent_id, group_id, principal.org_id)
    except EngineError as exc:
        raise ApiException(404 if exc.code.startswith("unknown") else 409, exc.code, str(exc)) from exc
    for agent in live.group_live(state, group_id).agents:
        if agent.id == agent_id:
            return agent
    raise ApiException(404, "unknown_agent", f"agent {agent_id} does not serve this group")
