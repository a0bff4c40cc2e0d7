"""The engine's state objects. Plain dataclasses: cheap, and no I/O."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple

from backend.schemas.groups import Priority, ResponseGroupSettings
from backend.schemas.live import AgentState


class EngineError(Exception):
    """An event that does not fit the current state (unknown call, wrong agent…)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


#: ISO strings of recent timestamps: the same times (now, a queue's oldest
#: call, an agent's state change) are written into many events. A plain dict
#: (emptied when full) is cheaper than `lru_cache` for a float key.
_ISO: dict[float, str] = {}
#: "YYYY-MM-DDTHH:MM:SS" of whole seconds: `datetime.isoformat` formats with
#: printf, costly once per new timestamp; the fraction is added here instead.
_SECONDS: dict[float, str] = {}
_ISO_MAX = 16384


def _iso_text(ts: float) -> str:
    """`datetime.fromtimestamp(ts, UTC).isoformat()`, with the microseconds
    rounded as `fromtimestamp` rounds them (half to even)."""
    fraction, whole = math.modf(ts)
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        whole, micro = whole + 1.0, micro - 1_000_000
    elif micro < 0:
        whole, micro = whole - 1.0, micro + 1_000_000
    second = _SECONDS.get(whole)
    if second is None:
        if len(_SECONDS) >= _ISO_MAX:
            _SECONDS.clear()
        second = _SECONDS[whole] = datetime.fromtimestamp(whole, UTC).isoformat()[:-6]  # without "+00:00"
    return f"{second}.{micro:06d}+00:00" if micro else f"{second}+00:00"


#: The last time written, with its text: most are the operation's "now",
#: written several times over (one tuple, so a reader never sees half of it).
_LAST: tuple[float, str] = (float("nan"), "")


def iso(ts: float | None) -> str | None:
    """ISO 8601 in UTC."""
    global _LAST
    last = _LAST
    if ts == last[0]:
        return last[1]
    if ts is None:
        return None
    text = _ISO.get(ts)
    if text is None:
        if len(_ISO) >= _ISO_MAX:
            _ISO.clear()
        text = _ISO[ts] = _iso_text(ts)
    _LAST = (ts, text)
    return text


class CallState(StrEnum):
    NEW = "new"  # only within the operation that creates it
    COLLECTING = "collecting"  # in the input collectors (§13), before the queue
    QUEUED = "queued"
    OFFERED = "offered"  # ringing at an agent; still waiting from the caller's side
    CALLBACK_WAIT = "callback_wait"  # a callback attempt failed; the next waits its spacing
    CONNECTED = "connected"
    VOICEMAIL = "voicemail"  # hearing the greeting / leaving a message
    ENDED = "ended"


#: States in which a call holds a place in its group's queue (the live view's rows).
IN_QUEUE = frozenset({CallState.QUEUED, CallState.OFFERED, CallState.CALLBACK_WAIT})


class Outcome(StrEnum):
    """How a call ended: exactly one per call."""

    ANSWERED = "answered"  # connected to an agent (a callback that reached the caller too)
    ABANDONED = "abandoned"  # the caller hung up before being connected or leaving a message
    CLOSED = "closed"  # arrived while closed; heard the closed message
    VOICEMAIL = "voicemail"  # left a voicemail message
    OVERFLOWED = "overflowed"  # sent on to another group or an external number
    CALLBACK_FAILED = "callback_failed"  # every callback attempt failed, no voicemail


# The enum members compared on every event, as plain module constants: in
# Python 3.11 reading `CallState.QUEUED` goes through `EnumType.__getattr__`'s
# attribute hook, several times the cost of reading a global.
CALL_NEW, CALL_COLLECTING, CALL_QUEUED, CALL_OFFERED, CALL_CALLBACK_WAIT, CALL_CONNECTED, CALL_VOICEMAIL, CALL_ENDED = CallState
(
    OUTCOME_ANSWERED,
    OUTCOME_ABANDONED,
    OUTCOME_CLOSED,
    OUTCOME_VOICEMAIL,
    OUTCOME_OVERFLOWED,
    OUTCOME_CALLBACK_FAILED,
) = Outcome
AGENT_FREE, AGENT_OFFERED, AGENT_BUSY, AGENT_WRAP_UP, AGENT_LOGGED_OUT = AgentState
PRIORITY_HIGHEST = Priority.HIGHEST
PRIORITY_MEDIUM = Priority.MEDIUM


@dataclass(frozen=True)
class Collector:
    """§13: one input collector, as the engine applies it."""

    variable: str
    prompt: str = ""
    digits_min: int = 1
    digits_max: int = 10
    end_key: str = "#"  # "#", "*" or "none"
    retries: int = 2
    timeout_s: int = 10


@dataclass(frozen=True)
class OverflowRule:
    """§11 samtalsöversvämning: when and where calls go when the queue is too much."""

    max_waiting: int | None = None
    max_wait_s: int | None = None
    kind: str = "voicemail"  # voicemail | callback | group | external
    group_id: int | None = None
    number: str | None = None


@dataclass(frozen=True)
class CallbackRule:
    """§14: the callback flow's parameters (used by overflow to callback even when off)."""

    enabled: bool = False
    offer_after_s: int = 60
    attempts: int = 3
    spacing_s: int = 120
    voicemail_last_step: bool = False


@dataclass
class GroupConfig:
    """What the engine needs to know of a group's settings."""

    id: int
    org_id: int = 1
    name: str = ""
    number: str = ""
    temporarily_closed: bool = False
    schedule_id: int | None = None
    closed_action: str = "message"  # message | voicemail
    closed_message: str = ""
    priority: Priority = Priority.NONE
    call_waiting: bool = False
    wrap_up_answered_s: int | None = None  # None: off (the seed's default)
    wrap_up_rejected_s: int = 15
    wrap_up_missed_s: int = 15
    sl_threshold_s: int = 90
    sl_early_hangup_s: int = 10
    agent_ids: frozenset[int] = frozenset()
    collectors: tuple[Collector, ...] = ()
    position_interval_s: int | None = None  # None: no queue-position messages
    overflow: OverflowRule | None = None  # None: overflow off
    callback: CallbackRule = field(default_factory=CallbackRule)
    voicemail_greeting: str = ""
    voicemail_transcribe: bool = False
    voicemail_notify: bool = False
    vip_return_failed_transfers: bool = False
    vip_message: str = ""
    conversation_intelligence: bool = False

    @classmethod
    def from_settings(
        cls,
        group_id: int,
        settings: ResponseGroupSettings,
        *,
        org_id: int = 1,
        temporarily_closed: bool = False,
        agent_ids: frozenset[int] = frozenset(),
    ) -> GroupConfig:
        s = settings
        overflow = None
        if s.overflow.enabled and (s.overflow.max_waiting is not None or s.overflow.max_wait_s is not None):
            d = s.overflow.destination
            overflow = OverflowRule(s.overflow.max_waiting, s.overflow.max_wait_s, d.kind, d.group_id, d.number)
        return cls(
            id=group_id,
            org_id=org_id,
            name=s.name,
            number=s.number,
            temporarily_closed=temporarily_closed,
            schedule_id=s.schedule_id,
            closed_action=s.closed_action.kind,
            closed_message=s.closed_action.message.text,
            priority=s.priority,
            call_waiting=s.call_waiting,
            wrap_up_answered_s=s.wrap_up.answered_s,
            wrap_up_rejected_s=s.wrap_up.rejected_s,
            wrap_up_missed_s=s.wrap_up.missed_s,
            sl_threshold_s=s.service_level.threshold_s,
            sl_early_hangup_s=s.service_level.early_hangup_s,
            agent_ids=agent_ids,
            collectors=tuple(
                Collector(
                    variable=c.variable,
                    prompt=c.prompt.text,
                    digits_min=c.expect.digits_min,
                    digits_max=c.expect.digits_max,
                    end_key=c.expect.end_key,
                    retries=c.retries,
                    timeout_s=c.timeout_s,
                )
                for c in s.input_collectors
            ),
            position_interval_s=s.queue_message.interval_s if s.queue_message.enabled else None,
            overflow=overflow,
            callback=CallbackRule(
                s.callback.enabled,
                s.callback.offer_after_s,
                s.callback.attempts,
                s.callback.spacing_s,
                s.callback.voicemail_last_step,
            ),
            voicemail_greeting=s.voicemail.greeting.text,
            voicemail_transcribe=s.voicemail.transcribe,
            voicemail_notify=s.voicemail.notify,
            vip_return_failed_transfers=s.vip.return_failed_transfers,
            vip_message=s.vip.message,
            conversation_intelligence=s.conversation_intelligence,
        )


@dataclass(slots=True)
class Call:
    id: int
    group_id: int
    org_id: int
    caller: str
    arrived_at: float
    enqueued_at: float | None = None
    state: CallState = CallState.NEW
    vip: bool = False
    callback: bool = False  # the caller left the line and waits to be called back
    agent_id: int | None = None  # offered to, then connected to
    offered_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    outcome: Outcome | None = None
    # What travels with the call into the history (JSON): collected input,
    # voicemail, overflow, callback attempts, links to related calls…
    data: dict[str, Any] = field(default_factory=dict)
    # The key the call holds in its group's queue; it keeps it when re-queued.
    queue_key: tuple[int, float, int] | None = None
    # Due time of each pending per-call timer, by kind; a timer that fires at
    # another time than the one recorded here is stale and ignored.
    timers: dict[str, float] = field(default_factory=dict)
    # Collector progress: (index of the collector, attempt).
    collecting: tuple[int, int] = (0, 0)
    # Service-level flags, fixed when the outcome for SL is known.
    sl: dict[str, int] = field(default_factory=dict)

    @property
    def waiting(self) -> bool:
        return self.state in (CallState.QUEUED, CallState.OFFERED)

    @property
    def on_line(self) -> bool:
        """The caller is on the line, waiting in the queue (not a callback)."""
        return not self.callback and self.state in (CallState.QUEUED, CallState.OFFERED)

    @property
    def collected(self) -> dict[str, str]:
        return self.data.get("collected", {})

    def wait_s(self, now: float) -> float:
        start = self.enqueued_at if self.enqueued_at is not None else self.arrived_at
        end = self.answered_at or self.ended_at or now
        return max(0.0, end - start)


@dataclass(slots=True)
class Agent:
    id: int
    name: str
    org_id: int = 1
    logged_in: set[int] = field(default_factory=set)  # response-group ids
    offered_call: int | None = None
    calls: list[int] = field(default_factory=list)  # connected calls
    wrap_up_until: float | None = None
    idle_since: float = 0.0  # for choosing the agent who has been free longest
    state: AgentState = AgentState.LOGGED_OUT
    since: float = 0.0
    handled_today: int = 0
    handled_day: Any = None  # datetime.date of handled_today
    # How each of its groups counts it now (the groups' agent figures are kept
    # up to date by difference, not recounted for every event).
    counted: dict[int, AgentState] = field(default_factory=dict)


class EngineEvent(NamedTuple):
    """What the engine tells its listeners (a tuple: many are made per second)."""

    kind: str
    group_id: int | None
    org_id: int
    at: float
    payload: dict[str, Any]


#: `new_event((kind, group_id, org_id, at, payload))`: an `EngineEvent` made
#: without the Python-level `__new__` of a named tuple (one frame less per event).
new_event = partial(tuple.__new__, EngineEvent)
