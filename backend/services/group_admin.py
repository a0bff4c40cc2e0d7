"""§19 deleting a response group, and a group's change history from the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import AgentLogin, AuditEntry, CallRow, ResponseGroupRow, User
from backend.errors import ApiException
from backend.schemas.common import FieldError
from backend.schemas.organisation import Change, HistoryEntry, HistoryUser
from backend.services.auth import Principal
from backend.schemas.groups import OverflowDestination
from backend.services.groups import RELATIONAL, audit, settings_of

#: Audit actions as the history names them.
ACTIONS = {"close_temporarily": "close"}


def check_confirm_name(row: ResponseGroupRow, typed: str) -> None:
    if typed.strip() != row.name:
        raise ApiException(
            422,
            "confirm_name_mismatch",
            "Type the group's name exactly to delete it.",
            errors=[FieldError(field="confirm_name", reason=f"does not match the group's name", code="confirm_name_mismatch")],
        )


async def delete_group(session: AsyncSession, principal: Principal, row: ResponseGroupRow, now: datetime) -> list[int]:
    """Delete the group with its calls (their recordings and voicemails are part
    of the call records), its agents' logins and its links; audit it whole.
    Groups that overflowed to it overflow to voicemail from now on (what the
    engine already did for a missing group), each change versioned and
    audited like a PATCH; their ids are returned."""
    before = {**settings_of(row).model_dump(mode="json"), "temporarily_closed": row.temporarily_closed}
    group_id = row.id
    await session.execute(delete(CallRow).where(CallRow.group_id == group_id))
    await session.execute(delete(AgentLogin).where(AgentLogin.response_group_id == group_id))
    await session.delete(row)
    audit(session, principal, now, "delete", group_id, before, None)
    return await _redirect_overflow(session, principal, group_id, now)


async def _redirect_overflow(session: AsyncSession, principal: Principal, gone: int, now: datetime) -> list[int]:
    changed = []
    rows = (await session.scalars(select(ResponseGroupRow).where(ResponseGroupRow.org_id == principal.org_id))).all()
    for other in rows:
        if other.id == gone or settings_of(other).overflow.destination.group_id != gone:
            continue
        old = settings_of(other)
        new = old.model_copy(deep=True)
        new.overflow.destination = OverflowDestination(kind="voicemail")
        other.settings = new.model_dump(mode="json", exclude=RELATIONAL)
        other.version += 1
        other.updated_at = now
        audit(session, principal, now, "update", other.id, old.model_dump(mode="json"), new.model_dump(mode="json"))
        changed.append(other.id)
    return changed


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects to dotted paths; lists (and empty objects) stay whole values."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value} if prefix else {}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    old, new = flatten(before or {}), flatten(after or {})
    changes = []
    for path in [*old, *(p for p in new if p not in old)]:
        if old.get(path) != new.get(path) or (path in old) != (path in new):
            changes.append(Change(path=path, before=old.get(path), after=new.get(path)))
    return changes


async def history(session: AsyncSession, group_id: int, limit: int) -> list[HistoryEntry]:
    rows = (
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "response_group", AuditEntry.object_id == group_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    ).all()
    user_ids = {r.user_id for r in rows if r.user_id is not None}
    users = {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(user_ids)))).all()} if user_ids else {}
    entries = []
    for r in rows:
        user = users.get(r.user_id) if r.user_id is not None else None
        entries.append(
            HistoryEntry(
                id=r.id,
                at=r.at,
                action=ACTIONS.get(r.action, r.action),
                user=None if user is None else HistoryUser(id=user.id, username=user.username, display_name=user.display_name),
                changes=[] if r.action == "denied" else diff(r.before, r.after),
                request=r.after if r.action == "denied" else None,
            )
        )
    return entries
