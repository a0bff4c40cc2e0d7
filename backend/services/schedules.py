"""§7 Schedules: stored, validated, versioned; the engine's book kept in step."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AuditEntry, ResponseGroupRow, ScheduleRow
from backend.engine.opening_hours import OpeningHours, ScheduleBook
from backend.errors import ApiException, not_found
from backend.schemas.common import FieldError
from backend.schemas.schedules import Schedule, ScheduleInput, ScheduleState, schedule_etag, schedule_problems
from backend.services.auth import Principal
from backend.services.names import check_name_free


def to_model(row: ScheduleRow) -> Schedule:
    return Schedule.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "timezone": row.timezone,
            "weekly": row.weekly,
            "exceptions": row.exceptions,
            "version": row.version,
            "updated_at": row.updated_at,
        }
    )


def hours_of(row: ScheduleRow) -> OpeningHours:
    return OpeningHours.of(to_model(row), version=row.version)


async def load_book(session: AsyncSession, book: ScheduleBook) -> None:
    for row in (await session.scalars(select(ScheduleRow))).all():
        book.put(row.id, hours_of(row))


def validate(body: ScheduleInput) -> None:
    problems = schedule_problems(body)
    if problems:
        raise ApiException(422, "validation_failed", "Some values were refused.", errors=problems)


async def get_row(session: AsyncSession, principal: Principal, schedule_id: int) -> ScheduleRow:
    row = await session.get(ScheduleRow, schedule_id, populate_existing=True)
    if row is None or row.org_id != principal.org_id:
        raise not_found(f"Schedule {schedule_id}")
    return row


async def list_rows(session: AsyncSession, org_id: int) -> list[ScheduleRow]:
    query = select(ScheduleRow).where(ScheduleRow.org_id == org_id).order_by(ScheduleRow.name)
    return list((await session.scalars(query)).all())


def _audit(session: AsyncSession, principal: Principal, at: datetime, action: str, schedule_id: int, before: Any, after: Any) -> None:
    session.add(
        AuditEntry(
            org_id=principal.org_id, user_id=principal.user_id, at=at, action=action,
            object_type="schedule", object_id=schedule_id, before=before, after=after,
        )
    )


def _document(body: ScheduleInput) -> dict[str, Any]:
    return body.model_dump(mode="json", include={"name", "timezone", "weekly", "exceptions"})


async def create(session: AsyncSession, principal: Principal, body: ScheduleInput, now: datetime) -> ScheduleRow:
    await check_name_free(session, ScheduleRow, principal.org_id, body.name, None, "schedule")
    doc = _document(body)
    row = ScheduleRow(
        org_id=principal.org_id, name=body.name, timezone=body.timezone, weekly=doc["weekly"],
        exceptions=doc["exceptions"], version=1, created_at=now, updated_at=now,
    )
    session.add(row)
    await session.flush()
    _audit(session, principal, now, "create", row.id, None, doc)
    return row


def check_if_match(if_match: str | None, current: Schedule) -> None:
    etag = schedule_etag(current.id, current.version)
    if if_match is None or not if_match.strip():
        raise ApiException(428, "if_match_required", "Send the ETag you last read in an If-Match header.")
    if etag not in [tag.strip().removeprefix("W/") for tag in if_match.split(",")]:
        raise ApiException(
            412, "version_mismatch", "Someone else changed this schedule since you read it; here it is as it is now.",
            current=current.model_dump(mode="json"), headers={"ETag": etag},
        )


async def replace(session: AsyncSession, principal: Principal, row: ScheduleRow, body: ScheduleInput, now: datetime) -> None:
    before = to_model(row)
    if body.name != before.name:
        await check_name_free(session, ScheduleRow, principal.org_id, body.name, row.id, "schedule")
    doc = _document(body)
    result = await session.execute(
        update(ScheduleRow)
        .where(ScheduleRow.id == row.id, ScheduleRow.version == before.version)
        .values(name=body.name, timezone=body.timezone, weekly=doc["weekly"], exceptions=doc["exceptions"],
                version=before.version + 1, updated_at=now)
    )
    if result.rowcount != 1:
        raise ApiException(412, "version_mismatch", "Someone else changed this schedule just now; reload it.")
    _audit(session, principal, now, "update", row.id, _document(before), doc)


async def groups_using(session: AsyncSession, org_id: int, schedule_id: int) -> list[ResponseGroupRow]:
    rows = (await session.scalars(select(ResponseGroupRow).where(ResponseGroupRow.org_id == org_id))).all()
    return [r for r in rows if (r.settings or {}).get("schedule_id") == schedule_id]


async def delete(session: AsyncSession, principal: Principal, row: ScheduleRow, now: datetime) -> None:
    users = await groups_using(session, principal.org_id, row.id)
    if users:
        names = ", ".join(sorted(r.name for r in users))
        raise ApiException(
            409,
            "schedule_in_use",
            f"The schedule is used by {names}; choose another schedule for them first.",
            errors=[FieldError(field="id", reason=f"used by {names}", code="schedule_in_use")],
        )
    _audit(session, principal, now, "delete", row.id, _document(to_model(row)), None)
    await session.delete(row)


def state(book: ScheduleBook, schedule_id: int, at: float) -> ScheduleState:
    is_open, change = book.state(schedule_id, at)
    return ScheduleState(
        open=is_open,
        next_change_at=None if change is None else datetime.fromtimestamp(change, UTC),
        next_change_opens=None if change is None else not is_open,
    )
