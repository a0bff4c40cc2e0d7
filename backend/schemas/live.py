"""Live state of queues and agents, as snapshots and as the figures events carry."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from backend.schemas.status import GroupStatus


class AgentState(StrEnum):
    FREE = "free"
    OFFERED = "offered"  # ringing
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    LOGGED_OUT = "logged_out"


class ServiceLevelCounts(BaseModel):
    """The four counts behind a service level (see DESIGN.md)."""

    answered_within: int = 0
    answered: int = 0
    abandoned: int = 0
    early_hangups: int = 0

    @property
    def denominator(self) -> int:
        return self.answered + self.abandoned - self.early_hangups

    @property
    def percent(self) -> float | None:
        """SL %, or None (shown as "–") when nothing counts yet."""
        d = self.denominator
        return None if d <= 0 else 100.0 * self.answered_within / d


class WaitingCall(BaseModel):
    id: int
    caller: str
    enqueued_at: datetime
    vip: bool = False
    position: int = Field(description="1 is next in line.")
    ringing: bool = Field(False, description="Being offered to an agent right now.")
    callback: bool = Field(False, description="Waiting for a callback (left the line, kept the turn).")
    collected: dict[str, str] = Field(default_factory=dict, description="§13 values from input collectors.")


class AgentLive(BaseModel):
    id: int
    name: str
    state: AgentState
    since: datetime
    wrap_up_until: datetime | None = None
    handled_today: int = 0


class FlowFigures(BaseModel):
    """The figures of the queue flowchart's boxes (§15 Flödesschema)."""

    arrivals_this_hour: int = 0
    in_collector: int = 0
    overflowed_today: int = 0
    voicemails_today: int = 0
    callbacks_pending: int = 0


class SlBucket(BaseModel):
    """Service-level counts of the calls that ended in one slice of time (the trend line)."""

    start: datetime
    counts: ServiceLevelCounts = Field(default_factory=ServiceLevelCounts)


class GroupSummary(BaseModel):
    """One line of the overview: a group with its live figures."""

    id: int
    name: str
    number: str
    status: GroupStatus
    waiting: int = 0
    oldest_enqueued_at: datetime | None = None
    agents_free: int = 0
    agents_busy: int = 0
    agents_wrap_up: int = 0
    agents_logged_out: int = 0
    sl_today: ServiceLevelCounts = Field(default_factory=ServiceLevelCounts)
    sl_last_hour: ServiceLevelCounts = Field(default_factory=ServiceLevelCounts)
    flow: FlowFigures = Field(default_factory=FlowFigures)
    wait_warning_s: int = 60
    sl_threshold_s: int = 90
    sl_target_pct: int = 80
    version: int = 0


class GroupLive(BaseModel):
    """`GET /response-groups/{id}/live`: the group's queue and agents now."""

    group_id: int
    status: GroupStatus
    server_time: datetime
    waiting: list[WaitingCall] = Field(default_factory=list)
    agents: list[AgentLive] = Field(default_factory=list)
    sl_today: ServiceLevelCounts = Field(default_factory=ServiceLevelCounts)
    sl_last_hour: ServiceLevelCounts = Field(default_factory=ServiceLevelCounts)
    flow: FlowFigures = Field(default_factory=FlowFigures)
    sl_trend: list[SlBucket] = Field(
        default_factory=list,
        description="Oldest first: counts of the calls that ended in each of the last slices of "
        "`sl_trend_bucket_s` seconds, the current slice last.",
    )
    sl_trend_bucket_s: int = 900
    last_event_id: int = Field(0, description="Events after this id are not in this snapshot.")
