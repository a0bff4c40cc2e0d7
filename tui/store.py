"""What the console knows of the backend now: snapshots with events applied.

No Textual here. The app's stream worker calls `apply()` for every event and
then tells the active screen that something changed; the screen asks
`take_changes()` what, and redraws only that.

Snapshots and events meet exactly: a snapshot says which event it is as of,
events it already holds are skipped, and events the store applied before the
snapshot arrived (the stream is often ahead of a request) are replayed onto it
from a short log of recent events. Every event carries whole figures or keyed
rows, and each part of the store remembers the last event it applied, so an
event that arrives twice does no harm.
"""
from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from backend import schemas
from backend.schemas import GroupLive, GroupStatus, GroupSummary, Me
from backend.schemas.live import AgentLive, AgentState, FlowFigures, ServiceLevelCounts, WaitingCall
from tui.catalog import Organisation

if TYPE_CHECKING:
    from collections.abc import Callable

    from backend.schemas import ResponseGroup

#: ("summaries" | "summary" | "group" | "stats" | "waiting" | "agents" | "trend"
#:  | "removed" | "resnapshot", group id)
Change = tuple[str, int]

#: Events kept for replay onto a snapshot that arrives after them: those of
#: the last 15 s (a snapshot is one request old; the client gives up on a
#: request after 10 s), and never more than RECENT_EVENTS. Kept by count alone,
#: the log grew for as long as the console ran (at 10 events/s, 1.5 KB each,
#: ~6 MB after seven minutes); a snapshot older than an event already let go
#: cannot be brought up to date by replay, and asks for a resync instead. Kept
#: as the JSON text they came as (a third of the parsed objects' memory), parsed
#: again only when replayed, which is rare.
RECENT_S = 15.0
RECENT_EVENTS = 4096
#: Slices of the service-level trend line kept per group (see backend/services/sl_trend.py).
TREND_SLICES = 16


@dataclass
class LiveGroup:
    """A watched group's queue, agents and service level."""

    group_id: int
    status: GroupStatus
    waiting: dict[int, WaitingCall] = field(default_factory=dict)
    agents: dict[int, AgentLive] = field(default_factory=dict)
    sl_today: ServiceLevelCounts = field(default_factory=ServiceLevelCounts)
    sl_last_hour: ServiceLevelCounts = field(default_factory=ServiceLevelCounts)
    flow: FlowFigures = field(default_factory=FlowFigures)
    #: Slice start (epoch seconds) -> counts of the calls that ended in it.
    trend: dict[float, ServiceLevelCounts] = field(default_factory=dict)
    trend_slice_s: int = 900
    #: The last event reflected here (the snapshot's, then each one applied).
    as_of: int = 0

    def ordered_calls(self) -> list[WaitingCall]:
        """In the order they will be answered: ringing, then VIP, then longest waiting."""
        calls = sorted(
            self.waiting.values(), key=lambda c: (not c.ringing, not c.vip, c.enqueued_at, c.id)
        )
        for position, call in enumerate(calls, start=1):
            call.position = position
        return calls

    def trend_percents(self, now: float, slices: int = TREND_SLICES) -> list[float | None]:
        """SL % of each of the last `slices` slices up to `now`, oldest first (None: no calls)."""
        size = self.trend_slice_s
        last = now - now % size
        out: list[float | None] = []
        for i in range(slices - 1, -1, -1):
            counts = self.trend.get(last - i * size)
            out.append(None if counts is None else counts.percent)
        return out

    def add_to_trend(self, ended_at: float, flags: dict[str, int]) -> bool:
        start = ended_at - ended_at % self.trend_slice_s
        if self.trend and start < min(self.trend) and len(self.trend) >= TREND_SLICES:
            return False
        counts = self.trend.setdefault(start, ServiceLevelCounts())
        counts.answered += flags.get("answered", 0)
        counts.answered_within += flags.get("within", 0)
        counts.abandoned += flags.get("abandoned", 0)
        counts.early_hangups += flags.get("early", 0)
        for old in sorted(self.trend)[:-TREND_SLICES]:
            del self.trend[old]
        return True


def _status(data: dict[str, Any], previous: GroupStatus) -> GroupStatus:
    if data.get("temporarily_closed"):
        return GroupStatus.TEMPORARILY_CLOSED
    if "open" in data:
        return GroupStatus.OPEN if data["open"] else GroupStatus.CLOSED_SCHEDULE
    return previous


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _ts(value: str | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(value).timestamp()


def _waiting_call(call: dict[str, Any], position: int) -> WaitingCall:
    return WaitingCall(
        id=call["id"],
        caller=call["caller"],
        enqueued_at=datetime.fromisoformat(call["enqueued_at"]),
        vip=call.get("vip", False),
        position=position,
        ringing=call.get("ringing", False),
        callback=call.get("callback", False),
        collected={str(k): str(v) for k, v in (call.get("collected") or {}).items()},
    )


class _Fanout:
    """Adds each change to every consumer's own set."""

    def __init__(self, consumers: dict[object, set[Change]]) -> None:
        self._consumers = consumers

    def add(self, change: Change) -> None:
        for changes in self._consumers.values():
            changes.add(change)

    def update(self, changes: set[Change]) -> None:
        for mine in self._consumers.values():
            mine.update(changes)


class LiveStore:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.me: Me | None = None
        self.summaries: dict[int, GroupSummary] = {}
        self.groups: dict[int, ResponseGroup] = {}
        #: The organisation's catalogs (GET /organisation), fetched once per session.
        self.organisation: Organisation | None = None
        self.live: dict[int, LiveGroup] = {}
        self.summaries_as_of = 0
        self.needs_resync = False
        self.last_event_id = 0
        self._summary_as_of: dict[int, int] = {}
        self._recent: deque[tuple[int, str, str, float]] = deque(maxlen=RECENT_EVENTS)
        self._clock = clock
        #: The newest event id let go from `_recent`: snapshots older than it cannot be replayed onto.
        self._forgotten = 0
        self._consumers: dict[object, set[Change]] = {}
        self._changes = _Fanout(self._consumers)

    # ------------------------------------------------------------------ snapshots

    def load_summaries(self, summaries: list[GroupSummary], as_of: int) -> None:
        self.summaries = {s.id: s for s in summaries}
        self.summaries_as_of = as_of
        self._summary_as_of = {s.id: as_of for s in summaries}
        self._changes.add(("summaries", 0))
        for event_id, kind, data in self._replayable(as_of):
            if kind == "group.stats":
                self._summary_stats(event_id, data)
            elif kind in ("group.updated", "group.created"):
                self._group_updated(data)
            elif kind == "group.deleted":
                self._group_deleted(data)

    def load_group(self, group: ResponseGroup) -> None:
        self.groups[group.id] = group
        self._changes.add(("group", group.id))

    def load_live(self, live: GroupLive) -> None:
        group = LiveGroup(
            group_id=live.group_id,
            status=live.status,
            waiting={c.id: c for c in live.waiting},
            agents={a.id: a for a in live.agents},
            sl_today=live.sl_today,
            sl_last_hour=live.sl_last_hour,
            flow=live.flow,
            trend={b.start.timestamp(): b.counts for b in live.sl_trend},
            trend_slice_s=live.sl_trend_bucket_s,
            as_of=live.last_event_id,
        )
        self.live[live.group_id] = group
        for event_id, kind, data in self._replayable(live.last_event_id):
            if live.group_id in self._groups_of(data):
                self._apply_live(group, event_id, kind, data)
        self._changes.update(
            {(kind, live.group_id) for kind in ("waiting", "agents", "stats", "trend")}
        )

    def forget_live(self, group_id: int) -> None:
        self.live.pop(group_id, None)

    def watch(self, consumer: object) -> None:
        """Start collecting changes for `consumer` (a screen)."""
        self._consumers.setdefault(consumer, set())

    def unwatch(self, consumer: object) -> None:
        self._consumers.pop(consumer, None)

    def take_changes(self, consumer: object) -> set[Change]:
        """What changed since `consumer` last asked."""
        changes = self._consumers.get(consumer)
        if changes is None:
            return set()
        self._consumers[consumer] = set()
        return changes

    def _replayable(self, as_of: int) -> list[tuple[int, str, dict[str, Any]]]:
        if as_of < self._forgotten:
            # Events after this snapshot were let go: replaying the rest would leave a gap.
            self.needs_resync = True
        return [(event_id, kind, json.loads(raw)) for event_id, kind, raw, _ in self._recent if event_id > as_of]

    # ------------------------------------------------------------------ events

    def apply(self, event_id: int, kind: str, data: dict[str, Any], raw: str | None = None) -> None:
        """Apply one event; `raw` is its data as the JSON text it came as (kept for replay)."""
        if kind == "resync":
            # What we hold cannot be brought up to date (another server, or
            # history pruned): snapshots come next, and nothing of the past
            # may be replayed onto them.
            self.needs_resync = True
            self._recent.clear()
            self.last_event_id = event_id
            return
        self.last_event_id = max(self.last_event_id, event_id)
        self._remember(event_id, kind, raw or json.dumps(data))
        if kind in ("group.updated", "group.created"):
            self._group_updated(data)
        elif kind == "group.deleted":
            self._group_deleted(data)
        elif kind == "group.stats":
            self._summary_stats(event_id, data)
        for group_id in self._groups_of(data):
            live = self.live.get(group_id)
            if live is not None:
                self._apply_live(live, event_id, kind, data)

    def _remember(self, event_id: int, kind: str, raw: str) -> None:
        recent, now = self._recent, self._clock()
        if len(recent) == recent.maxlen:
            self._forgotten = recent[0][0]
        recent.append((event_id, kind, raw, now))
        while now - recent[0][3] > RECENT_S:
            self._forgotten = recent.popleft()[0]

    @staticmethod
    def _groups_of(data: dict[str, Any]) -> list[int]:
        if data.get("group_id") is not None:
            return [int(data["group_id"])]
        return [int(g) for g in data.get("group_ids", ())]

    def _group_updated(self, data: dict[str, Any]) -> None:
        group = schemas.ResponseGroup.model_validate(data["group"])
        if group.id in self.groups and self.groups[group.id].version > group.version:
            return  # an older copy than we have
        self.groups[group.id] = group
        self._changes.add(("group", group.id))
        figures = {
            "name": group.name,
            "number": group.number,
            "status": group.status,
            "wait_warning_s": group.view.wait_warning_s,
            "sl_threshold_s": group.service_level.threshold_s,
            "sl_target_pct": group.service_level.target_pct,
            "version": group.version,
        }
        summary = self.summaries.get(group.id)
        self.summaries[group.id] = (
            summary.model_copy(update=figures) if summary is not None else GroupSummary(id=group.id, **figures)
        )
        self._changes.add(("summary", group.id))
        live = self.live.get(group.id)
        if live is not None:
            live.status = group.status

    def _group_deleted(self, data: dict[str, Any]) -> None:
        group_id = int(data["group_id"])
        self.summaries.pop(group_id, None)
        self.groups.pop(group_id, None)
        self.live.pop(group_id, None)
        self._changes.add(("removed", group_id))

    def _summary_stats(self, event_id: int, data: dict[str, Any]) -> None:
        group_id = int(data["group_id"])
        summary = self.summaries.get(group_id)
        if summary is None or event_id <= self._summary_as_of.get(group_id, self.summaries_as_of):
            return
        self._summary_as_of[group_id] = event_id
        self.summaries[group_id] = summary.model_copy(
            update={
                "status": _status(data, summary.status),
                "waiting": data.get("waiting", 0),
                "oldest_enqueued_at": _time(data.get("oldest_enqueued_at")),
                "agents_free": data.get("agents_free", 0),
                "agents_busy": data.get("agents_busy", 0),
                "agents_wrap_up": data.get("agents_wrap_up", 0),
                "agents_logged_out": data.get("agents_logged_out", 0),
                "sl_today": ServiceLevelCounts.model_validate(data.get("sl_today") or {}),
                "sl_last_hour": ServiceLevelCounts.model_validate(data.get("sl_last_hour") or {}),
                "flow": FlowFigures.model_validate(data.get("flow") or {}),
            }
        )
        self._changes.add(("summary", group_id))

    # ------------------------------------------------------------------ one watched group

    def _apply_live(self, live: LiveGroup, event_id: int, kind: str, data: dict[str, Any]) -> None:
        if event_id <= live.as_of:
            return  # already in the snapshot, or applied before
        live.as_of = event_id
        handler = getattr(self, "_live_" + kind.replace(".", "_"), None)
        if handler is not None:
            handler(live, data)

    def _live_group_stats(self, live: LiveGroup, data: dict[str, Any]) -> None:
        live.sl_today = ServiceLevelCounts.model_validate(data.get("sl_today") or {})
        live.sl_last_hour = ServiceLevelCounts.model_validate(data.get("sl_last_hour") or {})
        live.flow = FlowFigures.model_validate(data.get("flow") or {})
        live.status = _status(data, live.status)
        self._changes.add(("stats", live.group_id))
        if "waiting" in data and data["waiting"] != len(live.waiting):
            # The engine counts a queue we do not hold: an event we cannot
            # read (a newer server). The screen fetches the group again.
            self._changes.add(("resnapshot", live.group_id))

    def _live_call_enqueued(self, live: LiveGroup, data: dict[str, Any]) -> None:
        call = data["call"]
        live.waiting[call["id"]] = _waiting_call(call, len(live.waiting) + 1)
        self._changes.add(("waiting", live.group_id))

    def _live_call_updated(self, live: LiveGroup, data: dict[str, Any]) -> None:
        """Collected input or a callback mark changed for a waiting call."""
        call = data.get("call") or {}
        current = live.waiting.get(call.get("id"))
        if current is None:
            return
        update = {k: call[k] for k in ("vip", "callback", "collected", "caller") if k in call}
        live.waiting[current.id] = current.model_copy(update=update)
        self._changes.add(("waiting", live.group_id))

    def _set_ringing(self, live: LiveGroup, data: dict[str, Any], ringing: bool) -> None:
        call = live.waiting.get(data["call_id"])
        if call is not None and call.ringing != ringing:
            call.ringing = ringing
            self._changes.add(("waiting", live.group_id))

    def _live_call_offered(self, live: LiveGroup, data: dict[str, Any]) -> None:
        self._set_ringing(live, data, True)

    def _live_call_requeued(self, live: LiveGroup, data: dict[str, Any]) -> None:
        self._set_ringing(live, data, False)

    def _live_call_answered(self, live: LiveGroup, data: dict[str, Any]) -> None:
        if live.waiting.pop(data["call_id"], None) is not None:
            self._changes.add(("waiting", live.group_id))

    def _live_call_left_queue(self, live: LiveGroup, data: dict[str, Any]) -> None:
        """Overflowed, or gone to voicemail: no longer waiting here."""
        self._live_call_answered(live, data)

    def _live_call_callback_requested(self, live: LiveGroup, data: dict[str, Any]) -> None:
        """The caller hung up to be called back, keeping the turn (§14)."""
        call = data.get("call") or {}
        if "id" in call:
            current = live.waiting.get(call["id"])
            view = _waiting_call(call, current.position if current else len(live.waiting) + 1)
            live.waiting[view.id] = view.model_copy(update={"callback": True})
            self._changes.add(("waiting", live.group_id))

    def _live_call_ended(self, live: LiveGroup, data: dict[str, Any]) -> None:
        self._live_call_answered(live, data)
        ended_at = _ts(data.get("ended_at")) or _ts(data.get("at"))
        if data.get("sl") and ended_at is not None and live.add_to_trend(ended_at, data["sl"]):
            self._changes.add(("trend", live.group_id))

    def _live_agent_state(self, live: LiveGroup, data: dict[str, Any]) -> None:
        agent = data["agent"]
        logged_in = set(data.get("logged_in", ()))
        state = AgentState(agent["state"]) if live.group_id in logged_in else AgentState.LOGGED_OUT
        live.agents[agent["id"]] = AgentLive(
            id=agent["id"],
            name=agent["name"],
            state=state,
            since=datetime.fromisoformat(agent["since"]) if agent.get("since") else datetime.now(UTC),
            wrap_up_until=_time(agent.get("wrap_up_until")) if state is AgentState.WRAP_UP else None,
            handled_today=agent.get("handled_today", 0),
        )
        self._changes.add(("agents", live.group_id))
