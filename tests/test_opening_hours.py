"""Opening hours without a server: wall-clock ranges across zone transitions,
exceptions, 24:00, and the cache that keeps the engine's question cheap."""
from __future__ import annotations

from datetime import UTC, datetime

from backend.engine.opening_hours import OpeningHours, ScheduleBook
from backend.schemas.schedules import ScheduleInput
from tests.settings_kit import week


def hours(weekly: dict, timezone: str = "Europe/Stockholm", exceptions: list | None = None, version: int = 1) -> OpeningHours:
    return OpeningHours.of(ScheduleInput(name="t", timezone=timezone, weekly=weekly, exceptions=exceptions or []), version)


def utc(text: str) -> float:
    return datetime.fromisoformat(text + "+00:00").timestamp()


def change(h: OpeningHours, at: str) -> tuple[bool, str | None]:
    is_open, nxt = h.state(utc(at))
    return is_open, None if nxt is None else datetime.fromtimestamp(nxt, UTC).strftime("%Y-%m-%dT%H:%M")


def test_a_range_starting_in_the_spring_gap_opens_when_the_clock_jumps() -> None:
    h = hours(week(("02:30", "05:00")))
    # 2026-03-29: 02:00 CET (01:00 UTC) becomes 03:00 CEST; 02:30 never shows.
    assert change(h, "2026-03-29T00:30") == (False, "2026-03-29T01:00")
    assert change(h, "2026-03-29T01:00") == (True, "2026-03-29T03:00")  # until 05:00 CEST


def test_a_range_inside_the_spring_gap_never_opens_that_day() -> None:
    h = hours(week(("02:10", "02:50")))
    assert change(h, "2026-03-28T23:00") == (False, "2026-03-30T00:10")  # the next night, 02:10 CEST


def test_the_repeated_autumn_hour_is_open_both_times() -> None:
    h = hours(week(("02:00", "02:30")))
    # 2026-10-25: 03:00 CEST (01:00 UTC) becomes 02:00 CET; 02:00–02:30 shows twice.
    assert change(h, "2026-10-24T23:30") == (False, "2026-10-25T00:00")
    assert change(h, "2026-10-25T00:00") == (True, "2026-10-25T00:30")
    assert change(h, "2026-10-25T00:30") == (False, "2026-10-25T01:00")
    assert change(h, "2026-10-25T01:00") == (True, "2026-10-25T01:30")


def test_exceptions_replace_the_weekday_and_2400_reaches_midnight() -> None:
    h = hours(week(("08:00", "24:00")), exceptions=[{"date": "2026-12-24", "label": "Julafton", "ranges": [{"start": "10:00", "end": "12:00"}]}])
    assert change(h, "2026-12-23T12:00") == (True, "2026-12-23T23:00")  # 24:00 CET
    assert change(h, "2026-12-23T23:00") == (False, "2026-12-24T09:00")
    assert change(h, "2026-12-24T10:00") == (True, "2026-12-24T11:00")


def test_other_zones_use_their_own_clock() -> None:
    h = hours(week(("09:00", "17:00")), timezone="America/New_York")
    assert change(h, "2026-11-26T13:59") == (False, "2026-11-26T14:00")  # 09:00 EST


def test_the_answer_is_cached_until_the_next_change() -> None:
    h = hours(week(("08:00", "17:00")))
    calls = 0
    original = h._compute

    def counting(at: float) -> tuple[bool, float | None]:
        nonlocal calls
        calls += 1
        return original(at)

    h._compute = counting  # type: ignore[method-assign]
    start = utc("2026-11-26T08:00")
    assert all(h.is_open(start + s) for s in range(0, 8 * 3600, 60))
    assert calls == 1
    assert h.is_open(utc("2026-11-26T16:00")) is False and calls == 2


def test_the_book_treats_unknown_schedules_as_open_and_replaces_by_version() -> None:
    book = ScheduleBook()
    assert book.is_open(7, utc("2026-11-26T03:00")) is True
    book.put(7, hours(week(("08:00", "17:00")), version=1))
    assert book.is_open(7, utc("2026-11-26T03:00")) is False
    book.put(7, hours(week(("00:00", "24:00")), version=2))
    assert book.is_open(7, utc("2026-11-26T03:00")) is True
    assert book.next_change({7}, utc("2026-11-26T03:00")) is None
