"""Names unique in the organisation: response groups (§6) and schedules (§7)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import ApiException
from backend.schemas.common import FieldError


async def check_name_free(session: AsyncSession, model: Any, org_id: int, name: str, own_id: int | None, what: str) -> None:
    """409 `name_taken` (field `name`) when another `model` row of the
    organisation has `name`; `own_id` is the row being saved (None: a new one).
    `what` names the kind in the messages: "response group", "schedule"."""
    query = select(model.id).where(model.org_id == org_id, model.name == name)
    if own_id is not None:
        query = query.where(model.id != own_id)
    if await session.scalar(query) is not None:
        raise ApiException(
            409,
            "name_taken",
            f"Another {what} already has that name.",
            errors=[FieldError(field="name", reason=f"already used by another {what}", code="name_taken")],
        )
