"""The call's side paths, as a mixin of `core.Engine`: callback (§14: the
caller leaves the line keeping the turn; attempts with spacing; voicemail as
the last step), voicemail (§11: duration, transcript, notice to agents) and
failed direct transfers coming back as VIP calls (§11).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from backend.engine.model import Call, CallState, EngineError, GroupConfig, Outcome, iso

if TYPE_CHECKING:
    from backend.engine.core import Engine

    _Base = Engine
else:
    _Base = object


class Detours(_Base):
    # ------------------------------------------------------------- §14 callback

    def callback_requested(self, call_id: int, at: float | None = None) -> Call:
        """The caller accepted the callback offer and hung up, keeping the turn."""
        self._move_to(at)
        call = self._live_call(call_id)
        if call.callback:
            raise EngineError("already_callback", f"call {call_id} already waits for a callback")
        if call.state is not CallState.QUEUED:
            raise EngineError("not_queued", f"call {call_id} is not waiting in the queue")
        group = self.groups[call.group_id]
        if not (group.callback.enabled and call.data.get("callback_offered")):
            raise EngineError("callback_not_offered", f"callback has not been offered to call {call_id}")
        self._make_callback(call, group, via="caller")
        self._flush()
        return call

    def _make_callback(self, call: Call, group: GroupConfig, *, via: str) -> None:
        call.data["callback"] = {"requested_at": iso(self.now), "via": via, "attempts": 0}
        call.data.setdefault("sl_excluded", "callback")
        queue = self.queues[group.id]
        if queue.remove(call):  # re-added below, counted as a callback
            for kind in ("position", "max_wait", "callback_offer"):
                call.timers.pop(kind, None)
            call.callback = True
            queue.add(call)
            self._emit("call.callback_requested", call, {"call": self._call_view(call)})
        else:  # overflowed before it had a place: it takes one now
            call.callback = True
            self._enqueue(call, group)
        self._dirty_groups.add(group.id)
        self._dispatch_group(group.id)

    def callback_failed(self, agent_id: int, call_id: int, at: float | None = None) -> Call:
        """The agent called back and nobody answered: one attempt used."""
        self._move_to(at)
        call = self._offered_to(agent_id, call_id)
        if not call.callback:
            raise EngineError("not_callback", f"call {call_id} is not a callback")
        group = self.groups[call.group_id]
        agent = self._release_offer(call)
        if agent is not None:
            agent.idle_since = self.now  # the attempt was work: others' turn first
        info = call.data["callback"]
        info["attempts"] += 1
        info["last_attempt_at"] = iso(self.now)
        rule = group.callback
        retry = info["attempts"] < rule.attempts
        next_at = self.now + rule.spacing_s if retry else None
        self._emit(
            "call.callback_attempt_failed",
            call,
            {"call_id": call.id, "agent_id": agent_id, "attempt": info["attempts"], "next_attempt_at": iso(next_at)},
        )
        if next_at is not None:
            self._set_state(call, CallState.CALLBACK_WAIT)
            self._set_timer(call, "callback_retry", next_at)
        elif rule.voicemail_last_step:
            self._to_voicemail(call, group, "callback_failed")
        else:
            self._end_call(call, Outcome.CALLBACK_FAILED)
        if agent is not None:
            self._dispatch_agent(agent)
        self._flush()
        return call

    # ------------------------------------------------------------- §11 voicemail

    def _to_voicemail(self, call: Call, group: GroupConfig, reason: str) -> None:
        self._leave_queue(call, "voicemail")
        self._set_state(call, CallState.VOICEMAIL)
        call.timers.pop("collect", None)
        call.data["voicemail_reason"] = reason
        self._set_timer(call, "voicemail_timeout", self.now + self.voicemail_max_s)
        self._emit(
            "call.voicemail_started",
            call,
            {"call_id": call.id, "reason": reason, "greeting": group.voicemail_greeting},
        )

    def voicemail_left(self, call_id: int, duration_s: float, at: float | None = None) -> Call:
        """The caller left a message of `duration_s` seconds and hung up."""
        self._move_to(at)
        call = self._live_call(call_id)
        if call.state is not CallState.VOICEMAIL:
            raise EngineError("not_in_voicemail", f"call {call_id} is not in voicemail")
        group = self.groups.get(call.group_id)
        message: dict = {"duration_s": round(duration_s, 3), "left_at": iso(self.now)}
        if group is not None and group.voicemail_transcribe:
            message["transcript"] = self.transcriber.voicemail(call, duration_s)
        call.data["voicemail"] = message
        stats = self.stats.get(call.group_id)
        if stats is not None:
            stats.voicemails_today += 1
        if group is not None and group.voicemail_notify:
            self._emit(
                "voicemail.new",
                call,
                {"call_id": call.id, "caller": call.caller, "collected": dict(call.collected), **message},
            )
        self._end_call(call, Outcome.VOICEMAIL)
        self._flush()
        return call

    # ------------------------------------------------------------- §11 VIP returns

    def transfer_failed(self, call_id: int, at: float | None = None) -> Call:
        """The agent's direct transfer of this connected call failed.

        With `vip.return_failed_transfers` on, the agent's part ends and the
        caller comes back first in the queue as a new VIP call linked to this
        one; off, the caller stays with the agent. Returns the call that now
        holds the caller.
        """
        self._move_to(at)
        call = self._live_call(call_id)
        if call.state is not CallState.CONNECTED:
            raise EngineError("not_connected", f"call {call_id} is not connected")
        group = self.groups.get(call.group_id)
        if group is None or not group.vip_return_failed_transfers:
            call.data["transfers_failed"] = call.data.get("transfers_failed", 0) + 1
            self._emit("call.transfer_failed", call, {"call_id": call.id, "returned": False, "new_call_id": None})
            self._flush()
            return call
        new = self._new_call(group, call.caller, self.now)
        new.data["returned_from"] = call.id
        if call.collected:
            new.data["collected"] = dict(call.collected)
        call.data["transfer"] = {"failed_at": iso(self.now), "returned_as": new.id}
        self._emit("call.transfer_failed", call, {"call_id": call.id, "returned": True, "new_call_id": new.id})
        # The caller is back in line before the agent is free, so that the
        # agent's next offer can be this VIP call.
        self._arrive(new, group, returned_transfer=True)
        self._finish_connected(call)
        self._flush()
        return new
