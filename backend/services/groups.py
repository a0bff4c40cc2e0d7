"""Response groups: read, create, change (with If-Match), close and reopen."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from collections.abc import Callable

from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import ApiException, field_errors, not_found
from backend.db.models import (
    AuditEntry,
    ResponseGroupAgentGroup,
    ResponseGroupRow,
    ResponseGroupSupervisor,
)
from backend.schemas.common import FieldError
from backend.schemas.groups import (
    GroupStatus,
    ResponseGroup,
    ResponseGroupCreate,
    ResponseGroupSettings,
    etag_for,
)
from backend.services.auth import Principal
from backend.services.names import check_name_free
from backend.services.catalogs import check_references

#: (group id) -> (closed now, calls waiting now), from the engine.
NumberRule = Callable[[int], tuple[bool, int]]

#: Settings stored as columns or link tables (so the database can enforce
#: them); every other setting lives in the row's JSON document.
RELATIONAL = {"name", "number", "agent_group_ids", "supervisor_ids"}


def to_model(row: ResponseGroupRow, status: GroupStatus) -> ResponseGroup:
    return ResponseGroup.model_validate(
        {
            **settings_of(row).model_dump(),
            "id": row.id,
            "status": status,
            "temporarily_closed": row.temporarily_closed,
            "version": row.version,
            "updated_at": row.updated_at,
        }
    )


def settings_of(row: ResponseGroupRow) -> ResponseGroupSettings:
    return ResponseGroupSettings.model_validate(
        {
            **row.settings,
            "name": row.name,
            "number": row.number,
            "agent_group_ids": sorted(link.agent_group_id for link in row.agent_groups),
            "supervisor_ids": sorted(link.user_id for link in row.supervisors),
        }
    )


async def get_row(session: AsyncSession, principal: Principal, group_id: int) -> ResponseGroupRow:
    row = await session.get(ResponseGroupRow, group_id, populate_existing=True)
    if row is None or row.org_id != principal.org_id or not principal.can_see_group(group_id):
        raise not_found(f"Response group {group_id}")
    return row


async def visible_rows(session: AsyncSession, principal: Principal) -> list[ResponseGroupRow]:
    query = select(ResponseGroupRow).where(ResponseGroupRow.org_id == principal.org_id)
    if not principal.sees_all_groups():
        query = query.where(ResponseGroupRow.id.in_(principal.supervises | principal.serves))
    return list((await session.scalars(query.order_by(ResponseGroupRow.name))).all())


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge of `patch` into `base`: objects merge field by field, the rest replaces."""
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def check_if_match(if_match: str | None, current: ResponseGroup) -> None:
    if if_match is None or not if_match.strip():
        raise ApiException(
            428,
            "if_match_required",
            "Send the ETag you last read in an If-Match header, so that no one's change is lost.",
        )
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if current.etag not in tags:
        raise version_mismatch(current)


def version_mismatch(current: ResponseGroup) -> ApiException:
    return ApiException(
        412,
        "version_mismatch",
        "Someone else changed this group since you read it; here is the group as it is now.",
        current=current.model_dump(mode="json"),
        headers={"ETag": current.etag},
    )


def audit(
    session: AsyncSession,
    principal: Principal,
    at: datetime,
    action: str,
    group_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(
        AuditEntry(
            org_id=principal.org_id,
            user_id=principal.user_id,
            at=at,
            action=action,
            object_type="response_group",
            object_id=group_id,
            before=before,
            after=after,
        )
    )


async def check_number_change(
    session: AsyncSession, row: ResponseGroupRow, number: str, rule: NumberRule
) -> None:
    """§8 / FAQ: the number changes only while the group is closed and its queue is empty."""
    closed, waiting = rule(row.id)
    if not closed or waiting:
        raise ApiException(
            409,
            "number_change_needs_closed_empty_group",
            "The number can be changed only while the group is closed and its queue is empty.",
            errors=[
                FieldError(
                    field="number",
                    reason="close the group and wait until the queue is empty",
                    code="number_change_needs_closed_empty_group",
                )
            ],
        )
    taken = await session.scalar(
        select(ResponseGroupRow.id).where(ResponseGroupRow.number == number, ResponseGroupRow.id != row.id)
    )
    if taken is not None:
        raise ApiException(
            409,
            "number_taken",
            "That number already belongs to another response group.",
            errors=[FieldError(field="number", reason="already in use", code="number_taken")],
        )


async def apply_patch(
    session: AsyncSession,
    principal: Principal,
    row: ResponseGroupRow,
    current: ResponseGroup,
    patch: dict[str, Any],
    now: datetime,
    number_rule: NumberRule,
) -> None:
    """Validate `patch` against the whole object and store it (version compare-and-set)."""
    before = settings_of(row)
    merged = deep_merge(before.model_dump(mode="json"), patch)
    try:
        after = ResponseGroupSettings.model_validate(merged)
    except ValidationError as exc:
        raise ApiException(
            422, "validation_failed", "Some values were refused.", errors=field_errors(list(exc.errors()))
        ) from exc
    await check_references(session, principal.org_id, after, row.id, before)
    if after.name != before.name:
        await check_name_free(session, ResponseGroupRow, principal.org_id, after.name, row.id, "response group")
    if after.number != before.number:
        await check_number_change(session, row, after.number, number_rule)
    document = after.model_dump(mode="json", exclude=RELATIONAL)
    result = await session.execute(
        update(ResponseGroupRow)
        .where(ResponseGroupRow.id == row.id, ResponseGroupRow.version == current.version)
        .values(name=after.name, number=after.number, settings=document, version=current.version + 1, updated_at=now)
    )
    if result.rowcount != 1:  # changed between our read and our write
        raise ApiException(412, "version_mismatch", "Someone else changed this group just now; reload it.")
    if after.agent_group_ids != before.agent_group_ids:
        await session.execute(delete(ResponseGroupAgentGroup).where(ResponseGroupAgentGroup.response_group_id == row.id))
        session.add_all(ResponseGroupAgentGroup(response_group_id=row.id, agent_group_id=i) for i in after.agent_group_ids)
    if after.supervisor_ids != before.supervisor_ids:
        await session.execute(delete(ResponseGroupSupervisor).where(ResponseGroupSupervisor.response_group_id == row.id))
        session.add_all(ResponseGroupSupervisor(response_group_id=row.id, user_id=i) for i in after.supervisor_ids)
    audit(
        session, principal, now, "update", row.id, before.model_dump(mode="json"), after.model_dump(mode="json")
    )


async def create(
    session: AsyncSession, principal: Principal, body: ResponseGroupCreate, now: datetime
) -> ResponseGroupRow:
    await check_name_free(session, ResponseGroupRow, principal.org_id, body.name, None, "response group")
    defaults = ResponseGroupSettings(
        name=body.name,
        number=body.number,
        billing_id=body.billing_id,
        mobile_display=body.mobile_display,
        agent_group_ids=body.agent_group_ids,
        supervisor_ids=body.supervisor_ids,
    )
    await check_references(session, principal.org_id, defaults, None, None)
    row = ResponseGroupRow(
        org_id=principal.org_id,
        name=body.name,
        number=body.number,
        settings=defaults.model_dump(mode="json", exclude=RELATIONAL),
        version=1,
        created_at=now,
        updated_at=now,
        agent_groups=[ResponseGroupAgentGroup(agent_group_id=i) for i in dict.fromkeys(body.agent_group_ids)],
        supervisors=[ResponseGroupSupervisor(user_id=i) for i in dict.fromkeys(body.supervisor_ids)],
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ApiException(409, "conflict", "The group conflicts with an existing one.") from exc
    audit(session, principal, now, "create", row.id, None, defaults.model_dump(mode="json"))
    return row


async def set_temporarily_closed(
    session: AsyncSession, principal: Principal, row: ResponseGroupRow, closed: bool, now: datetime
) -> bool:
    """Close or reopen; returns False when it already was so."""
    if row.temporarily_closed == closed:
        return False
    version = row.version
    await session.execute(
        update(ResponseGroupRow)
        .where(ResponseGroupRow.id == row.id)
        .values(temporarily_closed=closed, version=version + 1, updated_at=now)
    )
    audit(
        session,
        principal,
        now,
        "close_temporarily" if closed else "reopen",
        row.id,
        {"temporarily_closed": not closed},
        {"temporarily_closed": closed},
    )
    return True


def group_etag(row: ResponseGroupRow) -> str:
    return etag_for(row.id, row.version)
