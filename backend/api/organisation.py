"""The organisation: the catalogs groups pick from, and its AI-agents flag."""
from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import EditorDep, PrincipalDep, SessionDep, StateDep
from backend.api.groups import ERRORS
from backend.db.models import AuditEntry, Organisation
from backend.schemas.organisation import OrganisationOut, OrganisationPatch
from backend.services import catalogs
from backend.services.auth import utc

router = APIRouter(tags=["organisation"])


@router.get("/organisation", response_model=OrganisationOut, responses=ERRORS)
async def get_organisation(session: SessionDep, principal: PrincipalDep) -> OrganisationOut:
    """Numbers (with the group using each; null: free), billing IDs, agent groups,
    users, knowledge sources, audio files and schedules."""
    return await catalogs.organisation(session, principal.org_id)


@router.patch("/organisation", response_model=OrganisationOut, responses=ERRORS)
async def patch_organisation(
    body: OrganisationPatch, state: StateDep, session: SessionDep, principal: EditorDep
) -> OrganisationOut:
    """Turn AI agents on or off for the organisation (§4, §10)."""
    org = await session.get(Organisation, principal.org_id)
    assert org is not None
    if body.ai_agents_enabled is not None and body.ai_agents_enabled != org.ai_agents_enabled:
        session.add(
            AuditEntry(
                org_id=org.id, user_id=principal.user_id, at=utc(state.clock.now()), action="update",
                object_type="organisation", object_id=org.id,
                before={"ai_agents_enabled": org.ai_agents_enabled}, after={"ai_agents_enabled": body.ai_agents_enabled},
            )
        )
        org.ai_agents_enabled = body.ai_agents_enabled
        await session.commit()
        state.principals.clear()  # /me carries the flag
        state.bus.publish("organisation.updated", org.id, None, {"ai_agents_enabled": org.ai_agents_enabled}, state.clock.now())
    return await catalogs.organisation(session, principal.org_id)
