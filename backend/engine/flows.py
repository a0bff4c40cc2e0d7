"""The call path the settings describe, as a mixin of `core.Engine`.

arrival → closed? (closed action: message or voicemail) → input collectors
(§13) → queue (position messages, callback offer, overflow on a full queue or a
long wait) → agents (`offers`) → ended. The side paths — callback, voicemail,
VIP returns — are in `detours`.

Every method here runs inside one engine operation: it changes state and
queues events; `reports.Reports._flush` delivers them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from backend.engine import routing
from backend.engine.model import (
    CALL_CALLBACK_WAIT,
    CALL_COLLECTING,
    CALL_OFFERED,
    CALL_QUEUED,
    CALL_VOICEMAIL,
    IN_QUEUE,
    OUTCOME_ABANDONED,
    OUTCOME_CALLBACK_FAILED,
    OUTCOME_CLOSED,
    OUTCOME_OVERFLOWED,
    Call,
    Collector,
    EngineError,
    GroupConfig,
    iso,
)

if TYPE_CHECKING:
    from backend.engine.core import Engine

    _Base = Engine
else:
    _Base = object

#: How many groups an overflowing call may pass through (guards against loops).
MAX_OVERFLOW_HOPS = 5


def parse_digits(digits: str, collector: Collector) -> str | None:
    """The value the caller keyed in, or None when it does not fit the collector."""
    value = digits
    if collector.end_key != "none" and value.endswith(collector.end_key):
        value = value[:-1]
    if not (value.isascii() and value.isdigit()):
        return None
    if not collector.digits_min <= len(value) <= collector.digits_max:
        return None
    return value


class CallFlows(_Base):
    # ------------------------------------------------------------- arrival

    def _arrive(self, call: Call, group: GroupConfig, *, returned_transfer: bool = False) -> None:
        if not returned_transfer:  # (the hour timer has rolled the hour)
            self.stats[group.id].arrivals_this_hour += 1
        self._dirty_groups.add(group.id)
        self._emit("call.arrived", call, {"call_id": call.id, "caller": call.caller, "returned_transfer": returned_transfer})
        if returned_transfer and group.vip_return_failed_transfers:
            # Back to the front, whatever the hour: the caller was already being helped.
            call.vip = True
            call.data["returned_transfer"] = True
            call.data["sl_excluded"] = "vip_return"
            self._enter_queue(call, group)
        elif not self.is_open(group.id, self.now):
            self._closed(call, group)
        else:
            self._next_collector(call, group, 0)

    def _closed(self, call: Call, group: GroupConfig) -> None:
        call.data["closed_action"] = group.closed_action
        if group.closed_action == "voicemail":
            self._to_voicemail(call, group, "closed")
        else:
            self._emit("call.closed_message", call, {"call_id": call.id, "message": group.closed_message})
            self._end_call(call, OUTCOME_CLOSED)

    # ------------------------------------------------------------- §13 input collectors

    def _next_collector(self, call: Call, group: GroupConfig, index: int) -> None:
        """Ask for the next value not yet collected, or go to the queue."""
        collected = call.collected
        while index < len(group.collectors) and group.collectors[index].variable in collected:
            index += 1  # already known (it came along from another group)
        if index < len(group.collectors):
            self._ask(call, group, index, 0)
            return
        if call.state is CALL_COLLECTING:
            call.timers.pop("collect", None)
        self._enter_queue(call, group)

    def _ask(self, call: Call, group: GroupConfig, index: int, attempt: int, reason: str | None = None) -> None:
        collector = group.collectors[index]
        self._set_state(call, CALL_COLLECTING)
        call.collecting = (index, attempt)
        self._set_timer(call, "collect", self.now + collector.timeout_s)
        self._emit(
            "call.collecting",
            call,
            {
                "call_id": call.id,
                "variable": collector.variable,
                "prompt": collector.prompt,
                "attempt": attempt,
                "retry_reason": reason,
                "digits_min": collector.digits_min,
                "digits_max": collector.digits_max,
                "end_key": collector.end_key,
                "timeout_s": collector.timeout_s,
            },
        )

    def digits_entered(self, call_id: int, digits: str, at: float | None = None) -> Call:
        """The caller keyed in digits for the collector asking now."""
        self._move_to(at)
        call = self._live_call(call_id)
        if call.state is not CALL_COLLECTING:
            raise EngineError("not_collecting", f"call {call_id} is not in an input collector")
        group = self.groups[call.group_id]
        index, _attempt = call.collecting
        if index >= len(group.collectors):  # the collectors changed meanwhile
            self._next_collector(call, group, index)
        else:
            collector = group.collectors[index]
            value = parse_digits(digits, collector)
            if value is None:
                self._retry_collector(call, group, "invalid")
            else:
                call.data.setdefault("collected", {})[collector.variable] = value
                self._emit("call.input_collected", call, {"call_id": call.id, "variable": collector.variable, "value": value})
                self._next_collector(call, group, index + 1)
        self._flush()
        return call

    def _retry_collector(self, call: Call, group: GroupConfig, reason: str) -> None:
        index, attempt = call.collecting
        if index >= len(group.collectors):
            self._next_collector(call, group, index)
            return
        collector = group.collectors[index]
        if attempt < collector.retries:
            self._ask(call, group, index, attempt + 1, reason)
            return
        # Out of retries: the call goes on without the value (the agent asks).
        call.data.setdefault("collect_failed", []).append(collector.variable)
        self._emit("call.input_failed", call, {"call_id": call.id, "variable": collector.variable, "reason": reason})
        self._next_collector(call, group, index + 1)

    # ------------------------------------------------------------- the queue

    def _enter_queue(self, call: Call, group: GroupConfig) -> None:
        overflow = group.overflow
        if (
            overflow is not None
            and overflow.max_waiting is not None
            and not call.vip
            and self.queues[group.id].on_line >= overflow.max_waiting
        ):
            self._overflow(call, group, "queue_full")
            return
        self._enqueue(call, group)
        self._dispatch_group(group.id)

    def _enqueue(self, call: Call, group: GroupConfig) -> None:
        if call.enqueued_at is None:
            call.enqueued_at = self.now
        call.queue_key = routing.queue_key(call)
        self._set_state(call, CALL_QUEUED)
        self.queues[group.id].add(call)
        self._dirty_groups.add(group.id)
        payload: dict = {"call": self._call_view(call)}
        if call.vip:
            payload["message"] = group.vip_message
        self._emit("call.enqueued", call, payload)
        self._schedule_queue_timers(call, group)

    def _call_view(self, call: Call) -> dict:
        return {
            "id": call.id,
            "caller": call.caller,
            "enqueued_at": iso(call.enqueued_at),
            "vip": call.vip,
            "callback": call.callback,
            "collected": dict(call.data.get("collected", ())),  # (`call.collected`, inline)
        }

    def _schedule_queue_timers(self, call: Call, group: GroupConfig) -> None:
        """Position messages, the callback offer and the max-wait overflow, for a
        caller on the line. Each is due relative to when the call entered the queue."""
        if call.callback or call.enqueued_at is None:
            return
        start, now = call.enqueued_at, self.now
        if group.position_interval_s:
            interval = group.position_interval_s
            due = start + interval
            if due <= now:  # settings changed while waiting: the next whole interval
                due = start + interval * (int((now - start) // interval) + 1)
            self._set_timer(call, "position", due)
        else:
            call.timers.pop("position", None)
        if group.overflow is not None and group.overflow.max_wait_s is not None:
            self._set_timer(call, "max_wait", max(now, start + group.overflow.max_wait_s))
        else:
            call.timers.pop("max_wait", None)
        if group.callback.enabled and not call.data.get("callback_offered"):
            self._set_timer(call, "callback_offer", max(now, start + group.callback.offer_after_s))
        else:
            call.timers.pop("callback_offer", None)

    def _requeue(self, call: Call) -> None:
        """Back in the queue at the place it had (rejected, missed, agent left)."""
        self._set_state(call, CALL_QUEUED)
        self.queues[call.group_id].push_back(call)
        self._emit("call.requeued", call, {"call_id": call.id})
        group = self.groups.get(call.group_id)
        overflow = group.overflow if group else None
        if (
            group is not None
            and overflow is not None
            and overflow.max_wait_s is not None
            and not call.callback
            and call.enqueued_at is not None
            and self.now >= call.enqueued_at + overflow.max_wait_s
        ):
            # The limit passed while it rang.
            self._overflow(call, group, "max_wait")

    def _fire_call_timer(self, kind: str, call: Call, when: float) -> None:
        group = self.groups.get(call.group_id)
        if group is None:
            return
        if kind == "ring":
            if call.state is CALL_OFFERED:
                self._decline(call.agent_id, call, missed=True)
        elif kind == "collect":
            if call.state is CALL_COLLECTING:
                self._retry_collector(call, group, "timeout")
        elif kind == "position":
            if call.on_line and group.position_interval_s:
                if call.state is CALL_QUEUED:  # a ringing caller hears ringing instead
                    self._emit(
                        "call.position_message",
                        call,
                        {"call_id": call.id, "position": self.position_of(call), "wait_s": round(when - (call.enqueued_at or when), 3)},
                    )
                self._set_timer(call, "position", when + group.position_interval_s)
        elif kind == "max_wait":
            if call.state is CALL_QUEUED and not call.callback:
                self._overflow(call, group, "max_wait")
        elif kind == "callback_offer":
            if call.on_line and group.callback.enabled:
                call.data["callback_offered"] = iso(when)
                self._emit("call.callback_offered", call, {"call_id": call.id})
        elif kind == "callback_retry":
            if call.state is CALL_CALLBACK_WAIT:
                self._set_state(call, CALL_QUEUED)
                self.queues[call.group_id].push_back(call)
                self._emit("call.requeued", call, {"call_id": call.id})
                self._dispatch_group(call.group_id)
        elif kind == "voicemail_timeout":
            if call.state is CALL_VOICEMAIL:
                reason = call.data.get("voicemail_reason")
                self._end_call(call, OUTCOME_CALLBACK_FAILED if reason == "callback_failed" else OUTCOME_ABANDONED)

    def _leave_queue(self, call: Call, reason: str) -> None:
        """The call leaves the queue without being answered or ending (to voicemail)."""
        if self.queues[call.group_id].remove(call):
            for kind in ("position", "max_wait", "callback_offer"):
                call.timers.pop(kind, None)
            self._emit("call.left_queue", call, {"call_id": call.id, "reason": reason})

    # ------------------------------------------------------------- §11 overflow

    def _overflow(self, call: Call, group: GroupConfig, reason: str) -> None:
        """The queue is full (`queue_full`) or the call waited too long (`max_wait`)."""
        rule = group.overflow
        assert rule is not None
        record: dict = {"reason": reason, "kind": rule.kind, "at": iso(self.now)}
        call.data["overflow"] = record
        call.data["sl_excluded"] = "overflow"
        self.stats[group.id].overflowed_today += 1
        self._dirty_groups.add(group.id)
        destination = {"kind": rule.kind, "group_id": rule.group_id, "number": rule.number}
        self._emit("call.overflowed", call, {"call_id": call.id, "reason": reason, "destination": destination})
        if rule.kind == "callback":
            self._make_callback(call, group, via="overflow")
        elif rule.kind == "external" and rule.number:
            record["number"] = rule.number
            self._end_call(call, OUTCOME_OVERFLOWED)
        elif rule.kind == "group" and self._overflow_to_group(call, group, rule.group_id, record):
            return
        else:  # voicemail, or a group it cannot go to
            if rule.kind != "voicemail":
                record["fallback"] = "voicemail"
            self._to_voicemail(call, group, "overflow")

    def _overflow_to_group(self, call: Call, group: GroupConfig, target_id: int | None, record: dict) -> bool:
        target = self.groups.get(target_id) if target_id is not None else None
        path: list[int] = call.data.get("overflow_path") or [group.id]
        if target is None or target.org_id != call.org_id or target.id in path or len(path) > MAX_OVERFLOW_HOPS:
            return False
        new = self._new_call(target, call.caller, self.now)
        new.data["overflowed_from"] = {"group_id": group.id, "call_id": call.id}
        new.data["overflow_path"] = [*path, target.id]
        if call.collected:
            new.data["collected"] = dict(call.collected)  # collected values travel with the call
        record.update(group_id=target.id, to_call_id=new.id)
        self._end_call(call, OUTCOME_OVERFLOWED)
        self._arrive(new, target)
        return True


__all__ = ["CallFlows", "parse_digits", "IN_QUEUE"]
