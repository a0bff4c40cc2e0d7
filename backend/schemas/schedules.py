"""§7 Öppettider: a schedule is an object of its own, chosen per group.

Times are local wall-clock times in the schedule's time zone ("HH:MM", end
"24:00" allowed); a group is open while its zone's clock shows a time inside
one of the day's ranges (the exception's ranges on an exception date). The
rules that look at more than one range (overlaps, duplicate dates) are in
`schedule_problems`, so the console can run them too and name the exact field.
"""
from __future__ import annotations

from datetime import date as Date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from backend.schemas.common import FieldError
from backend.schemas.fields import GroupName, SettingsModel, ShortText

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def clock_time(value: str) -> str:
    hours, _, minutes = value.partition(":")
    if not (len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()):
        raise PydanticCustomError("time_format", "must be a time HH:MM, e.g. 08:00")
    h, m = int(hours), int(minutes)
    if not (h < 24 and m < 60) and (h, m) != (24, 0):
        raise PydanticCustomError("time_format", "must be a time from 00:00 to 24:00")
    return value


def iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PydanticCustomError("unknown_timezone", "must be an IANA time zone such as Europe/Stockholm") from exc
    return value


ClockTime = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5), AfterValidator(clock_time)]
TimeZoneName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(iana_zone)]


def seconds_of(value: str) -> int:
    hours, _, minutes = value.partition(":")
    return int(hours) * 3600 + int(minutes) * 60


class TimeRange(SettingsModel):
    start: ClockTime
    end: ClockTime

    @field_validator("start")
    @classmethod
    def _start_before_midnight(cls, value: str) -> str:
        if value == "24:00":
            raise PydanticCustomError("time_format", "a range cannot start at 24:00")
        return value

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and seconds_of(value) <= seconds_of(start):
            raise PydanticCustomError("end_not_after_start", "must be later than the start ({start})", {"start": start})
        return value


DayRanges = Annotated[list[TimeRange], Field(default_factory=list, max_length=24)]


class Weekly(SettingsModel):
    mon: DayRanges
    tue: DayRanges
    wed: DayRanges
    thu: DayRanges
    fri: DayRanges
    sat: DayRanges
    sun: DayRanges


class ScheduleException(SettingsModel):
    """A dated exception (e.g. a public holiday): these ranges instead of the weekday's."""

    date: Date
    label: ShortText = ""
    ranges: DayRanges


class ScheduleInput(SettingsModel):
    """POST and PUT body. A schedule as read may be sent back whole: its
    read-only fields (`id`, `version`, `updated_at`) are accepted and ignored."""

    name: GroupName
    timezone: TimeZoneName = "Europe/Stockholm"
    weekly: Weekly = Field(default_factory=Weekly)
    exceptions: list[ScheduleException] = Field(default_factory=list, max_length=400)
    id: int | None = Field(None, exclude=True, description="Read-only; ignored.")
    version: int | None = Field(None, exclude=True, description="Read-only; ignored (send If-Match).")
    updated_at: datetime | None = Field(None, exclude=True, description="Read-only; ignored.")


class Schedule(ScheduleInput):
    id: int  # type: ignore[assignment]
    version: int  # type: ignore[assignment]
    updated_at: datetime  # type: ignore[assignment]


class ScheduleRef(SettingsModel):
    id: int
    name: str


class ScheduleState(SettingsModel):
    """Open now, and when that changes (None: not within a year)."""

    open: bool
    next_change_at: datetime | None
    next_change_opens: bool | None


def _overlaps(ranges: list[TimeRange], prefix: str) -> list[FieldError]:
    errors = []
    ordered = sorted(enumerate(ranges), key=lambda item: seconds_of(item[1].start))
    for (_, before), (index, after) in zip(ordered, ordered[1:]):
        if seconds_of(after.start) < seconds_of(before.end):
            errors.append(
                FieldError(
                    field=f"{prefix}.{index}.start",
                    reason=f"overlaps the range {before.start}–{before.end}",
                    code="ranges_overlap",
                )
            )
    return errors


def schedule_problems(schedule: ScheduleInput) -> list[FieldError]:
    """The rules across ranges and exceptions, each with the field it concerns."""
    errors: list[FieldError] = []
    for day in DAYS:
        errors += _overlaps(getattr(schedule.weekly, day), f"weekly.{day}")
    seen: dict[Date, int] = {}
    for index, exception in enumerate(schedule.exceptions):
        if exception.date in seen:
            errors.append(
                FieldError(
                    field=f"exceptions.{index}.date",
                    reason=f"{exception.date} is already exception {seen[exception.date] + 1}",
                    code="duplicate_date",
                )
            )
        seen.setdefault(exception.date, index)
        errors += _overlaps(exception.ranges, f"exceptions.{index}.ranges")
    return errors


def schedule_etag(schedule_id: int, version: int) -> str:
    return f'"s{schedule_id}v{version}"'
