"""A group's derived status, apart from the settings models so that the
console's overview can use it without building every settings model."""
from __future__ import annotations

from enum import StrEnum


class GroupStatus(StrEnum):
    """§5 Nuvarande status. Derived: temporary closing wins over the schedule."""

    OPEN = "open"
    CLOSED_SCHEDULE = "closed_schedule"
    TEMPORARILY_CLOSED = "temporarily_closed"
