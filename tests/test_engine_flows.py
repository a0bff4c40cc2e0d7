"""Every setting does what it says: the call path, as tables on the fake clock."""
from __future__ import annotations

import pytest

from backend.engine.model import CallbackRule, CallState, Collector, EngineError, OverflowRule
from tests.enginekit import World


def queue_world(**group: object) -> World:
    """Group 1 with agent 1 logged in but busy (on a call in group 9): calls wait."""
    w = World()
    w.group(9, agents=(1,))
    w.group(1, agents=(1,), **group)
    w.login(1, 9, 1, at=0)
    busy = w.engine.call_arrived(9, "busy", at=w.t(0))
    w.engine.agent_answered(1, busy.id, at=w.t(0))
    w.busy = busy.id  # type: ignore[attr-defined]
    return w


def free_agent(w: World, at: float) -> None:
    w.engine.call_ended(w.busy, at=w.t(at))  # type: ignore[attr-defined]


# ---------------------------------------------------------------- §5 §7 closed


@pytest.mark.parametrize(
    ("closed_by", "action", "outcome", "events"),
    [
        ("temporarily", "message", "closed", ["call.closed_message"]),
        ("temporarily", "voicemail", "voicemail", ["call.voicemail_started"]),
        ("schedule", "message", "closed", ["call.closed_message"]),
        ("schedule", "voicemail", "voicemail", ["call.voicemail_started"]),
    ],
)
def test_closed_action(closed_by: str, action: str, outcome: str, events: list[str]) -> None:
    w = World(is_open_by_schedule=lambda _gid, _at: closed_by != "schedule")
    w.group(1, agents=(1,), closed_action=action, closed_message="Vi har stängt.",
            temporarily_closed=closed_by == "temporarily")
    w.login(1, 1, at=0)
    call = w.arrive(1, at=10)
    assert [e.kind for e in w.kinds("call.closed_message", "call.voicemail_started")] == events
    assert not w.kinds("call.enqueued") and w.offered_to(1) is None
    if action == "voicemail":
        w.engine.voicemail_left(call.id, 12.5, at=w.t(40))
    assert w.outcome(call.id) == outcome
    assert w.ended(call.id)["data"]["closed_action"] == action
    if action == "message":
        assert w.kinds("call.closed_message")[0].payload["message"] == "Vi har stängt."


def test_closing_keeps_serving_calls_already_waiting() -> None:
    w = queue_world()
    waiting = w.arrive(1, at=5)
    w.engine.set_temporarily_closed(1, True, at=w.t(10))
    late = w.arrive(1, at=11)
    free_agent(w, 20)
    assert w.offered_to(1) == waiting.id
    assert w.outcome(late.id) == "closed"


# ---------------------------------------------------------------- §13 input collectors

CUSTOMER = Collector("customer_number", prompt="Ange kundnummer", digits_min=4, digits_max=6, end_key="#", retries=2, timeout_s=10)
ORDER = Collector("order_id", digits_min=1, digits_max=3, end_key="none", retries=0, timeout_s=5)

COLLECTORS = [
    # case, collectors, inputs [(at, digits or None for "wait")], collected, failed, enqueued at
    ("a valid value", (CUSTOMER,), [(3, "12345#")], {"customer_number": "12345"}, [], 3),
    ("without the end key", (CUSTOMER,), [(3, "1234")], {"customer_number": "1234"}, [], 3),
    ("too short, then right", (CUSTOMER,), [(3, "12#"), (6, "1234#")], {"customer_number": "1234"}, [], 6),
    ("too long is refused", (CUSTOMER,), [(3, "1234567#"), (5, "123456#")], {"customer_number": "123456"}, [], 5),
    ("the wrong end key is refused", (CUSTOMER,), [(3, "1234*"), (5, "1234#")], {"customer_number": "1234"}, [], 5),
    ("not digits is refused", (CUSTOMER,), [(3, "12a4#"), (5, "1234#")], {"customer_number": "1234"}, [], 5),
    ("three timeouts: on to the queue without it", (CUSTOMER,), [], {}, ["customer_number"], 30),
    ("invalid, timeout, invalid: out of retries", (CUSTOMER,), [(2, "1#"), (20, "99#")], {}, ["customer_number"], 20),
    ("timeout then valid", (CUSTOMER,), [(15, "5555#")], {"customer_number": "5555"}, [], 15),
    ("two collectors in order", (CUSTOMER, ORDER), [(3, "1234#"), (4, "77")], {"customer_number": "1234", "order_id": "77"}, [], 4),
    ("no retries: one miss and on", (CUSTOMER, ORDER), [(3, "1234#"), (4, "7777")], {"customer_number": "1234"}, ["order_id"], 4),
    ("second one times out", (CUSTOMER, ORDER), [(3, "1234#")], {"customer_number": "1234"}, ["order_id"], 8),
]


@pytest.mark.parametrize(
    ("case", "collectors", "inputs", "collected", "failed", "enqueued_at"), COLLECTORS, ids=[c[0] for c in COLLECTORS]
)
def test_input_collectors(case: str, collectors: tuple, inputs: list, collected: dict, failed: list, enqueued_at: float) -> None:
    w = World()
    w.group(1, agents=(1,), collectors=collectors)
    w.login(1, 1, at=0)
    call = w.arrive(1, at=0)
    assert call.state is CallState.COLLECTING
    assert w.engine.flow(1)["in_collector"] == 1
    for at, digits in inputs:
        w.engine.digits_entered(call.id, digits, at=w.t(at))
    w.advance(100)
    [enqueued] = w.kinds("call.enqueued")
    assert enqueued.at == w.t(enqueued_at)
    assert enqueued.payload["call"]["collected"] == collected
    assert w.engine.flow(1)["in_collector"] == 0
    # The values travel with the call: to the agent, and into the history.
    offered = w.kinds("call.offered")[0].payload
    assert offered["collected"] == collected
    w.engine.caller_hung_up(call.id, at=w.t(101))
    record = w.ended(call.id)
    assert record["collected"] == collected
    assert record["data"].get("collect_failed", []) == failed


def test_the_caller_is_prompted_again_with_the_reason() -> None:
    w = World()
    w.group(1, collectors=(CUSTOMER,))
    call = w.arrive(1, at=0)
    w.engine.digits_entered(call.id, "1#", at=w.t(2))
    w.advance(12.5)
    prompts = [(e.at - w.t(0), e.payload["attempt"], e.payload["retry_reason"]) for e in w.kinds("call.collecting")]
    assert prompts == [(0, 0, None), (2, 1, "invalid"), (12, 2, "timeout")]
    assert w.kinds("call.collecting")[0].payload["prompt"] == "Ange kundnummer"


def test_digits_when_nothing_asks_are_refused() -> None:
    w = World()
    w.group(1)
    call = w.arrive(1, at=0)
    with pytest.raises(EngineError) as err:
        w.engine.digits_entered(call.id, "1234#")
    assert err.value.code == "not_collecting"


# ---------------------------------------------------------------- §11 queue-position messages


def test_position_messages_at_the_interval() -> None:
    w = queue_world(position_interval_s=30)
    first = w.arrive(1, at=0)
    second = w.arrive(1, at=10)
    free_agent(w, 65)  # first rings from +65 on
    w.engine.agent_answered(1, first.id, at=w.t(69))
    w.advance(105)
    messages = [(e.payload["call_id"], e.at - w.t(0), e.payload["position"]) for e in w.kinds("call.position_message")]
    assert messages == [
        (first.id, 30, 1),
        (second.id, 40, 2),
        (first.id, 60, 1),
        (second.id, 70, 1),  # first was answered at +69
        (second.id, 100, 1),
    ]
    assert w.kinds("call.position_message")[0].payload["wait_s"] == 30


def test_no_position_messages_when_off() -> None:
    w = queue_world()
    w.arrive(1, at=0)
    w.advance(600)
    assert not w.kinds("call.position_message")


# ---------------------------------------------------------------- §11 overflow


def overflow_world(kind: str = "voicemail", max_waiting: int | None = None, max_wait_s: int | None = None, **rule: object) -> World:
    w = queue_world(overflow=OverflowRule(max_waiting=max_waiting, max_wait_s=max_wait_s, kind=kind, **rule))  # type: ignore[arg-type]
    w.group(2, agents=(2,), collectors=(CUSTOMER,))
    w.group(3, agents=(3,), overflow=OverflowRule(max_waiting=1, kind="group", group_id=1))
    return w


@pytest.mark.parametrize(
    ("case", "rule", "arrivals", "overflowed", "at", "reason"),
    [
        ("the third caller finds the queue full (max 2)", {"max_waiting": 2}, [0, 1, 2], [2], 2, "queue_full"),
        ("max 1", {"max_waiting": 1}, [0, 1, 2], [1, 2], 1, "queue_full"),
        ("waited 60 s", {"max_wait_s": 60}, [0], [0], 60, "max_wait"),
        ("the second waits 60 s too", {"max_wait_s": 60}, [0, 5], [0, 1], 60, "max_wait"),
        ("both limits: the first reached", {"max_waiting": 5, "max_wait_s": 60}, [0, 1], [0, 1], 60, "max_wait"),
    ],
)
def test_overflow_when(case: str, rule: dict, arrivals: list, overflowed: list, at: float, reason: str) -> None:
    w = overflow_world(**rule)
    calls = [w.arrive(1, at=t) for t in arrivals]
    w.advance(200)
    events = w.kinds("call.overflowed")
    assert [e.payload["call_id"] for e in events] == [calls[i].id for i in overflowed]
    assert events[0].at == w.t(at)
    assert events[0].payload["reason"] == reason
    assert w.engine.flow(1)["overflowed_today"] == len(overflowed)


def test_overflow_on_max_wait_waits_until_a_ringing_call_is_declined() -> None:
    w = overflow_world(max_wait_s=60)
    call = w.arrive(1, at=0)
    free_agent(w, 50)  # rings from +50; the limit passes while it rings
    w.engine.agent_rejected(1, call.id, at=w.t(65))
    [event] = w.kinds("call.overflowed")
    assert event.at == w.t(65) and event.payload["reason"] == "max_wait"


def test_callbacks_do_not_fill_the_queue_and_vip_calls_never_overflow() -> None:
    w = overflow_world(max_waiting=2)
    w.group(1, callback=CallbackRule(enabled=True, offer_after_s=0), vip_return_failed_transfers=True)
    first = w.arrive(1, at=0)
    w.engine.callback_requested(first.id, at=w.t(1))  # off the line: does not count
    w.arrive(1, at=2, returned_transfer=True)  # a VIP on the line: counts
    second = w.arrive(1, at=3)
    assert not w.kinds("call.overflowed")
    third = w.arrive(1, at=4)
    vip = w.arrive(1, at=5, returned_transfer=True)  # full, but a VIP comes back anyway
    assert [e.payload["call_id"] for e in w.kinds("call.overflowed")] == [third.id]
    assert second.state is CallState.QUEUED and vip.state is CallState.QUEUED


@pytest.mark.parametrize(
    ("case", "rule", "outcome", "state"),
    [
        ("to voicemail", {"kind": "voicemail"}, None, CallState.VOICEMAIL),
        ("to callback", {"kind": "callback"}, None, CallState.QUEUED),
        ("to an external number", {"kind": "external", "number": "+46812345699"}, "overflowed", None),
        ("to another group", {"kind": "group", "group_id": 2}, "overflowed", None),
        ("to a group that does not exist: voicemail instead", {"kind": "group", "group_id": 77}, None, CallState.VOICEMAIL),
        ("back to a group it came through: voicemail instead", {"kind": "group", "group_id": 3}, None, CallState.VOICEMAIL),
    ],
)
def test_overflow_destinations(case: str, rule: dict, outcome: str | None, state: CallState | None) -> None:
    w = overflow_world(max_wait_s=60, **rule)
    if rule.get("group_id") == 3:
        w.arrive(3, "filler", at=0)  # group 3 is full (max 1) and overflows to group 1
        call_id = w.arrive(3, "+46701234567", at=0).data["overflow"]["to_call_id"]
    else:
        call_id = w.arrive(1, "+46701234567", at=0).id
    call = w.engine.calls[call_id]
    call.data["collected"] = {"customer_number": "4242"}
    w.advance(60)
    assert w.outcome(call_id) == outcome
    if state is not None:
        assert call.state is state
    destination = w.kinds("call.overflowed")[-1].payload["destination"]
    assert destination["kind"] == rule["kind"]
    if rule["kind"] == "group" and outcome == "overflowed":
        record = w.ended(call_id)["data"]["overflow"]
        new = w.engine.calls[record["to_call_id"]]
        assert new.group_id == 2 and new.caller == "+46701234567"
        assert new.data["overflowed_from"] == {"group_id": 1, "call_id": call_id}
        # Collected values travel along: group 2 does not ask again.
        assert new.collected == {"customer_number": "4242"} and new.state is CallState.QUEUED
    if rule["kind"] == "external":
        assert w.ended(call_id)["data"]["overflow"]["number"] == "+46812345699"
    if rule["kind"] == "callback":
        assert call.callback and w.engine.flow(1)["callbacks_pending"] == 1
    if state is CallState.VOICEMAIL:
        assert [e.payload["reason"] for e in w.kinds("call.voicemail_started")] == ["overflow"]
        assert w.kinds("call.left_queue")[-1].payload["call_id"] == call_id


def test_overflow_off_does_nothing() -> None:
    w = queue_world()
    for i in range(20):
        w.arrive(1, at=i)
    w.advance(7200)
    assert not w.kinds("call.overflowed")
    assert len(w.engine.waiting_calls(1)) == 20


# ---------------------------------------------------------------- §14 callback

CALLBACK = CallbackRule(enabled=True, offer_after_s=45, attempts=3, spacing_s=120, voicemail_last_step=False)


def test_callback_is_offered_after_the_set_wait() -> None:
    w = queue_world(callback=CALLBACK)
    call = w.arrive(1, at=0)
    with pytest.raises(EngineError) as err:
        w.engine.callback_requested(call.id, at=w.t(44))
    assert err.value.code == "callback_not_offered"
    w.advance(45)
    [offer] = w.kinds("call.callback_offered")
    assert offer.at == w.t(45)
    w.engine.callback_requested(call.id, at=w.t(50))
    assert call.callback and w.engine.flow(1)["callbacks_pending"] == 1
    assert w.kinds("call.callback_requested")[0].payload["call"]["callback"] is True
    with pytest.raises(EngineError) as err:
        w.engine.caller_hung_up(call.id, at=w.t(51))
    assert err.value.code == "not_on_line"


def test_a_callback_keeps_its_turn() -> None:
    w = queue_world(callback=CALLBACK)
    first = w.arrive(1, at=0)
    w.advance(45)
    w.engine.callback_requested(first.id, at=w.t(46))
    later = w.arrive(1, at=50)
    free_agent(w, 300)
    assert w.offered_to(1) == first.id
    offered = w.kinds("call.offered")[-1].payload
    assert offered["callback"] is True
    w.engine.agent_answered(1, first.id, at=w.t(310))
    assert w.engine.flow(1)["callbacks_pending"] == 0
    w.engine.call_ended(first.id, at=w.t(400))
    assert w.offered_to(1) == later.id
    record = w.ended(first.id)
    assert record["outcome"] == "answered" and record["callback"] is True
    assert record["data"]["callback"]["connected_at"] is not None


@pytest.mark.parametrize(
    ("case", "attempts", "voicemail_last_step", "outcome", "state"),
    [
        ("every attempt fails", 3, False, "callback_failed", None),
        ("one attempt only", 1, False, "callback_failed", None),
        ("voicemail as the last step", 2, True, None, CallState.VOICEMAIL),
    ],
)
def test_callback_attempts_with_spacing(case: str, attempts: int, voicemail_last_step: bool, outcome: str | None, state: CallState | None) -> None:
    rule = CallbackRule(enabled=True, offer_after_s=0, attempts=attempts, spacing_s=120, voicemail_last_step=voicemail_last_step)
    w = queue_world(callback=rule, wrap_up_answered_s=0)
    call = w.arrive(1, at=0)
    w.engine.callback_requested(call.id, at=w.t(1))
    free_agent(w, 10)
    tried_at = []
    t = 10.0
    for _ in range(attempts):
        assert w.offered_to(1) == call.id, f"offered at +{t}"
        w.engine.callback_failed(1, call.id, at=w.t(t + 20))
        tried_at.append(t + 20)
        if len(tried_at) < attempts:
            # Not offered during the spacing; offered again when it is over.
            w.advance(t + 20 + 119)
            assert w.offered_to(1) is None and call.state is CallState.CALLBACK_WAIT
            t = t + 20 + 120
            w.advance(t)
    failures = w.kinds("call.callback_attempt_failed")
    assert [e.payload["attempt"] for e in failures] == list(range(1, attempts + 1))
    assert failures[-1].payload["next_attempt_at"] is None
    assert w.outcome(call.id) == outcome
    if state is CallState.VOICEMAIL:
        assert call.state is state
        assert w.kinds("call.voicemail_started")[-1].payload["reason"] == "callback_failed"
        w.engine.voicemail_left(call.id, 9, at=w.t(t + 60))
        assert w.outcome(call.id) == "voicemail"
    else:
        assert w.ended(call.id)["data"]["callback"]["attempts"] == attempts


def test_a_rejected_callback_is_not_an_attempt() -> None:
    w = queue_world(callback=CallbackRule(enabled=True, offer_after_s=0, attempts=1))
    call = w.arrive(1, at=0)
    w.engine.callback_requested(call.id, at=w.t(1))
    free_agent(w, 10)
    w.engine.agent_rejected(1, call.id, at=w.t(12))
    assert call.data["callback"]["attempts"] == 0 and call.state is CallState.QUEUED


# ---------------------------------------------------------------- §11 voicemail


@pytest.mark.parametrize(
    ("transcribe", "notify"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_voicemail_transcription_and_notice(transcribe: bool, notify: bool) -> None:
    w = World()
    w.group(1, temporarily_closed=True, closed_action="voicemail", voicemail_greeting="Lämna ett meddelande",
            voicemail_transcribe=transcribe, voicemail_notify=notify)
    call = w.arrive(1, "+46709876543", at=0)
    assert w.kinds("call.voicemail_started")[0].payload["greeting"] == "Lämna ett meddelande"
    w.engine.voicemail_left(call.id, 23.4, at=w.t(30))
    message = w.ended(call.id)["data"]["voicemail"]
    assert message["duration_s"] == 23.4
    assert message["left_at"] == "2026-11-26T08:00:30+00:00"
    assert ("transcript" in message) is transcribe
    if transcribe:
        assert "+46709876543" in message["transcript"]
    notices = w.kinds("voicemail.new")
    assert len(notices) == int(notify)
    if notify:
        assert notices[0].payload["duration_s"] == 23.4 and notices[0].group_id == 1
    assert w.engine.flow(1)["voicemails_today"] == 1


def test_voicemail_without_a_message() -> None:
    w = World(voicemail_max_s=300)
    w.group(1, temporarily_closed=True, closed_action="voicemail")
    hung_up = w.arrive(1, at=0)
    silent = w.arrive(1, at=0)
    w.engine.caller_hung_up(hung_up.id, at=w.t(5))
    w.advance(300)
    assert w.outcome(hung_up.id) == "abandoned"
    assert w.outcome(silent.id) == "abandoned"
    assert w.ended(silent.id)["ended_at"] == "2026-11-26T08:05:00+00:00"
    assert w.engine.flow(1)["voicemails_today"] == 0


def test_transcripts_are_deterministic() -> None:
    texts = []
    for _ in range(2):
        w = World()
        w.group(1, temporarily_closed=True, closed_action="voicemail", voicemail_transcribe=True)
        call = w.arrive(1, "+46701112233", at=0)
        w.engine.voicemail_left(call.id, 30, at=w.t(30))
        texts.append(w.ended(call.id)["data"]["voicemail"]["transcript"])
    assert texts[0] == texts[1]


# ---------------------------------------------------------------- §11 VIP returns


def test_a_failed_transfer_returns_first_as_vip() -> None:
    w = World()
    w.group(1, agents=(1, 2), vip_return_failed_transfers=True, vip_message="Du kopplas strax.")
    w.login(1, 1, at=0)
    call = w.arrive(1, "+46700000001", at=0)
    w.engine.agent_answered(1, call.id, at=w.t(5))
    waiting = [w.arrive(1, f"+4670000000{i}", at=10 + i) for i in (2, 3)]
    new = w.engine.transfer_failed(call.id, at=w.t(60))
    assert new.id != call.id and new.vip and new.caller == call.caller
    assert w.ended(call.id)["data"]["transfer"]["returned_as"] == new.id
    assert w.ended(call.id)["outcome"] == "answered"
    enqueued = w.kinds("call.enqueued")[-1].payload
    assert enqueued["call"]["vip"] is True and enqueued["message"] == "Du kopplas strax."
    assert [c.id for c in w.engine.waiting_calls(1)][0] == new.id  # ringing at agent 1 already
    assert w.offered_to(1) == new.id
    assert [c.id for c in w.engine.waiting_calls(1)][1:] == [c.id for c in waiting]


def test_a_failed_transfer_stays_with_the_agent_when_the_setting_is_off() -> None:
    w = World()
    w.group(1, agents=(1,))
    w.login(1, 1, at=0)
    call = w.arrive(1, at=0)
    w.engine.agent_answered(1, call.id, at=w.t(5))
    same = w.engine.transfer_failed(call.id, at=w.t(60))
    assert same is call and call.state is CallState.CONNECTED
    assert w.kinds("call.transfer_failed")[0].payload == {"call_id": call.id, "returned": False, "new_call_id": None}


# ---------------------------------------------------------------- §16 Conversation Intelligence


@pytest.mark.parametrize("on", [True, False])
def test_ci_summary_when_on(on: bool) -> None:
    w = World()
    w.group(1, agents=(1,), conversation_intelligence=on)
    w.login(1, 1, at=0)
    call = w.arrive(1, at=0)
    w.serve(1, at=1, talk=180)
    ci = w.ended(call.id)["data"].get("ci")
    if on:
        assert ci["summary"].startswith("Kunden ringde om") and "3 min" in ci["summary"]
    else:
        assert ci is None


# ---------------------------------------------------------------- flow figures


def test_flow_figures_in_group_stats() -> None:
    w = queue_world(collectors=(CUSTOMER,), overflow=OverflowRule(max_waiting=1, kind="voicemail"),
                    callback=CallbackRule(enabled=True, offer_after_s=0))
    w.arrive(1, at=0)  # collecting
    second = w.arrive(1, at=1)
    w.engine.digits_entered(second.id, "1234#", at=w.t(2))  # queued (1 on the line: full)
    w.engine.callback_requested(second.id, at=w.t(3))  # leaves the line
    third = w.arrive(1, at=4)
    w.engine.digits_entered(third.id, "1234#", at=w.t(5))  # queued
    fourth = w.arrive(1, at=6)
    w.engine.digits_entered(fourth.id, "1234#", at=w.t(7))  # full: overflow to voicemail
    w.engine.voicemail_left(fourth.id, 10, at=w.t(20))
    stats = [e.payload for e in w.kinds("group.stats") if e.group_id == 1][-1]
    assert stats["flow"] == {
        "arrivals_this_hour": 4,
        "in_collector": 1,
        "overflowed_today": 1,
        "voicemails_today": 1,
        "callbacks_pending": 1,
    }
    assert stats["waiting"] == 2
    assert set(stats) >= {"sl_today", "sl_last_hour", "flow"}


def test_arrivals_this_hour_restart_on_the_hour() -> None:
    w = World()
    w.group(1)
    w.arrive(1, at=0)
    w.arrive(1, at=3599)
    assert w.engine.flow(1)["arrivals_this_hour"] == 2
    w.events.clear()
    w.advance(3600)  # 10:00 in Stockholm
    assert w.engine.flow(1)["arrivals_this_hour"] == 0
    assert [e.payload["flow"]["arrivals_this_hour"] for e in w.kinds("group.stats")] == [0]


def test_opening_hours_come_from_the_schedule_resolver() -> None:
    open_now = {"value": True}
    w = World(is_open_by_schedule=lambda _gid, _at: open_now["value"])
    w.group(1, agents=(1,))
    w.login(1, 1, at=0)
    assert w.arrive(1, at=1).state is CallState.OFFERED
    open_now["value"] = False  # the schedule says closed from now on
    w.events.clear()
    w.engine.schedule_changed([1], at=w.t(2))
    [stats] = [e.payload for e in w.kinds("group.stats")]
    assert stats["open"] is False
    assert w.arrive(1, at=3).outcome is not None  # the closed message
