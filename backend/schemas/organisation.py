"""The organisation and the catalogs its groups pick from; a group's change history."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from backend.schemas.common import InputModel
from backend.schemas.schedules import ScheduleRef


class PoolNumber(BaseModel):
    number: str
    group_id: int | None = Field(description="The group using it; None: free.")


class BillingId(BaseModel):
    id: int
    label: str


class NamedItem(BaseModel):
    id: int
    name: str


class OrgUser(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]


class OrganisationOut(BaseModel):
    id: int
    name: str
    ai_agents_enabled: bool
    numbers: list[PoolNumber]
    billing_ids: list[BillingId]
    agent_groups: list[NamedItem]
    users: list[OrgUser]
    knowledge_sources: list[NamedItem]
    audio_files: list[NamedItem]
    schedules: list[ScheduleRef]


class OrganisationPatch(InputModel):
    ai_agents_enabled: bool | None = None


class HistoryUser(BaseModel):
    id: int
    username: str
    display_name: str


class Change(BaseModel):
    path: str = Field(description="Dotted path, e.g. view.wait_warning_s; lists are whole values.")
    before: Any = None
    after: Any = None


class HistoryEntry(BaseModel):
    id: int
    at: datetime
    action: str = Field(description="create, update, close, reopen, delete, or denied (a refused write).")
    user: HistoryUser | None
    changes: list[Change]
    request: dict[str, Any] | None = Field(
        None, description="For `denied`: the refused request's method, path and reason."
    )
