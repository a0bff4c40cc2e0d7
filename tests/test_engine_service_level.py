"""Service level exactly as DESIGN.md §15, and which calls count (docs/engine.md)."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.engine.stats import sl_flags
from backend.schemas.live import ServiceLevelCounts
from backend.engine.model import OverflowRule, CallbackRule, Collector
from tests.enginekit import World

# ---------------------------------------------------------------- the rule itself

RULE = [
    # kind, wait, threshold, early hang-up limit, flags
    ("answered", 0.0, 90, 10, {"answered": 1, "within": 1}),
    ("answered", 90.0, 90, 10, {"answered": 1, "within": 1}),
    ("answered", 90.0004, 90, 10, {"answered": 1, "within": 1}),  # to the millisecond
    ("answered", 90.001, 90, 10, {"answered": 1, "within": 0}),
    ("answered", 600.0, 90, 10, {"answered": 1, "within": 0}),
    ("answered", 30.0, 30, 5, {"answered": 1, "within": 1}),
    ("answered", 31.0, 30, 5, {"answered": 1, "within": 0}),
    ("abandoned", 0.0, 90, 10, {"abandoned": 1, "early": 1}),
    ("abandoned", 10.0, 90, 10, {"abandoned": 1, "early": 1}),
    ("abandoned", 10.001, 90, 10, {"abandoned": 1, "early": 0}),
    ("abandoned", 500.0, 90, 10, {"abandoned": 1, "early": 0}),
    ("abandoned", 0.0, 90, 0, {"abandoned": 1, "early": 1}),
    ("abandoned", 0.001, 90, 0, {"abandoned": 1, "early": 0}),
]


@pytest.mark.parametrize(("kind", "wait", "threshold", "early", "flags"), RULE)
def test_sl_flags(kind: str, wait: float, threshold: int, early: int, flags: dict) -> None:
    assert sl_flags(kind, wait, threshold, early) == flags  # type: ignore[arg-type]


PERCENT = [
    # within, answered, abandoned, early → percent (None is shown as "–")
    ((8, 10, 0, 0), 80.0),  # the seed's example
    ((8, 8, 2, 0), 80.0),
    ((8, 8, 4, 2), 80.0),  # early hang-ups are left out
    ((0, 0, 0, 0), None),
    ((0, 0, 3, 3), None),  # only early hang-ups: nothing counts
    ((0, 0, 1, 0), 0.0),
    ((5, 5, 0, 0), 100.0),
]


@pytest.mark.parametrize(("counts", "percent"), PERCENT)
def test_percent_and_dash(counts: tuple, percent: float | None) -> None:
    within, answered, abandoned, early = counts
    c = ServiceLevelCounts(answered_within=within, answered=answered, abandoned=abandoned, early_hangups=early)
    assert c.percent == percent


# ---------------------------------------------------------------- what counts


def answered_after(wait: float) -> Callable[[World], None]:
    def run(w: World) -> None:
        call = w.arrive(1, at=0)
        w.engine.agent_answered(1, call.id, at=w.t(wait)) if w.offered_to(1) == call.id else None

    return run


def _busy_agent(w: World) -> None:
    """Put agent 1 on a call in group 9 so calls in group 1 wait."""
    w.group(9, agents=(1,))
    w.login(1, 9, at=0)
    busy = w.engine.call_arrived(9, "busy", at=w.t(0))
    w.engine.agent_answered(1, busy.id, at=w.t(0))
    w.busy = busy.id  # type: ignore[attr-defined]


def queue_then_answer(wait: float, **group: object) -> Callable[[World], None]:
    def run(w: World) -> None:
        w.group(1, **group)
        _busy_agent(w)
        call = w.arrive(1, at=0)
        w.engine.call_ended(w.busy, at=w.t(wait))  # type: ignore[attr-defined]
        assert w.offered_to(1) == call.id
        w.engine.agent_answered(1, call.id, at=w.t(wait))

    return run


def queue_then_hang_up(wait: float, **group: object) -> Callable[[World], None]:
    def run(w: World) -> None:
        w.group(1, **group)
        _busy_agent(w)
        call = w.arrive(1, at=0)
        w.engine.caller_hung_up(call.id, at=w.t(wait))

    return run


def hang_up_while_ringing(w: World) -> None:
    call = w.arrive(1, at=0)
    w.engine.caller_hung_up(call.id, at=w.t(25))


def rejected_then_answered(w: World) -> None:
    w.group(1, wrap_up_rejected_s=0)
    call = w.arrive(1, at=0)
    for at in (25, 50, 75):  # re-offered at once each time (no wrap-up)
        w.engine.agent_rejected(1, call.id, at=w.t(at))
    w.engine.agent_answered(1, call.id, at=w.t(95))


def hang_up_in_collector(w: World) -> None:
    w.group(1, collectors=(Collector("customer_number"),))
    call = w.arrive(1, at=0)
    w.engine.caller_hung_up(call.id, at=w.t(8))  # still being asked (timeout 10 s)


def closed(action: str) -> Callable[[World], None]:
    def run(w: World) -> None:
        w.group(1, temporarily_closed=True, closed_action=action)
        call = w.arrive(1, at=0)
        if action == "voicemail":
            w.engine.caller_hung_up(call.id, at=w.t(20))

    return run


def overflow(kind: str, **rule: object) -> Callable[[World], None]:
    def run(w: World) -> None:
        w.group(2, agents=(2,))
        w.login(2, 2, at=0)
        w.group(1, overflow=OverflowRule(max_wait_s=120, kind=kind, **rule))  # type: ignore[arg-type]
        _busy_agent(w)
        call = w.arrive(1, at=0)
        w.advance(120)
        if kind == "voicemail":
            w.engine.caller_hung_up(call.id, at=w.t(125))
        if kind == "group":
            new = w.offered_to(2)
            assert new is not None
            w.engine.agent_answered(2, new, at=w.t(149))  # waited 29 s in group 2

    return run


def callback_answered(w: World) -> None:
    w.group(1, callback=CallbackRule(enabled=True, offer_after_s=30))
    _busy_agent(w)
    call = w.arrive(1, at=0)
    w.advance(30)
    w.engine.callback_requested(call.id, at=w.t(35))
    w.engine.call_ended(w.busy, at=w.t(400))  # type: ignore[attr-defined]
    w.engine.agent_answered(1, call.id, at=w.t(420))


def vip_return(w: World) -> None:
    w.group(1, vip_return_failed_transfers=True)
    call = w.arrive(1, at=0)
    w.engine.agent_answered(1, call.id, at=w.t(20))
    new = w.engine.transfer_failed(call.id, at=w.t(100))
    w.engine.agent_answered(1, new.id, at=w.t(300))  # rang again at once; answered late


COUNTS = [
    # case, scenario, group 1 (within, answered, abandoned, early), group 2 (or None)
    ("answered at once", answered_after(0), (1, 1, 0, 0), None),
    ("answered after 90 s in the queue: within", queue_then_answer(90), (1, 1, 0, 0), None),
    ("answered after 91 s in the queue: not within", queue_then_answer(91), (0, 1, 0, 0), None),
    ("threshold 30 s: 30 s within", queue_then_answer(30, sl_threshold_s=30), (1, 1, 0, 0), None),
    ("threshold 30 s: 31 s not", queue_then_answer(31, sl_threshold_s=30), (0, 1, 0, 0), None),
    ("hung up after 10 s: early, left out", queue_then_hang_up(10), (0, 0, 1, 1), None),
    ("hung up after 11 s: abandoned", queue_then_hang_up(11), (0, 0, 1, 0), None),
    ("early limit 0: hung up at 0 s is early", queue_then_hang_up(0, sl_early_hangup_s=0), (0, 0, 1, 1), None),
    ("hung up while ringing: abandoned", hang_up_while_ringing, (0, 0, 1, 0), None),
    ("rejected, then answered at 95 s: wait from the queue entry", rejected_then_answered, (0, 1, 0, 0), None),
    ("hung up in the input collector: never queued, not counted", hang_up_in_collector, (0, 0, 0, 0), None),
    ("closed, message: not counted", closed("message"), (0, 0, 0, 0), None),
    ("closed, voicemail: not counted", closed("voicemail"), (0, 0, 0, 0), None),
    ("overflow to voicemail: not counted", overflow("voicemail"), (0, 0, 0, 0), None),
    ("overflow to an external number: not counted", overflow("external", number="+46812345699"), (0, 0, 0, 0), None),
    ("overflow to a group: counted there, from its own queue", overflow("group", group_id=2), (0, 0, 0, 0), (1, 1, 0, 0)),
    ("callback: not counted", callback_answered, (0, 0, 0, 0), None),
    ("VIP return: the call counts once, the return leg not", vip_return, (1, 1, 0, 0), None),
]


@pytest.mark.parametrize(("case", "scenario", "g1", "g2"), COUNTS, ids=[c[0] for c in COUNTS])
def test_which_calls_count(case: str, scenario: Callable[[World], None], g1: tuple, g2: tuple | None) -> None:
    w = World()
    w.group(1, agents=(1,))
    w.login(1, 1, at=0)
    scenario(w)
    assert w.sl(1) == g1
    if g2 is not None:
        assert w.sl(2) == g2


# ---------------------------------------------------------------- per day, last hour


def test_sl_today_restarts_at_local_midnight() -> None:
    w = World()
    w.group(1, agents=(1,))
    w.login(1, 1, at=0)
    midnight = 15 * 3600  # T0 is 09:00 in Stockholm
    w.arrive(1, at=midnight - 60)
    w.serve(1, at=midnight - 60)
    assert w.sl(1) == (1, 1, 0, 0)
    w.events.clear()
    w.advance(midnight)
    assert w.sl(1) == (0, 0, 0, 0)
    # The change is reported although nothing happened in the group.
    stats = [e.payload for e in w.kinds("group.stats") if e.group_id == 1]
    assert stats and stats[-1]["sl_today"]["answered"] == 0


def test_sl_last_hour_is_a_rolling_hour() -> None:
    w = World()
    w.group(1, agents=(1,))
    w.login(1, 1, at=0)
    w.arrive(1, at=100)
    w.serve(1, at=100)  # answered at +100
    w.advance(100 + 3599)
    assert w.engine.sl_last_hour(1).answered == 1
    w.events.clear()
    w.advance(100 + 3660)
    assert w.engine.sl_last_hour(1).answered == 0
    # A group.stats reports it within the minute, with nothing else happening.
    [stats] = [e.payload for e in w.kinds("group.stats") if e.group_id == 1]
    assert stats["sl_last_hour"] == {"answered_within": 0, "answered": 0, "abandoned": 0, "early_hangups": 0}
    assert stats["sl_today"]["answered"] == 1


def test_answers_count_when_answered_not_when_the_call_ends() -> None:
    w = World()
    w.group(1, agents=(1,))
    w.login(1, 1, at=0)
    call = w.arrive(1, at=0)
    w.engine.agent_answered(1, call.id, at=w.t(5))
    assert w.sl(1) == (1, 1, 0, 0)
    w.engine.call_ended(call.id, at=w.t(600))
    assert w.sl(1) == (1, 1, 0, 0)
    assert w.ended(call.id)["sl"] == {"answered": 1, "within": 1}
