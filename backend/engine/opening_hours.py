"""§7 Opening hours as the engine asks them: open at an instant, and the next change.

A schedule is open while the wall clock of its zone shows a time inside one of
the day's ranges (an exception date's ranges replace the weekday's). That
definition is what people mean by "08:00–17:00", and it is exact across
daylight-saving changes: on the spring change 01:00–04:00 is open two real
hours, on the autumn change four.

The state can change only where the wall clock crosses a range boundary or
midnight (each such local time taken with both folds), or where the clock
jumps (a zone transition); `next_change` looks at those instants in order.
Answers are cached per schedule version: between two changes, `is_open` is a
comparison.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.schemas.schedules import DAYS, ScheduleInput, seconds_of

HORIZON_DAYS = 400  # a schedule that never changes within this is reported as such

Ranges = tuple[tuple[int, int], ...]


def _ranges(items) -> Ranges:  # noqa: ANN001
    return tuple(sorted((seconds_of(r.start), seconds_of(r.end)) for r in items))


@dataclass
class OpeningHours:
    tz: ZoneInfo
    weekly: tuple[Ranges, ...]  # Monday first
    exceptions: dict[date, Ranges]
    version: int = 0
    # Cache: open from `_from` until `_until` (exclusive) is `_open`.
    _from: float = field(default=math.inf, repr=False)
    _until: float = field(default=-math.inf, repr=False)
    _open: bool = field(default=False, repr=False)
    _next: float | None = field(default=None, repr=False)

    @classmethod
    def of(cls, schedule: ScheduleInput, version: int = 0) -> OpeningHours:
        return cls(
            tz=ZoneInfo(schedule.timezone),
            weekly=tuple(_ranges(getattr(schedule.weekly, day)) for day in DAYS),
            exceptions={e.date: _ranges(e.ranges) for e in schedule.exceptions},
            version=version,
        )

    def ranges_on(self, day: date) -> Ranges:
        found = self.exceptions.get(day)
        return found if found is not None else self.weekly[day.weekday()]

    def _open_at(self, at: float) -> bool:
        local = datetime.fromtimestamp(at, self.tz)
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(start <= second < end for start, end in self.ranges_on(local.date()))

    def _candidates(self, day: date) -> list[float]:
        """Instants on `day` (local) where the state may change."""
        marks = {0} | {s for r in self.ranges_on(day) for s in r if s < 86400}
        found = set()
        for mark in marks:
            naive = datetime.combine(day, time(mark // 3600, mark % 3600 // 60))
            for fold in (0, 1):
                found.add(naive.replace(tzinfo=self.tz, fold=fold).timestamp())
        start = datetime.combine(day, time(0), self.tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), time(0), self.tz).timestamp()
        found.update(self._transitions(start, end))
        return sorted(found)

    def _transitions(self, start: float, end: float) -> list[float]:
        """Instants in [start, end] where the zone's UTC offset changes (to the second)."""
        def offset(at: float) -> timedelta | None:
            return datetime.fromtimestamp(at, UTC).astimezone(self.tz).utcoffset()

        if offset(start) == offset(end):
            return []  # at most one change a day in real zones; none here
        low, high = start, end
        while high - low > 1:
            middle = math.floor((low + high) / 2)
            if offset(middle) == offset(low):
                low = middle
            else:
                high = middle
        return [float(high)]

    def _compute(self, at: float) -> tuple[bool, float | None]:
        now_open = self._open_at(at)
        day = datetime.fromtimestamp(at, self.tz).date() - timedelta(days=1)
        for _ in range(HORIZON_DAYS):
            for instant in self._candidates(day):
                if instant > at and self._open_at(instant) != now_open:
                    return now_open, instant
            day += timedelta(days=1)
        return now_open, None

    def state(self, at: float) -> tuple[bool, float | None]:
        """(open at `at`, the next instant the state changes or None)."""
        if self._from <= at < self._until:
            return self._open, self._next
        self._open, self._next = self._compute(at)
        self._from = at
        self._until = self._next if self._next is not None else at + 86400.0
        return self._open, self._next

    def is_open(self, at: float) -> bool:
        return self.state(at)[0]


class ScheduleBook:
    """Every schedule's opening hours by id, replaced whole when a schedule changes."""

    def __init__(self) -> None:
        self.hours: dict[int, OpeningHours] = {}

    def put(self, schedule_id: int, hours: OpeningHours) -> None:
        old = self.hours.get(schedule_id)
        if old is None or old.version != hours.version or hours.version == 0:
            self.hours[schedule_id] = hours

    def remove(self, schedule_id: int) -> None:
        self.hours.pop(schedule_id, None)

    def is_open(self, schedule_id: int, at: float) -> bool:
        """Unknown schedules are open (a group without opening hours is always open)."""
        hours = self.hours.get(schedule_id)
        return True if hours is None else hours.is_open(at)

    def state(self, schedule_id: int, at: float) -> tuple[bool, float | None]:
        hours = self.hours.get(schedule_id)
        return (True, None) if hours is None else hours.state(at)

    def next_change(self, schedule_ids: set[int], at: float) -> float | None:
        """The earliest change among `schedule_ids` after `at`."""
        changes = [c for sid in schedule_ids if (c := self.state(sid, at)[1]) is not None]
        return min(changes) if changes else None
