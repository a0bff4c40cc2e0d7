"""Login and the signed-in user."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from backend.schemas.common import InputModel

#: The seed's *Telefonisystem* permission: see and change every group setting.
PHONE_SYSTEM = "phone_system"


class LoginRequest(InputModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    organisation_id: int
    organisation_name: str
    roles: list[str] = Field(description="`admin`, `supervisor`, `agent`.")
    permissions: list[str] = Field(description="`phone_system` is the seed's Telefonisystem.")
    supervises: list[int] = Field(default_factory=list, description="Response groups supervised.")
    ai_agents_enabled: bool = False

    @property
    def can_edit_settings(self) -> bool:
        return PHONE_SYSTEM in self.permissions
