"""Call history and service level over a time window (issue 4)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from backend.schemas.live import ServiceLevelCounts

Outcome = Literal["answered", "abandoned", "closed", "voicemail", "overflowed", "callback_failed"]


class VoicemailMessage(BaseModel):
    """§11: a message the caller left."""

    duration_s: float
    left_at: datetime
    reason: Literal["closed", "overflow", "callback_failed"] | None = Field(
        None, description="Why the caller reached voicemail."
    )
    transcript: str | None = Field(None, description="When the group's voicemail transcription was on.")


class CallbackInfo(BaseModel):
    """§14: the caller left the line to be called back."""

    requested_at: datetime
    via: Literal["caller", "overflow"] = Field(description="The caller accepted the offer, or overflow sent it.")
    attempts: int = Field(description="Callback attempts that reached no one.")
    connected_at: datetime | None = None


class OverflowInfo(BaseModel):
    """§11: where the call went when the queue was full or the wait too long."""

    reason: Literal["queue_full", "max_wait"]
    kind: Literal["voicemail", "callback", "group", "external"]
    at: datetime
    group_id: int | None = Field(None, description="kind group: the group it went on to.")
    to_call_id: int | None = Field(None, description="kind group: the call it became there.")
    number: str | None = Field(None, description="kind external: the number it was forwarded to.")
    fallback: Literal["voicemail"] | None = Field(None, description="The destination could not take it.")


class CallRecord(BaseModel):
    """One finished call, as the history shows it."""

    id: int
    group_id: int
    caller: str
    arrived_at: datetime
    enqueued_at: datetime | None = Field(None, description="Entered the queue (after the input collectors).")
    answered_at: datetime | None = None
    ended_at: datetime
    outcome: Outcome
    agent_id: int | None = None
    agent_name: str | None = None
    wait_s: float | None = Field(None, description="From entering the queue to being answered or hanging up.")
    vip: bool = False
    collected: dict[str, str] = Field(default_factory=dict, description="§13 values the caller keyed in.")
    collect_failed: list[str] = Field(default_factory=list, description="§13 values the caller did not give.")
    closed_action: Literal["message", "voicemail"] | None = Field(None, description="Arrived while closed.")
    voicemail: VoicemailMessage | None = None
    callback: CallbackInfo | None = None
    overflow: OverflowInfo | None = None
    overflowed_from: dict[str, int] | None = Field(None, description="{group_id, call_id} it overflowed from.")
    returned_from: int | None = Field(None, description="A failed transfer of this call came back as this VIP call.")
    returned_as: int | None = Field(None, description="Its failed transfer came back as that VIP call.")
    ci_summary: str | None = Field(None, description="§16 Conversation Intelligence summary (when CI was on).")
    sl: Literal["within", "late", "abandoned", "early_hangup"] | None = Field(
        None, description="How it counted toward the service level; None: it did not (docs/engine.md)."
    )


class CallHistoryPage(BaseModel):
    calls: list[CallRecord]
    next_before_id: int | None = Field(None, description="Pass as `before_id` for the next (older) page.")


class ServiceLevelBucket(BaseModel):
    start: datetime
    end: datetime
    counts: ServiceLevelCounts
    percent: float | None = Field(description="None is shown as \u201c\u2013\u201d (nothing counts).")


class ServiceLevelReport(BaseModel):
    """Service level over [start, end): calls count when answered or abandoned."""

    group_id: int
    start: datetime
    end: datetime
    threshold_s: int
    early_hangup_s: int
    target_pct: int
    counts: ServiceLevelCounts
    percent: float | None = Field(description="None is shown as \u201c\u2013\u201d (nothing counts).")
    buckets: list[ServiceLevelBucket] = Field(default_factory=list, description="Per local day or hour when asked.")
