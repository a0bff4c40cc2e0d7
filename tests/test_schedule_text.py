"""A schedule's state in words (tui/schedules.py): the next change told in the
schedule's own zone, across a daylight-saving change, in both languages."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tui.i18n import set_language
from tui.schedules import editable, field_id, new_schedule, reason_text, row_of, state_text

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=STOCKHOLM).timestamp()


def test_open_now_closes_later_today() -> None:
    state = {"open": True, "next_change_at": "2026-11-25T16:00:00Z", "next_change_opens": False}
    assert state_text(state, "Europe/Stockholm", at(2026, 11, 25, 9, 0)) == "Open · closes 17:00"


def test_closed_over_the_weekend_opens_monday() -> None:
    state = {"open": False, "next_change_at": "2026-11-30T07:00:00Z", "next_change_opens": True}
    assert state_text(state, "Europe/Stockholm", at(2026, 11, 27, 18, 0)) == "Closed · opens Mon 08:00"
    set_language("sv")
    assert state_text(state, "Europe/Stockholm", at(2026, 11, 27, 18, 0)) == "Stängt · öppnar mån 08:00"


def test_tomorrow_and_far_away() -> None:
    state = {"open": False, "next_change_at": "2026-11-26T07:00:00Z", "next_change_opens": True}
    assert state_text(state, "Europe/Stockholm", at(2026, 11, 25, 18, 0)) == "Closed · opens tomorrow 08:00"
    later = {"open": False, "next_change_at": "2027-01-07T07:00:00Z", "next_change_opens": True}
    assert state_text(later, "Europe/Stockholm", at(2026, 12, 23, 18, 0)) == "Closed · opens 2027-01-07 08:00"


def test_the_next_change_is_told_in_wall_clock_time_across_daylight_saving() -> None:
    # Saturday 28 March 2026 (CET, UTC+1); Monday 30 March is summer time (CEST, UTC+2):
    # 08:00 that Monday is 06:00 UTC, not 07:00.
    state = {"open": False, "next_change_at": "2026-03-30T06:00:00Z", "next_change_opens": True}
    assert state_text(state, "Europe/Stockholm", at(2026, 3, 28, 12, 0)) == "Closed · opens Mon 08:00"
    # The same instant in another zone's schedule reads as that zone's clock.
    assert state_text(state, "Europe/London", at(2026, 3, 28, 12, 0)) == "Closed · opens Mon 07:00"


def test_no_next_change() -> None:
    assert state_text({"open": True, "next_change_at": None}, None, at(2026, 11, 25, 9, 0)) == "Open · always"


def test_field_paths_to_rows_and_ids() -> None:
    assert row_of("weekly.mon.0.end") == "weekly.mon.0"
    assert row_of("exceptions.1.ranges.0.start") == "exceptions.1.ranges.0"
    assert row_of("exceptions.1.date") == "exceptions.1"
    assert row_of("timezone") == "timezone"
    assert field_id("exceptions.1.ranges.0.start") == "exceptions-1-ranges-0-start"


def test_reasons_in_the_users_language_with_the_start_from_the_document() -> None:
    doc = editable(new_schedule("x"))
    doc["weekly"]["mon"] = [{"start": "08:00", "end": "07:00"}]
    assert reason_text("end_not_after_start", "weekly.mon.0.end", "must be later", doc) == "must be later than the start (08:00)"
    set_language("sv")
    assert reason_text("end_not_after_start", "weekly.mon.0.end", "x", doc) == "måste vara senare än starten (08:00)"
    assert reason_text("something_new", "name", "the backend's words", doc) == "the backend's words"
