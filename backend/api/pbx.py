"""The PBX-facing API: what a PBX adapter or SIP gateway calls; the simulator too.

Each event may carry `at` (default: now) so recorded traffic replays exactly;
an `at` earlier than the engine's time is applied at the engine's time. Needs
the `pbx` permission (the gateway's account) or `phone_system`. docs/engine.md
lists the events the engine answers with on the event stream.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.api.deps import IdPath, PrincipalDep, SessionDep, StateDep
from backend.db.models import ResponseGroupRow
from backend.engine.core import Engine
from backend.engine.model import Call, EngineError
from backend.errors import ApiException, forbidden
from backend.schemas.common import ApiError, DbId, FieldError, InputModel
from backend.services.auth import Principal
from backend.services.groups import settings_of
from backend.state import AppState

router = APIRouter(prefix="/pbx", tags=["pbx"])

PBX = "pbx"


async def require_pbx(principal: PrincipalDep) -> Principal:
    if PBX not in principal.permissions and not principal.phone_system:
        raise forbidden("The PBX permission (or phone-system) is needed for PBX events.")
    return principal


PbxDep = Annotated[Principal, Depends(require_pbx)]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError},
    403: {"model": ApiError},
    404: {"model": ApiError},
    409: {"model": ApiError},
    422: {"model": ApiError},
}


class Timed(InputModel):
    at: datetime | None = Field(None, description="When it happened (ISO 8601 with zone); default now.")

    def ts(self) -> float | None:
        if self.at is None:
            return None
        if self.at.tzinfo is None:
            raise ApiException(
                422,
                "validation_failed",
                "Some values were refused.",
                errors=[FieldError(field="at", reason="needs a time zone, e.g. 2026-11-25T08:00:00Z", code="timezone_required")],
            )
        return self.at.timestamp()


class CallArrived(Timed):
    group_id: DbId | None = Field(None, description="The response group, or give `number`.")
    number: str | None = Field(None, max_length=20, description="The number dialled.")
    caller: str = Field(min_length=1, max_length=32, description="The caller's number.")
    returned_transfer: bool = Field(
        False,
        description="A direct transfer to someone failed and the PBX hands the caller to this group "
        "(a VIP call when the group's vip.return_failed_transfers is on).",
    )


class AgentAction(Timed):
    agent_id: DbId


class Digits(Timed):
    digits: str = Field(
        max_length=64, pattern=r"^[0-9*#]*$", description="What the caller keyed in, end key included (0-9, * and #)."
    )


class VoicemailLeft(Timed):
    duration_s: float = Field(gt=0, le=3600, description="Length of the message, in seconds.")


class AgentLoginBody(Timed):
    group_id: DbId | None = Field(None, description="One group; omitted on logout: every group.")
    self_service: bool = Field(
        False, description="The agent did it from the phone: allowed only where §18 lets agents log themselves in and out."
    )


class CallRef(BaseModel):
    call_id: int = Field(description="The call that now holds the caller (a returned transfer gets a new one).")
    group_id: int
    state: str
    outcome: str | None = Field(None, description="Set once the call has ended.")


class AgentRef(BaseModel):
    agent_id: int
    state: str
    logged_in: list[int]


def _engine_error(exc: EngineError) -> ApiException:
    status = 404 if exc.code.startswith("unknown") else 409
    return ApiException(status, exc.code, str(exc))


def _ref(call: Call) -> CallRef:
    return CallRef(
        call_id=call.id, group_id=call.group_id, state=call.state.value, outcome=call.outcome.value if call.outcome else None
    )


def _group_for(state: AppState, principal: Principal, body: CallArrived) -> int:
    engine = state.engine.require()
    if body.group_id is not None:
        group = engine.groups.get(body.group_id)
        if group is None or group.org_id != principal.org_id:
            raise ApiException(404, "unknown_group", f"no response group {body.group_id}")
        return group.id
    if body.number:
        found = state.engine.group_by_number(body.number, principal.org_id)
        if found is not None:
            return found
        raise ApiException(404, "unknown_number", f"no response group has the number {body.number}")
    raise ApiException(
        422,
        "validation_failed",
        "Some values were refused.",
        errors=[FieldError(field="group_id", reason="give group_id or number", code="group_or_number_required")],
    )


async def durable(state: AppState) -> None:
    """Several processes: answer only once the operation is committed, so what the
    PBX was told survives the death of the process that runs the queues."""
    if state.engine.journal is not None:
        await state.engine.flush()


async def _run(state: AppState, principal: Principal, call_id: int, op: Callable[[Engine], Call]) -> CallRef:
    engine = state.engine.require()
    call = engine.calls.get(call_id)
    if call is None or call.org_id != principal.org_id:
        raise ApiException(404, "unknown_call", f"no call {call_id} in progress")
    try:
        ref = _ref(op(engine))
    except EngineError as exc:
        raise _engine_error(exc) from exc
    await durable(state)
    return ref


@router.post("/calls", response_model=CallRef, status_code=201, responses=ERRORS)
async def call_arrived(body: CallArrived, state: StateDep, principal: PbxDep) -> CallRef:
    """A call arrived at a group's number."""
    group_id = _group_for(state, principal, body)
    try:
        call = state.engine.require().call_arrived(
            group_id, body.caller, at=body.ts(), returned_transfer=body.returned_transfer
        )
    except EngineError as exc:
        raise _engine_error(exc) from exc
    await durable(state)
    return _ref(call)


@router.post("/calls/{call_id}/hangup", response_model=CallRef, responses=ERRORS)
async def hang_up(call_id: IdPath, body: Timed, state: StateDep, principal: PbxDep) -> CallRef:
    """The caller hung up (in the collector, the queue, ringing, voicemail, or talking)."""
    return await _run(state, principal, call_id, lambda e: e.caller_hung_up(call_id, at=body.ts()))


@router.post("/calls/{call_id}/digits", response_model=CallRef, responses=ERRORS)
async def digits(call_id: IdPath, body: Digits, state: StateDep, principal: PbxDep) -> CallRef:
    """§13: the caller keyed in digits for the input collector asking now."""
    return await _run(state, principal, call_id, lambda e: e.digits_entered(call_id, body.digits, at=body.ts()))


@router.post("/calls/{call_id}/answer", response_model=CallRef, responses=ERRORS)
async def answer(call_id: IdPath, body: AgentAction, state: StateDep, principal: PbxDep) -> CallRef:
    """The agent answered the offered call (a callback: the caller was reached)."""
    return await _run(state, principal, call_id, lambda e: e.agent_answered(body.agent_id, call_id, at=body.ts()))


@router.post("/calls/{call_id}/reject", response_model=CallRef, responses=ERRORS)
async def reject(call_id: IdPath, body: AgentAction, state: StateDep, principal: PbxDep) -> CallRef:
    """The agent rejected the offered call."""
    return await _run(state, principal, call_id, lambda e: e.agent_rejected(body.agent_id, call_id, at=body.ts()))


@router.post("/calls/{call_id}/miss", response_model=CallRef, responses=ERRORS)
async def miss(call_id: IdPath, body: AgentAction, state: StateDep, principal: PbxDep) -> CallRef:
    """The agent did not answer in time."""
    return await _run(state, principal, call_id, lambda e: e.agent_missed(body.agent_id, call_id, at=body.ts()))


@router.post("/calls/{call_id}/end", response_model=CallRef, responses=ERRORS)
async def end(call_id: IdPath, body: Timed, state: StateDep, principal: PbxDep) -> CallRef:
    """The connected call ended."""
    return await _run(state, principal, call_id, lambda e: e.call_ended(call_id, at=body.ts()))


@router.post("/calls/{call_id}/transfer-failed", response_model=CallRef, responses=ERRORS)
async def transfer_failed(call_id: IdPath, body: Timed, state: StateDep, principal: PbxDep) -> CallRef:
    """The agent's direct transfer of this connected call failed (§11 VIP returns)."""
    return await _run(state, principal, call_id, lambda e: e.transfer_failed(call_id, at=body.ts()))


@router.post("/calls/{call_id}/callback", response_model=CallRef, responses=ERRORS)
async def callback_requested(call_id: IdPath, body: Timed, state: StateDep, principal: PbxDep) -> CallRef:
    """§14: the caller accepted the callback offer and hung up, keeping the turn."""
    return await _run(state, principal, call_id, lambda e: e.callback_requested(call_id, at=body.ts()))


@router.post("/calls/{call_id}/callback-failed", response_model=CallRef, responses=ERRORS)
async def callback_failed(call_id: IdPath, body: AgentAction, state: StateDep, principal: PbxDep) -> CallRef:
    """§14: the agent called back and nobody answered."""
    return await _run(state, principal, call_id, lambda e: e.callback_failed(body.agent_id, call_id, at=body.ts()))


@router.post("/calls/{call_id}/voicemail", response_model=CallRef, responses=ERRORS)
async def voicemail_left(call_id: IdPath, body: VoicemailLeft, state: StateDep, principal: PbxDep) -> CallRef:
    """§11: the caller left a voicemail message and hung up."""
    return await _run(state, principal, call_id, lambda e: e.voicemail_left(call_id, body.duration_s, at=body.ts()))


async def _check_self_service(session: AsyncSession, principal: Principal, group_ids: list[int]) -> None:
    """§18 for logins and logouts the agent makes from the phone."""
    if not group_ids:
        return
    rows = await session.scalars(
        select(ResponseGroupRow).where(ResponseGroupRow.org_id == principal.org_id, ResponseGroupRow.id.in_(group_ids))
    )
    for row in rows.all():
        if not settings_of(row).agents_may_toggle_login:
            raise ApiException(
                403,
                "login_toggle_not_allowed",
                f"Agents may not log themselves in or out of response group {row.id} (§18).",
            )


@router.post("/agents/{agent_id}/login", response_model=AgentRef, responses=ERRORS)
async def agent_login(
    agent_id: IdPath, body: AgentLoginBody, state: StateDep, session: SessionDep, principal: PbxDep
) -> AgentRef:
    """The agent logged in to a group (from the phone or the PBX)."""
    if body.group_id is None:
        raise ApiException(
            422,
            "validation_failed",
            "Some values were refused.",
            errors=[FieldError(field="group_id", reason="needed to log in", code="missing")],
        )
    if body.self_service:
        await _check_self_service(session, principal, [body.group_id])
    try:
        agent = await state.engine.login(agent_id, body.group_id, principal.org_id, at=body.ts())
    except EngineError as exc:
        raise _engine_error(exc) from exc
    await durable(state)
    return AgentRef(agent_id=agent.id, state=agent.state.value, logged_in=sorted(agent.logged_in))


@router.post("/agents/{agent_id}/logout", response_model=AgentRef, responses=ERRORS)
async def agent_logout(
    agent_id: IdPath, body: AgentLoginBody, state: StateDep, session: SessionDep, principal: PbxDep
) -> AgentRef:
    """The agent logged out of one group, or of all."""
    if body.self_service:
        engine = state.engine.require()
        agent = engine.agents.get(agent_id)
        groups = [body.group_id] if body.group_id is not None else sorted(agent.logged_in) if agent else []
        await _check_self_service(session, principal, groups)
    try:
        agent = await state.engine.logout(agent_id, body.group_id, principal.org_id, at=body.ts())
    except EngineError as exc:
        raise _engine_error(exc) from exc
    await durable(state)
    return AgentRef(agent_id=agent.id, state=agent.state.value, logged_in=sorted(agent.logged_in))
