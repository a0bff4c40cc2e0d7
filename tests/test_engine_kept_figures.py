"""Figures the engine keeps cheaply must equal the plain way of making them:
its own ISO timestamps (cheaper than `datetime.isoformat` for every new time)
are exactly what `datetime` writes, and each queue's oldest call (kept in a
heap) is the oldest a scan of the queue finds."""
from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant

from backend.engine.model import _iso_text, iso
from tests.test_engine_properties import EngineMachine

# 1970 … 2100, any float in between (fractions, and halves of a microsecond).
TIMES = st.floats(min_value=-86_400.0, max_value=4_102_444_800.0, allow_nan=False, allow_infinity=False)


@given(TIMES)
def test_iso_is_what_datetime_writes(ts: float) -> None:
    assert _iso_text(ts) == datetime.fromtimestamp(ts, UTC).isoformat()


@given(st.integers(min_value=0, max_value=4_102_444_799), st.integers(min_value=0, max_value=2_000_000))
def test_iso_rounds_microseconds_as_datetime_does(second: int, half_micros: int) -> None:
    ts = second + half_micros * 5e-7  # on and around the half-microsecond ties
    assert iso(ts) == datetime.fromtimestamp(ts, UTC).isoformat()
    assert iso(None) is None


class OldestMachine(EngineMachine):
    """The property test's machine, also checking the figures the engine keeps
    by structure rather than by scanning: each group's oldest waiting call."""

    @invariant()
    def oldest_matches_a_scan(self) -> None:
        engine = self.engine
        for group_id, queue in engine.queues.items():
            waiting = [c.enqueued_at for c in queue.calls.values()]
            expected = iso(min(waiting)) if waiting else None  # type: ignore[type-var]
            assert engine.group_stats(group_id)["oldest_enqueued_at"] == expected


TestOldestWaiting = OldestMachine.TestCase
TestOldestWaiting.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
