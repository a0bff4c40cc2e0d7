"""The routing rules of issue 4, each as a table of cases on the fake clock."""
from __future__ import annotations

import pytest

from backend.schemas.groups import Priority
from backend.schemas.live import AgentState
from tests.enginekit import World

# ---------------------------------------------------------------- within a group

# Each arrival: (seconds after T0, name, kind); kind "vip" is a failed direct
# transfer returned to a group with vip.return_failed_transfers on, "returned"
# the same to a group with it off. One agent logs in at +100 and serves them.
WITHIN_GROUP = [
    ("longest waiting first", True, [(0, "A", ""), (5, "B", ""), (10, "C", "")], "ABC"),
    ("a VIP goes to the front", True, [(0, "A", ""), (5, "B", ""), (7, "V", "vip")], "VAB"),
    ("two VIPs: the longest-waiting VIP first", True, [(0, "A", ""), (2, "V", "vip"), (4, "W", "vip")], "VWA"),
    ("returned transfer with the VIP setting off queues normally", False, [(0, "A", ""), (5, "R", "vip")], "AR"),
    ("arrival order, not caller order", True, [(0, "C", ""), (1, "A", ""), (2, "B", "")], "CAB"),
]


@pytest.mark.parametrize(("case", "vip_on", "arrivals", "order"), WITHIN_GROUP, ids=[c[0] for c in WITHIN_GROUP])
def test_order_within_a_group(case: str, vip_on: bool, arrivals: list, order: str) -> None:
    w = World()
    w.group(1, agents=(1,), vip_return_failed_transfers=vip_on)
    names = {}
    for at, name, kind in arrivals:
        call = w.arrive(1, caller=name, at=at, returned_transfer=kind == "vip")
        names[call.id] = name
    w.login(1, 1, at=100)
    served = [names[w.serve(1, at=100 + 20 * i)] for i in range(len(arrivals))]
    assert "".join(served) == order


def test_a_declined_call_keeps_its_turn() -> None:
    w = World()
    w.group(1, agents=(1, 2), wrap_up_rejected_s=0)
    w.login(1, 1, at=0)
    first = w.arrive(1, "A", at=1)  # rings at agent 1 at once
    second = w.arrive(1, "B", at=2)
    w.engine.agent_rejected(1, first.id, at=w.t(3))
    # Agent 1 (no wrap-up) gets A again before B: A kept its place.
    assert w.offered_to(1) == first.id
    w.login(2, 1, at=4)
    assert w.offered_to(2) == second.id


# ---------------------------------------------------------------- which agent

# agents: (id, logged in, became free at, calls in progress); the group's call
# waiting setting; who is offered a call arriving at +100 (None: nobody).
AGENT_CHOICE = [
    ("the agent free the longest", False, [(1, True, 30, 0), (2, True, 10, 0), (3, True, 20, 0)], 2),
    ("logged-out agents never", False, [(1, False, 0, 0), (2, True, 50, 0)], 2),
    ("only logged-out agents: nobody", False, [(1, False, 0, 0)], None),
    ("busy agent, call waiting off: nobody", False, [(1, True, 0, 1)], None),
    ("busy agent, call waiting on: offered", True, [(1, True, 0, 1)], 1),
    ("call waiting on: a free agent before a busy one", True, [(1, True, 0, 1), (2, True, 50, 0)], 2),
    ("call waiting on: at most a second call", True, [(1, True, 0, 2)], None),
]


@pytest.mark.parametrize(("case", "call_waiting", "agents", "expected"), AGENT_CHOICE, ids=[c[0] for c in AGENT_CHOICE])
def test_which_agent_is_offered(case: str, call_waiting: bool, agents: list, expected: int | None) -> None:
    w = World()
    w.group(1, agents=tuple(a[0] for a in agents), call_waiting=call_waiting)
    # Put agents on calls in a helper group with call waiting, so that they are
    # busy without touching group 1's queue.
    w.group(9, agents=tuple(a[0] for a in agents), call_waiting=True)
    for agent_id, logged_in, free_at, on_calls in sorted(agents, key=lambda a: a[2]):
        w.login(agent_id, 9, at=free_at)
        for n in range(on_calls):
            call = w.arrive(9, f"busy{agent_id}{n}", at=free_at)
            assert w.offered_to(agent_id) == call.id
            w.engine.agent_answered(agent_id, call.id, at=w.t(free_at))
        if logged_in:
            w.login(agent_id, 1, at=free_at)
    call = w.arrive(1, "X", at=100)
    offered = [a for a, c in ((a[0], w.offered_to(a[0])) for a in agents) if c == call.id]
    assert offered == ([] if expected is None else [expected])


# ---------------------------------------------------------------- across groups

# Agent 1 serves groups 1 and 2; a call waits in each (arrived at a1, a2, VIP
# or not); the agent, busy in a third group, frees up at +500.
# N = medium_boost_s. Which group's call is offered first?
ACROSS_GROUPS = [
    ("none/none: turn order", "none", "none", (0, ""), (10, ""), 60, 1),
    ("none/none: turn order, the other way", "none", "none", (10, ""), (0, ""), 60, 2),
    ("highest before none, even when later", "highest", "none", (100, ""), (0, ""), 60, 1),
    ("highest/highest: turn order", "highest", "highest", (5, ""), (0, ""), 60, 2),
    ("highest before medium", "none", "highest", (0, ""), (100, ""), 60, 2),
    ("medium 59 s later still first (N=60)", "medium", "none", (59, ""), (0, ""), 60, 1),
    ("medium exactly N later: a tie, the first arrival wins", "medium", "none", (60, ""), (0, ""), 60, 2),
    ("medium 61 s later: none first (N=60)", "medium", "none", (61, ""), (0, ""), 60, 2),
    ("medium with N=120: 100 s later still first", "medium", "none", (100, ""), (0, ""), 120, 1),
    ("medium with N=0: plain turn order", "medium", "none", (1, ""), (0, ""), 0, 2),
    ("medium/medium: turn order", "medium", "medium", (10, ""), (0, ""), 60, 2),
    ("a VIP in a none group before a medium call", "none", "medium", (50, "vip"), (0, ""), 60, 1),
    ("highest before a VIP elsewhere", "none", "highest", (0, "vip"), (50, ""), 60, 2),
]


@pytest.mark.parametrize(
    ("case", "p1", "p2", "c1", "c2", "boost", "first"), ACROSS_GROUPS, ids=[c[0] for c in ACROSS_GROUPS]
)
def test_priority_across_groups(case: str, p1: str, p2: str, c1: tuple, c2: tuple, boost: float, first: int) -> None:
    w = World(medium_boost_s=boost)
    w.group(1, agents=(1,), priority=Priority(p1), vip_return_failed_transfers=True)
    w.group(2, agents=(1,), priority=Priority(p2), vip_return_failed_transfers=True)
    w.group(9, agents=(1,))
    w.login(1, 9, 1, 2, at=0)
    busy = w.arrive(9, "busy", at=0)
    w.engine.agent_answered(1, busy.id, at=w.t(0))
    calls = {}
    for group_id, (at, kind) in sorted(((1, c1), (2, c2)), key=lambda x: x[1][0]):
        calls[group_id] = w.arrive(group_id, f"g{group_id}", at=at, returned_transfer=kind == "vip")
    w.engine.call_ended(busy.id, at=w.t(500))
    assert w.offered_to(1) == calls[first].id
    # And the other one is next, once the first is done.
    w.serve(1, at=500)
    w.advance(520)
    assert w.offered_to(1) == calls[3 - first].id


def test_when_an_agent_frees_up_the_higher_priority_group_goes_first() -> None:
    """The FAQ's rule, on the path where it matters: an agent finishes a call."""
    w = World()
    w.group(1, agents=(1,), priority=Priority.NONE)
    w.group(2, agents=(1,), priority=Priority.HIGHEST)
    w.login(1, 1, 2, at=0)
    busy = w.arrive(1, "first", at=1)
    w.engine.agent_answered(1, busy.id, at=w.t(2))
    low = w.arrive(1, "low", at=3)
    high = w.arrive(2, "high", at=200)
    w.engine.call_ended(busy.id, at=w.t(300))
    assert w.offered_to(1) == high.id
    assert w.engine.calls[low.id].state.value == "queued"


# ---------------------------------------------------------------- wrap-up

# (what ends the agent's part, wrap-up settings, seconds after that moment at
# which the agent is offered the next waiting call)
WRAP_UP = [
    ("answered, off by default: at once", "answered", {}, 0),
    ("answered, 30 s", "answered", {"wrap_up_answered_s": 30}, 30),
    ("answered, 0 s", "answered", {"wrap_up_answered_s": 0}, 0),
    ("rejected, 15 s by default", "rejected", {}, 15),
    ("rejected, 40 s", "rejected", {"wrap_up_rejected_s": 40}, 40),
    ("rejected, 0 s", "rejected", {"wrap_up_rejected_s": 0}, 0),
    ("missed, 15 s by default", "missed", {}, 15),
    ("missed, 5 s", "missed", {"wrap_up_missed_s": 5}, 5),
    ("ring timeout counts as missed", "timeout", {"wrap_up_missed_s": 20}, 20),
]


@pytest.mark.parametrize(("case", "how", "settings", "after"), WRAP_UP, ids=[c[0] for c in WRAP_UP])
def test_no_offers_during_wrap_up(case: str, how: str, settings: dict, after: float) -> None:
    w = World(ring_timeout_s=30)
    w.group(1, agents=(1,), **settings)
    w.login(1, 1, at=0)
    first = w.arrive(1, "first", at=10)
    w.arrive(1, "second", at=11)
    if how == "answered":
        w.engine.agent_answered(1, first.id, at=w.t(12))
        w.engine.call_ended(first.id, at=w.t(50))
        moment = 50.0
    elif how == "rejected":
        w.engine.agent_rejected(1, first.id, at=w.t(12))
        moment = 12.0
    elif how == "missed":
        w.engine.agent_missed(1, first.id, at=w.t(12))
        moment = 12.0
    else:
        moment = 10.0 + 30  # rang from +10 for ring_timeout_s
    if after > 0:
        w.advance(moment + after - 0.001)
        assert w.offered_to(1) is None
        assert w.engine.agents[1].state is AgentState.WRAP_UP
    w.advance(moment + after)
    assert w.offered_to(1) is not None


def test_wrap_up_is_reported_with_its_end() -> None:
    w = World()
    w.group(1, agents=(1,), wrap_up_answered_s=30)
    w.login(1, 1, at=0)
    call = w.arrive(1, at=1)
    w.engine.agent_answered(1, call.id, at=w.t(2))
    w.engine.call_ended(call.id, at=w.t(60))
    state = [e.payload["agent"] for e in w.kinds("agent.state")][-1]
    assert state["state"] == "wrap_up"
    assert state["wrap_up_until"] == "2026-11-26T08:01:30+00:00"


# ---------------------------------------------------------------- call waiting

# (call waiting setting, agent's calls in progress, is a new call offered to it)
CALL_WAITING = [
    ("off, idle agent", False, 0, True),
    ("off, on a call", False, 1, False),
    ("on, idle agent", True, 0, True),
    ("on, on a call", True, 1, True),
    ("on, on two calls", True, 2, False),
]


@pytest.mark.parametrize(("case", "on", "calls", "offered"), CALL_WAITING, ids=[c[0] for c in CALL_WAITING])
def test_call_waiting(case: str, on: bool, calls: int, offered: bool) -> None:
    w = World()
    w.group(1, agents=(1,), call_waiting=True)  # to put the agent on calls
    w.group(2, agents=(1,), call_waiting=on)
    w.login(1, 1, at=0)
    for n in range(calls):
        call = w.arrive(1, f"c{n}", at=1 + n)
        w.engine.agent_answered(1, call.id, at=w.t(1 + n))
    w.login(1, 2, at=10)
    new = w.arrive(2, "new", at=20)
    assert (w.offered_to(1) == new.id) is offered


def test_call_waiting_off_offers_when_the_call_ends() -> None:
    w = World()
    w.group(1, agents=(1,))
    w.login(1, 1, at=0)
    talking = w.arrive(1, at=1)
    w.engine.agent_answered(1, talking.id, at=w.t(2))
    waiting = w.arrive(1, at=3)
    assert w.offered_to(1) is None
    w.engine.call_ended(talking.id, at=w.t(40))
    assert w.offered_to(1) == waiting.id


# ---------------------------------------------------------------- logins

# A sequence of login/logout steps for agent 1 (groups 1 and 2), then a call
# arrives in group 1: is agent 1 offered it?
LOGINS = [
    ("never logged in", [], False),
    ("logged in", [("in", 1)], True),
    ("logged in to the other group only", [("in", 2)], False),
    ("logged in, then out", [("in", 1), ("out", 1)], False),
    ("logged out of everything", [("in", 1), ("in", 2), ("out", None)], False),
    ("out of the other group, still in this one", [("in", 1), ("in", 2), ("out", 2)], True),
    ("out and back in", [("in", 1), ("out", 1), ("in", 1)], True),
]


@pytest.mark.parametrize(("case", "steps", "offered"), LOGINS, ids=[c[0] for c in LOGINS])
def test_logged_out_agents_are_never_offered_calls(case: str, steps: list, offered: bool) -> None:
    w = World()
    w.group(1, agents=(1,))
    w.group(2, agents=(1,))
    for i, (what, group_id) in enumerate(steps):
        if what == "in":
            w.engine.agent_login(1, group_id, at=w.t(i))
        else:
            w.engine.agent_logout(1, group_id, at=w.t(i))
    call = w.arrive(1, at=10)
    assert (w.offered_to(1) == call.id) is offered


def test_logging_out_while_ringing_sends_the_call_on_without_wrap_up() -> None:
    w = World()
    w.group(1, agents=(1, 2))
    w.login(1, 1, at=0)
    w.login(2, 1, at=5)
    call = w.arrive(1, at=10)
    assert w.offered_to(1) == call.id
    w.engine.agent_logout(1, 1, at=w.t(12))
    assert w.offered_to(2) == call.id
    assert w.engine.agents[1].state is AgentState.LOGGED_OUT
    assert w.engine.agents[1].wrap_up_until is None


def test_an_agent_who_is_not_a_member_cannot_log_in() -> None:
    from backend.engine.model import EngineError

    w = World()
    w.group(1, agents=(1,))
    w.engine.upsert_agent(7, "Outsider")
    with pytest.raises(EngineError) as err:
        w.engine.agent_login(7, 1)
    assert err.value.code == "not_member"
