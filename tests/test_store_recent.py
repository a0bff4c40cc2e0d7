"""The console store's log of recent events (tui/store.py): kept for half a minute,
for replay onto a snapshot fetched while they arrived — not for as long as
the console runs — and a snapshot older than what was let go asks for a
resync instead of being replayed with a gap. The clock is the store's own,
moved by the test."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from backend.schemas import GroupLive, GroupStatus
from tui.store import RECENT_S, LiveStore

GROUP = 7
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def enqueued(store: LiveStore, event_id: int, call_id: int) -> None:
    """Odd ids come as the stream hands them over (with the JSON text they came
    as), even ids without it (the store then writes the text itself)."""
    call = {"id": call_id, "caller": f"+4670000{call_id:04d}", "enqueued_at": T0.isoformat()}
    data = {"group_id": GROUP, "call": call}
    store.apply(event_id, "call.enqueued", data, json.dumps(data) if event_id % 2 else None)


def snapshot(as_of: int) -> GroupLive:
    return GroupLive(group_id=GROUP, status=GroupStatus.OPEN, server_time=T0, last_event_id=as_of)


def test_a_snapshot_gets_the_events_that_came_after_it() -> None:
    clock = Clock()
    store = LiveStore(clock)
    for n in range(1, 6):
        enqueued(store, n, 100 + n)
        clock.now += 1
    store.load_live(snapshot(as_of=3))  # taken before events 4 and 5 arrived
    assert sorted(store.live[GROUP].waiting) == [104, 105]
    assert not store.needs_resync


def test_events_older_than_the_window_are_let_go_and_a_snapshot_older_than_them_asks_for_a_resync() -> None:
    clock = Clock()
    store = LiveStore(clock)
    for n in range(1, 601):  # ten minutes' worth at one a second
        enqueued(store, n, 100 + n)
        clock.now += 1
    kept = [event[0] for event in store._recent]  # noqa: SLF001 - what the log holds
    assert len(kept) <= RECENT_S + 1, "the log keeps RECENT_S seconds, not the whole run"
    assert kept == list(range(kept[0], 601))
    store.load_live(snapshot(as_of=kept[0]))  # within the window: replayed, no resync
    assert not store.needs_resync and len(store.live[GROUP].waiting) == len(kept) - 1
    store.load_live(snapshot(as_of=100))  # the events after it were let go: a gap
    assert store.needs_resync


def test_the_count_cap_still_holds_within_the_window() -> None:
    from tui.store import RECENT_EVENTS

    clock = Clock()
    store = LiveStore(clock)
    for n in range(1, RECENT_EVENTS + 11):  # all in the same second
        enqueued(store, n, n)
    assert len(store._recent) == RECENT_EVENTS  # noqa: SLF001
    store.load_live(snapshot(as_of=5))
    assert store.needs_resync
