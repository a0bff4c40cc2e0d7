"""The API's objects, defined once with pydantic and used by backend and console.

Only pydantic and the standard library are imported here, so the console can use
these models without pulling in the server. Names load on first use (PEP 562):
the settings models take a while to build, and the console's first screen does
not need them.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_WHERE = {
    "LoginRequest": "auth",
    "Me": "auth",
    "TokenResponse": "auth",
    "ApiError": "common",
    "FieldError": "common",
    "GroupStatus": "status",
    "ResponseGroup": "groups",
    "ResponseGroupCreate": "groups",
    "ResponseGroupPatch": "groups",
    "ResponseGroupSettings": "groups",
    "ServiceLevelSettings": "groups",
    "ViewSettings": "groups",
    "AgentLive": "live",
    "AgentState": "live",
    "GroupLive": "live",
    "GroupSummary": "live",
    "ServiceLevelCounts": "live",
    "WaitingCall": "live",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from backend.schemas.auth import LoginRequest, Me, TokenResponse
    from backend.schemas.common import ApiError, FieldError
    from backend.schemas.groups import (
        ResponseGroup,
        ResponseGroupCreate,
        ResponseGroupPatch,
        ResponseGroupSettings,
        ServiceLevelSettings,
        ViewSettings,
    )
    from backend.schemas.live import AgentLive, AgentState, GroupLive, GroupSummary, ServiceLevelCounts, WaitingCall
    from backend.schemas.status import GroupStatus
