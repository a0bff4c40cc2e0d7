"""A response group (svarsgrupp) and every setting it has (§1–§19 of the seed).

Defaults are the seed's where it states them (service level 90 s / 10 s,
wrap-up after rejected and missed calls 15 s, after answered calls off); the
rest are what a call centre would expect, and say so. Every rule one object
can check lives here, so the backend and the console validate alike; rules
that need the database (a unique name, a number from the organisation's pool,
the number-change rule) live in `backend.services`.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from backend.schemas.common import DbId, InputModel, partial_model
from backend.schemas.fields import (
    GroupName,
    Identifier,
    LongText,
    PhoneNumber,
    SettingsModel,
    ShortText,
    SpeechLanguage,
)
from backend.schemas.status import GroupStatus as GroupStatus  # re-exported

class Priority(StrEnum):
    """§11 Prioritetsnivå: how this group's calls compete for shared agents."""

    NONE = "none"  # Ingen prioritet – turordning
    MEDIUM = "medium"  # Medelhög – viss förtur (see DESIGN.md: counts as waited longer)
    HIGHEST = "highest"  # Högsta – alltid först


class Prompt(SettingsModel):
    """Something said to the caller: text-to-speech or a recorded audio file."""

    kind: Literal["tts", "audio"] = "tts"
    language: SpeechLanguage = "sv-SE"
    text: LongText = ""
    audio_id: int | None = Field(
        None, validate_default=True, description="An audio file of the organisation (kind audio)."
    )

    @field_validator("audio_id")
    @classmethod
    def _audio_for_audio(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("kind") == "audio" and value is None:
            raise PydanticCustomError("audio_required", "choose an audio file")
        return value


class ClosedAction(SettingsModel):
    """What callers get while the group is closed (by schedule or temporarily)."""

    kind: Literal["voicemail", "message"] = "message"
    message: Prompt = Field(default_factory=lambda: Prompt(text="Vi har stängt just nu. Välkommen åter!"))


class MobileDisplay(SettingsModel):
    """§8 Visningsnummer för agenter i mobilen."""

    mode: Literal["caller_and_id", "group_number", "custom"] = "caller_and_id"
    custom_number: PhoneNumber | None = Field(None, validate_default=True)

    @field_validator("custom_number")
    @classmethod
    def _custom_needs_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("mode") == "custom" and not value:
            raise PydanticCustomError("custom_number_required", "a custom display number is needed")
        return value


class AiAgent(SettingsModel):
    """§10 AI-Supportagent."""

    enabled: bool = False
    knowledge_source_ids: list[DbId] = Field(default_factory=list, max_length=50)


class QueueMessage(SettingsModel):
    """§11 Köplatsmeddelande: tell waiting callers their place in the queue."""

    enabled: bool = False
    interval_s: int = Field(60, ge=15, le=600, description="How often the position is repeated.")


class OverflowDestination(SettingsModel):
    kind: Literal["voicemail", "callback", "group", "external"] = "voicemail"
    group_id: DbId | None = Field(
        None, validate_default=True, description="kind group: the response group to send to."
    )
    number: PhoneNumber | None = Field(
        None, validate_default=True, description="kind external: the number to forward to."
    )

    @field_validator("group_id")
    @classmethod
    def _group_target(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("kind") == "group" and value is None:
            raise PydanticCustomError("overflow_group_required", "choose the response group to overflow to")
        return value

    @field_validator("number")
    @classmethod
    def _external_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == "external" and not value:
            raise PydanticCustomError("overflow_number_required", "give the number to overflow to")
        return value


class Overflow(SettingsModel):
    """§11 Samtalsöversvämning: when the queue is full or the wait too long."""

    enabled: bool = False
    max_waiting: int | None = Field(None, ge=1, le=1000, description="Calls waiting at most; None: no limit.")
    max_wait_s: int | None = Field(None, ge=10, le=7200, description="Longest wait; None: no limit.")
    destination: OverflowDestination = Field(default_factory=OverflowDestination)


class WrapUp(SettingsModel):
    """§11 Bearbetningstider, in seconds (0–3600)."""

    answered_s: int | None = Field(None, ge=0, le=3600, description="After an answered call; None: off (default).")
    rejected_s: int = Field(15, ge=0, le=3600, description="After a rejected call.")
    missed_s: int = Field(15, ge=0, le=3600, description="After a missed call.")


class Voicemail(SettingsModel):
    """§11 Röstbrevlåda."""

    greeting: Prompt = Field(
        default_factory=lambda: Prompt(text="Lämna ett meddelande efter tonen så ringer vi upp.")
    )
    transcribe: bool = Field(False, description="Show a transcript in the call history.")
    notify: bool = Field(False, description="Notify the group's agents of new messages.")


class Vip(SettingsModel):
    """§11 Direktkopplingar och VIP-samtal."""

    return_failed_transfers: bool = Field(False, description="Failed direct transfers come back first in the queue.")
    message: ShortText = "Du kopplas till nästa lediga medarbetare."


class CallerId(SettingsModel):
    all_agents: bool = False
    all_supervisors: bool = False
    user_ids: list[DbId] = Field(default_factory=list, max_length=500)


class Outgoing(SettingsModel):
    """§12 Utgående samtal."""

    sms_from_group_number: bool = False
    caller_id: CallerId = Field(default_factory=CallerId)


class CollectedInput(SettingsModel):
    digits_min: int = Field(1, ge=1, le=32)
    digits_max: int = Field(10, ge=1, le=32)
    end_key: Literal["#", "*", "none"] = "#"

    @field_validator("digits_max")
    @classmethod
    def _max_not_below_min(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("digits_min")
        if low is not None and value < low:
            raise PydanticCustomError("max_below_min", "must be at least the minimum length ({digits_min})", {"digits_min": low})
        return value


class InputCollector(SettingsModel):
    """§13 Input-insamlare: ask the caller for e.g. a customer number first."""

    variable: Identifier = Field(description="Name the value is stored under, e.g. customer_number.")
    prompt: Prompt = Field(default_factory=lambda: Prompt(text="Ange ditt kundnummer och avsluta med fyrkant."))
    expect: CollectedInput = Field(default_factory=CollectedInput)
    retries: int = Field(2, ge=0, le=5)
    timeout_s: int = Field(10, ge=1, le=60)


class Callback(SettingsModel):
    """§14 Callback: the caller leaves the queue, keeps the turn, is called back."""

    enabled: bool = False
    offer_after_s: int = Field(60, ge=0, le=3600, description="Offered once the caller has waited this long.")
    attempts: int = Field(3, ge=1, le=10)
    spacing_s: int = Field(120, ge=30, le=3600, description="Time between attempts.")
    voicemail_last_step: bool = Field(False, description="Voicemail when every attempt fails.")


class ViewSettings(SettingsModel):
    """§15 Vy."""

    flowchart: bool = Field(True, description="Show the queue flowchart (Flödesschema).")
    wait_warning_s: int = Field(
        60, ge=1, le=3600, description="Waiting calls turn red after this many seconds."
    )


class ServiceLevelSettings(SettingsModel):
    """§15 Servicenivå: answered within `threshold_s`, early hang-ups left out."""

    threshold_s: int = Field(90, ge=1, le=3600, description="Answered within this counts as in time.")
    early_hangup_s: int = Field(
        10, ge=0, le=600, description="Calls abandoned within this are early hang-ups, left out."
    )
    target_pct: int = Field(80, ge=1, le=100, description="Target service level, percent.")
    show_target: bool = Field(False, description="Show the target in analytics.")

    @field_validator("early_hangup_s")
    @classmethod
    def _early_below_threshold(cls, value: int, info: ValidationInfo) -> int:
        threshold = info.data.get("threshold_s")
        if threshold is not None and value >= threshold:
            raise PydanticCustomError(
                "early_hangup_not_below_threshold",
                "must be less than the service-level threshold ({threshold_s} s)",
                {"threshold_s": threshold},
            )
        return value


class ResponseGroupSettings(SettingsModel):
    """Everything a user with the phone-system permission may change."""

    name: GroupName = Field(description="§6 Namn: unique in the organisation, 1–64 characters.")
    ai_info: LongText = Field("", description="§4 Information för AI-agenter (used when the organisation has AI agents).")
    schedule_id: DbId | None = Field(None, description="§7 Öppettider: a schedule; None: always open.")
    closed_action: ClosedAction = Field(default_factory=ClosedAction)
    number: PhoneNumber = Field(description="§8 Nummer: from the organisation's numbers; changed only when closed and empty.")
    billing_id: int | None = Field(None, description="§8 Fakturerings-ID for forwarding costs.")
    mobile_display: MobileDisplay = Field(default_factory=MobileDisplay)
    agent_group_ids: list[DbId] = Field(default_factory=list, max_length=200, description="§9 Agentgrupper.")
    supervisor_ids: list[DbId] = Field(default_factory=list, max_length=200, description="§9 Supervisors.")
    ai_agent: AiAgent = Field(default_factory=AiAgent)
    queue_message: QueueMessage = Field(default_factory=QueueMessage)
    overflow: Overflow = Field(default_factory=Overflow)
    wrap_up: WrapUp = Field(default_factory=WrapUp)
    voicemail: Voicemail = Field(default_factory=Voicemail)
    priority: Priority = Priority.NONE
    call_waiting: bool = Field(False, description="§11 Samtal väntar: agents may get a second call.")
    vip: Vip = Field(default_factory=Vip)
    outgoing: Outgoing = Field(default_factory=Outgoing)
    input_collectors: list[InputCollector] = Field(default_factory=list, max_length=10)
    callback: Callback = Field(default_factory=Callback)
    view: ViewSettings = Field(default_factory=ViewSettings)
    service_level: ServiceLevelSettings = Field(default_factory=ServiceLevelSettings)
    conversation_intelligence: bool = Field(False, description="§16: transcripts and summaries (confirm to enable).")
    cases_connected: bool = Field(False, description="§17 Ärenden: connected to Contact Center (confirm).")
    agents_may_toggle_login: bool = Field(True, description="§18: agents may log themselves in and out.")

    @field_validator("input_collectors")
    @classmethod
    def _unique_variables(cls, collectors: list[InputCollector]) -> list[InputCollector]:
        seen: set[str] = set()
        for collector in collectors:
            if collector.variable in seen:
                raise PydanticCustomError("duplicate_variable", "two input collectors store under {variable}", {"variable": collector.variable})
            seen.add(collector.variable)
        return collectors

    @field_validator("agent_group_ids", "supervisor_ids")
    @classmethod
    def _no_duplicates(cls, ids: list[int]) -> list[int]:
        return list(dict.fromkeys(ids))


def __getattr__(name: str) -> type:
    """`ResponseGroupPatch`, the PATCH body: any subset of the settings, nested
    objects merged field by field. Built on first use (PEP 562): only the API
    needs it, and its partial copy of every section costs the console ~0.3 MB."""
    if name != "ResponseGroupPatch":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    model = globals()[name] = partial_model(ResponseGroupSettings, "ResponseGroupPatch")
    return model


class ResponseGroupCreate(InputModel):
    """§2 Skapa en svarsgrupp."""

    name: GroupName
    number: PhoneNumber
    billing_id: int | None = None
    mobile_display: MobileDisplay = Field(default_factory=MobileDisplay)
    agent_group_ids: list[DbId] = Field(default_factory=list, max_length=200)
    supervisor_ids: list[DbId] = Field(default_factory=list, max_length=200)


class ResponseGroup(ResponseGroupSettings):
    """A response group as the API returns it."""

    model_config = ConfigDict(extra="ignore")

    id: int
    status: GroupStatus
    temporarily_closed: bool = False
    version: int = Field(description="Bumped on every change; the ETag is derived from it.")
    updated_at: datetime

    def settings(self) -> ResponseGroupSettings:
        return ResponseGroupSettings.model_validate(
            self.model_dump(include=set(ResponseGroupSettings.model_fields))
        )

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.version)


class DeleteConfirmation(InputModel):
    """§19 Ta bort svarsgrupp: the group's name, typed, confirms the deletion."""

    confirm_name: str = Field(max_length=200)


def etag_for(group_id: int, version: int) -> str:
    return f'"g{group_id}v{version}"'
