"""Over any sequence of events, no call is lost or duplicated, and every call
ends in exactly one outcome (hypothesis, stateful)."""
from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from backend.engine.model import (
    IN_QUEUE,
    CallbackRule,
    CallState,
    Collector,
    EngineError,
    Outcome,
    OverflowRule,
)
from backend.schemas.groups import Priority
from backend.schemas.live import AgentState
from tests.enginekit import World

AGENTS = (1, 2, 3, 4)
GROUPS = (1, 2, 3)
MEMBERS = {1: (1, 2), 2: (2, 3), 3: (3, 4, 1)}

group_settings = st.fixed_dictionaries(
    {
        "priority": st.sampled_from(list(Priority)),
        "call_waiting": st.booleans(),
        "wrap_up_answered_s": st.sampled_from([None, 0, 20]),
        "wrap_up_rejected_s": st.sampled_from([0, 15]),
        "wrap_up_missed_s": st.sampled_from([0, 15]),
        "closed_action": st.sampled_from(["message", "voicemail"]),
        "collectors": st.sampled_from([(), (Collector("customer_number", digits_min=2, digits_max=4, retries=1, timeout_s=10),)]),
        "position_interval_s": st.sampled_from([None, 30]),
        "overflow": st.one_of(
            st.none(),
            st.builds(
                OverflowRule,
                max_waiting=st.sampled_from([None, 1, 3]),
                max_wait_s=st.sampled_from([None, 60, 200]),
                kind=st.sampled_from(["voicemail", "callback", "group", "external"]),
                group_id=st.sampled_from(GROUPS),
                number=st.just("+46812345699"),
            ),
        ),
        "callback": st.builds(
            CallbackRule,
            enabled=st.booleans(),
            offer_after_s=st.sampled_from([0, 45]),
            attempts=st.integers(1, 3),
            spacing_s=st.sampled_from([30, 120]),
            voicemail_last_step=st.booleans(),
        ),
        "vip_return_failed_transfers": st.booleans(),
        "conversation_intelligence": st.booleans(),
        "voicemail_transcribe": st.booleans(),
        "voicemail_notify": st.booleans(),
    }
)


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.w = World(voicemail_max_s=120)
        self.now = 0.0
        self.w.engine.listeners.append(self._track)
        self.created: set[int] = set()
        self.ended: dict[int, list[str]] = {}

    def _track(self, events: list) -> None:
        for e in events:
            if e.kind == "call.arrived":
                assert e.payload["call_id"] not in self.created, "a call id was used twice"
                self.created.add(e.payload["call_id"])
            elif e.kind == "call.ended":
                self.ended.setdefault(e.payload["call_id"], []).append(e.payload["outcome"])

    @property
    def engine(self):  # noqa: ANN201
        return self.w.engine

    def _at(self) -> float:
        return self.w.t(self.now)

    def _calls(self, *states: CallState, callback: bool | None = None) -> list:
        return sorted(
            (c for c in self.engine.calls.values() if c.state in states and (callback is None or c.callback == callback)),
            key=lambda c: c.id,
        )

    # ------------------------------------------------------------ set-up

    @rule(settings=st.lists(group_settings, min_size=3, max_size=3))
    @precondition(lambda self: not self.engine.groups)
    def configure(self, settings: list[dict]) -> None:
        for group_id, config in zip(GROUPS, settings, strict=True):
            self.w.group(group_id, agents=MEMBERS[group_id], **config)

    # ------------------------------------------------------------ events

    @rule(group=st.sampled_from(GROUPS), returned=st.booleans())
    @precondition(lambda self: self.engine.groups)
    def arrive(self, group: int, returned: bool) -> None:
        self.engine.call_arrived(group, "+46700000000", at=self._at(), returned_transfer=returned)

    @rule(seconds=st.sampled_from([0.5, 5, 15, 31, 61, 130, 400]))
    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.engine.advance(self._at())

    @rule(agent=st.sampled_from(AGENTS), group=st.sampled_from(GROUPS), login=st.booleans())
    @precondition(lambda self: self.engine.groups)
    def login_logout(self, agent: int, group: int, login: bool) -> None:
        if login:
            if agent in MEMBERS[group]:
                self.engine.agent_login(agent, group, at=self._at())
        else:
            self.engine.agent_logout(agent, group, at=self._at())

    @rule(agent=st.sampled_from(AGENTS))
    @precondition(lambda self: self.engine.groups)
    def logout_everywhere(self, agent: int) -> None:
        self.engine.agent_logout(agent, None, at=self._at())

    @rule(group=st.sampled_from(GROUPS), closed=st.booleans())
    @precondition(lambda self: self.engine.groups)
    def close(self, group: int, closed: bool) -> None:
        self.engine.set_temporarily_closed(group, closed, at=self._at())

    @rule(group=st.sampled_from(GROUPS), config=group_settings)
    @precondition(lambda self: self.engine.groups)
    def change_settings(self, group: int, config: dict) -> None:
        self.engine.upsert_group(replace(self.engine.groups[group], **config))

    @rule(data=st.data())
    def hang_up(self, data: st.DataObject) -> None:
        calls = [c for c in self.engine.calls.values() if not (c.callback and c.state in IN_QUEUE)]
        if calls:
            call = data.draw(st.sampled_from(sorted(calls, key=lambda c: c.id)))
            self.engine.caller_hung_up(call.id, at=self._at())

    @rule(data=st.data(), valid=st.booleans())
    def digits(self, data: st.DataObject, valid: bool) -> None:
        calls = self._calls(CallState.COLLECTING)
        if calls:
            call = data.draw(st.sampled_from(calls))
            self.engine.digits_entered(call.id, "123#" if valid else "x", at=self._at())

    @rule(data=st.data(), action=st.sampled_from(["answer", "reject", "miss", "callback_failed"]))
    def agent_acts(self, data: st.DataObject, action: str) -> None:
        calls = self._calls(CallState.OFFERED)
        if not calls:
            return
        call = data.draw(st.sampled_from(calls))
        agent = call.agent_id
        if action == "answer":
            self.engine.agent_answered(agent, call.id, at=self._at())
        elif action == "reject":
            self.engine.agent_rejected(agent, call.id, at=self._at())
        elif action == "miss":
            self.engine.agent_missed(agent, call.id, at=self._at())
        elif call.callback:
            self.engine.callback_failed(agent, call.id, at=self._at())

    @rule(data=st.data(), transfer=st.booleans())
    def connected_call(self, data: st.DataObject, transfer: bool) -> None:
        calls = self._calls(CallState.CONNECTED)
        if calls:
            call = data.draw(st.sampled_from(calls))
            if transfer:
                self.engine.transfer_failed(call.id, at=self._at())
            else:
                self.engine.call_ended(call.id, at=self._at())

    @rule(data=st.data())
    def request_callback(self, data: st.DataObject) -> None:
        calls = [c for c in self._calls(CallState.QUEUED, callback=False) if c.data.get("callback_offered")]
        if calls:
            call = data.draw(st.sampled_from(calls))
            if self.engine.groups[call.group_id].callback.enabled:
                self.engine.callback_requested(call.id, at=self._at())

    @rule(data=st.data(), seconds=st.sampled_from([1, 20]))
    def leave_voicemail(self, data: st.DataObject, seconds: float) -> None:
        calls = self._calls(CallState.VOICEMAIL)
        if calls:
            call = data.draw(st.sampled_from(calls))
            self.engine.voicemail_left(call.id, seconds, at=self._at())

    @rule(data=st.data())
    def wrong_event_is_refused_and_changes_nothing(self, data: st.DataObject) -> None:
        """A PBX event that does not fit is refused; the invariants still hold after."""
        calls = self._calls(CallState.QUEUED, CallState.COLLECTING, CallState.VOICEMAIL)
        if calls:
            call = data.draw(st.sampled_from(calls))
            before = (call.state, call.agent_id)
            try:
                self.engine.call_ended(call.id, at=self._at())
            except EngineError:
                pass
            else:
                raise AssertionError("ending a call that is not connected was accepted")
            assert (call.state, call.agent_id) == before

    # ------------------------------------------------------------ invariants

    @invariant()
    def no_call_lost_or_duplicated(self) -> None:
        live = set(self.engine.calls)
        ended = set(self.ended)
        assert not live & ended, f"calls both live and ended: {live & ended}"
        assert live | ended == self.created, f"lost: {self.created - live - ended}, unknown: {(live | ended) - self.created}"
        assert all(len(outcomes) == 1 for outcomes in self.ended.values()), "a call ended twice"

    @invariant()
    def every_live_call_is_in_exactly_one_place(self) -> None:
        engine = self.engine
        for call in engine.calls.values():
            in_queues = [g for g, q in engine.queues.items() if call.id in q.calls]
            assert in_queues == ([call.group_id] if call.state in IN_QUEUE else []), (call, in_queues)
            ringing_at = [a.id for a in engine.agents.values() if a.offered_call == call.id]
            assert ringing_at == ([call.agent_id] if call.state is CallState.OFFERED else [])
            connected_to = [a.id for a in engine.agents.values() if call.id in a.calls]
            assert connected_to == ([call.agent_id] if call.state is CallState.CONNECTED else [])
            assert call.state not in (CallState.NEW, CallState.ENDED)
        for agent in engine.agents.values():
            for call_id in agent.calls:
                assert engine.calls[call_id].state is CallState.CONNECTED
            if agent.offered_call is not None:
                assert engine.calls[agent.offered_call].state is CallState.OFFERED
                assert agent.offered_call not in agent.calls

    @invariant()
    def live_counters_match(self) -> None:
        engine = self.engine
        for group_id, queue in engine.queues.items():
            calls = [c for c in engine.calls.values() if c.group_id == group_id]
            assert engine.stats[group_id].in_collector == sum(c.state is CallState.COLLECTING for c in calls)
            assert queue.callbacks == sum(c.callback for c in queue.calls.values())
            sl = engine.sl_today(group_id)
            assert 0 <= sl.answered_within <= sl.answered and 0 <= sl.early_hangups <= sl.abandoned
            # The agent figures kept by difference equal a recount.
            stats = engine.group_stats(group_id)
            states = [engine.agent_state_in(engine.agents[a], group_id) for a in engine.groups[group_id].agent_ids]
            assert (stats["agents_free"], stats["agents_busy"], stats["agents_wrap_up"], stats["agents_logged_out"]) == (
                states.count(AgentState.FREE),
                states.count(AgentState.BUSY) + states.count(AgentState.OFFERED),
                states.count(AgentState.WRAP_UP),
                states.count(AgentState.LOGGED_OUT),
            )

    def teardown(self) -> None:
        """Drain: whatever happened, every call can still reach exactly one end."""
        engine = self.engine
        if engine.groups:
            for group_id in GROUPS:
                engine.set_temporarily_closed(group_id, False, at=self._at())
                for agent in MEMBERS[group_id]:
                    engine.agent_login(agent, group_id, at=self._at())
        for _ in range(200):
            if not engine.calls:
                break
            for call in sorted(engine.calls.values(), key=lambda c: c.id):
                if call.id not in engine.calls:
                    continue
                if call.state is CallState.OFFERED:
                    engine.agent_answered(call.agent_id, call.id, at=self._at())
                elif call.state is CallState.CONNECTED:
                    engine.call_ended(call.id, at=self._at())
                elif call.state is CallState.VOICEMAIL:
                    engine.voicemail_left(call.id, 3, at=self._at())
                elif not call.callback and call.state is not CallState.CALLBACK_WAIT:
                    engine.caller_hung_up(call.id, at=self._at())
            self.now += 200
            engine.advance(self._at())
        assert not engine.calls, f"calls that never ended: {list(engine.calls.values())}"
        self.no_call_lost_or_duplicated()
        assert all(outcomes[0] in set(Outcome) for outcomes in self.ended.values())


TestEngineProperties = EngineMachine.TestCase
TestEngineProperties.settings = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
