"""The organisation's catalogs (§7–§13), and every id a group names checked against them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    AgentGroup,
    AudioFile,
    BillingIdRow,
    KnowledgeSource,
    Organisation,
    OrgNumber,
    ResponseGroupRow,
    ScheduleRow,
    User,
)
from backend.errors import ApiException
from backend.schemas.common import FieldError
from backend.schemas.groups import ResponseGroupSettings
from backend.schemas.organisation import BillingId, NamedItem, OrganisationOut, OrgUser, PoolNumber
from backend.schemas.schedules import ScheduleRef


async def _ids(session: AsyncSession, column: Any, org_column: Any, org_id: int) -> set[int]:
    return set((await session.scalars(select(column).where(org_column == org_id))).all())


#: Roles whose users may be named a group's supervisors (§9).
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})


async def _supervisor_ids(session: AsyncSession, org_id: int) -> set[int]:
    rows = (await session.execute(select(User.id, User.roles).where(User.org_id == org_id))).all()
    return {user_id for user_id, roles in rows if SUPERVISOR_ROLES & set(roles or ())}


async def organisation(session: AsyncSession, org_id: int) -> OrganisationOut:
    org = await session.get(Organisation, org_id, populate_existing=True)
    assert org is not None
    used = dict(
        (await session.execute(select(ResponseGroupRow.number, ResponseGroupRow.id).where(ResponseGroupRow.org_id == org_id))).all()
    )
    numbers = (await session.scalars(select(OrgNumber.number).where(OrgNumber.org_id == org_id).order_by(OrgNumber.number))).all()

    async def named(model: Any, attr: str = "name") -> list[Any]:
        query = select(model).where(model.org_id == org_id).order_by(model.id)
        return list((await session.scalars(query)).all())

    users = (await session.scalars(select(User).where(User.org_id == org_id).order_by(User.id))).all()
    schedules = await named(ScheduleRow)
    return OrganisationOut(
        id=org.id,
        name=org.name,
        ai_agents_enabled=org.ai_agents_enabled,
        numbers=[PoolNumber(number=n, group_id=used.get(n)) for n in numbers],
        billing_ids=[BillingId(id=b.id, label=b.label) for b in await named(BillingIdRow)],
        agent_groups=[NamedItem(id=g.id, name=g.name) for g in await named(AgentGroup)],
        users=[OrgUser(id=u.id, username=u.username, display_name=u.display_name, roles=list(u.roles)) for u in users],
        knowledge_sources=[NamedItem(id=k.id, name=k.name) for k in await named(KnowledgeSource)],
        audio_files=[NamedItem(id=a.id, name=a.name) for a in await named(AudioFile)],
        schedules=[ScheduleRef(id=s.id, name=s.name) for s in sorted(schedules, key=lambda s: s.name)],
    )


def _unknown(field: str, what: str) -> FieldError:
    return FieldError(field=field, reason=f"no such {what} in the organisation", code="unknown_id")


def _references(s: ResponseGroupSettings) -> list[tuple[str, str, int | None]]:
    """(field path, catalog, id) for every id the settings name."""
    refs: list[tuple[str, str, int | None]] = [("billing_id", "billing", s.billing_id), ("schedule_id", "schedule", s.schedule_id)]
    refs += [(f"agent_group_ids.{n}", "agent_group", i) for n, i in enumerate(s.agent_group_ids)]
    refs += [(f"supervisor_ids.{n}", "supervisor", i) for n, i in enumerate(s.supervisor_ids)]
    refs += [(f"outgoing.caller_id.user_ids.{n}", "user", i) for n, i in enumerate(s.outgoing.caller_id.user_ids)]
    refs += [(f"ai_agent.knowledge_source_ids.{n}", "knowledge", i) for n, i in enumerate(s.ai_agent.knowledge_source_ids)]
    refs += [("closed_action.message.audio_id", "audio", s.closed_action.message.audio_id)]
    refs += [("voicemail.greeting.audio_id", "audio", s.voicemail.greeting.audio_id)]
    refs += [(f"input_collectors.{n}.prompt.audio_id", "audio", c.prompt.audio_id) for n, c in enumerate(s.input_collectors)]
    refs += [("overflow.destination.group_id", "group", s.overflow.destination.group_id)]
    return refs


CATALOGS: dict[str, tuple[Any, str]] = {
    "billing": (BillingIdRow, "billing ID"),
    "schedule": (ScheduleRow, "schedule"),
    "agent_group": (AgentGroup, "agent group"),
    "user": (User, "user"),
    "supervisor": (User, "user"),
    "knowledge": (KnowledgeSource, "knowledge source"),
    "audio": (AudioFile, "audio file"),
    "group": (ResponseGroupRow, "response group"),
}


async def check_references(
    session: AsyncSession,
    org_id: int,
    settings: ResponseGroupSettings,
    group_id: int | None,
    before: ResponseGroupSettings | None,
) -> None:
    """422 naming each id the organisation does not have, and a number outside
    its pool. Ids the group already had are not checked again, so a change to
    one section never fails on another."""
    errors: list[FieldError] = []
    if before is None or before.number != settings.number:
        number = settings.number
        pool = await session.scalar(select(OrgNumber.id).where(OrgNumber.org_id == org_id, OrgNumber.number == number))
        owner = await session.scalar(select(ResponseGroupRow.id).where(ResponseGroupRow.number == number))
        if pool is None:
            errors.append(FieldError(field="number", reason="not one of the organisation's numbers", code="number_not_in_pool"))
        elif owner is not None and owner != group_id:
            errors.append(FieldError(field="number", reason="already used by another response group", code="number_taken"))
    had = {(kind, i) for _, kind, i in _references(before)} if before is not None else set()
    wanted = [(field, kind, i) for field, kind, i in _references(settings) if i is not None and (kind, i) not in had]
    known: dict[str, set[int]] = {}
    for field, kind, i in wanted:
        model, what = CATALOGS[kind]
        if kind not in known:
            known[kind] = await _ids(session, model.id, model.org_id, org_id)
        if kind == "supervisor" and "supervisor-role" not in known:
            known["supervisor-role"] = await _supervisor_ids(session, org_id)
        if kind == "group" and i == group_id:
            errors.append(FieldError(field=field, reason="a group cannot overflow to itself", code="overflow_to_self"))
        elif i not in known[kind]:
            errors.append(_unknown(field, what))
        elif kind == "supervisor" and i not in known["supervisor-role"]:
            reason = "this user has neither the supervisor nor the admin role"
            errors.append(FieldError(field=field, reason=reason, code="not_a_supervisor"))
    if errors:
        raise ApiException(422, "validation_failed", "Some values were refused.", errors=errors)
