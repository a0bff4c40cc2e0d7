"""Service level and the flowchart's figures, per group. Pure counting, no I/O.

The service-level rule (DESIGN.md, §15) lives in `sl_flags`; everything else
here only adds the flags up per local day and over a rolling hour. docs/engine.md
says which calls count and when.
"""
from __future__ import annotations

from collections import deque
from datetime import date, datetime, tzinfo
from typing import Literal

from backend.schemas.live import ServiceLevelCounts

HOUR = 3600.0
#: SL flags: answered, answered within, abandoned, early hang-up.
KEYS = ("answered", "within", "abandoned", "early")


def sl_flags(
    kind: Literal["answered", "abandoned"], wait_s: float, threshold_s: float, early_hangup_s: float
) -> dict[str, int]:
    """How one call counts toward the service level.

    Answered within = waited ≤ threshold; an early hang-up is a call abandoned
    after waiting ≤ the early hang-up limit, and is left out of the
    denominator. Waits are compared to the millisecond, so that replayed
    timestamps give the same answer as live ones.
    """
    wait = round(wait_s, 3)
    if kind == "answered":
        return {"answered": 1, "within": int(wait <= threshold_s)}
    return {"abandoned": 1, "early": int(wait <= early_hangup_s)}


def sl_dict(values: list[int]) -> dict[str, int]:
    """The counts (in KEYS order) as `ServiceLevelCounts` dumps them, without pydantic."""
    answered, within, abandoned, early = values
    return {"answered_within": within, "answered": answered, "abandoned": abandoned, "early_hangups": early}


def counts_of(flags: dict[str, int] | list[int]) -> ServiceLevelCounts:
    if isinstance(flags, dict):
        flags = [flags.get(k, 0) for k in KEYS]
    answered, within, abandoned, early = flags
    return ServiceLevelCounts(answered_within=within, answered=answered, abandoned=abandoned, early_hangups=early)


class LocalCalendar:
    """Local day and hour of a timestamp, cached for the current hour."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._lo = 1.0
        self._hi = 0.0
        self._day: date | None = None

    def marks(self, ts: float) -> tuple[date, float]:
        """(local day, start of the local hour) of `ts`."""
        if self._lo <= ts < self._hi:
            assert self._day is not None
            return self._day, self._lo
        local = datetime.fromtimestamp(ts, self.tz)
        start = local.replace(minute=0, second=0, microsecond=0).timestamp()
        # Hour boundaries are whole hours apart in absolute time, across DST too.
        self._lo, self._hi, self._day = start, start + HOUR, local.date()
        return local.date(), start

    def day(self, ts: float) -> date:
        if self._lo <= ts < self._hi:
            return self._day  # type: ignore[return-value]
        return self.marks(ts)[0]

    def next_hour(self, ts: float) -> float:
        return self.marks(ts)[1] + HOUR


class GroupStats:
    """One group's counters: SL today and in the last hour, and the flow figures."""

    __slots__ = (
        "day",
        "today",
        "overflowed_today",
        "voicemails_today",
        "hour_start",
        "arrivals_this_hour",
        "recent",
        "recent_sums",
        "expire_at",
        "in_collector",
        "_today_dict",
        "_recent_dict",
    )

    def __init__(self) -> None:
        self.day: date | None = None
        self.today = [0, 0, 0, 0]  # in KEYS order
        self.overflowed_today = 0
        self.voicemails_today = 0
        self.hour_start = float("-inf")
        self.arrivals_this_hour = 0
        self.recent: deque[tuple[float, tuple[int, int, int, int]]] = deque()
        self.recent_sums = [0, 0, 0, 0]
        self.expire_at: float | None = None  # when the oldest recent entry leaves the hour
        self.in_collector = 0  # live: calls in the input collectors now
        # The counts as dicts for the events, made again only after a change
        # (shared by the events that carry them: nobody changes them).
        self._today_dict: dict[str, int] | None = None
        self._recent_dict: dict[str, int] | None = None

    def roll(self, day: date, hour_start: float) -> bool:
        """Start a new day / hour when `now` has moved into one; True if figures changed."""
        changed = False
        if self.day is None or day > self.day:
            changed = self.day is not None and (any(self.today) or self.overflowed_today or self.voicemails_today)
            self.day = day
            self.today = [0, 0, 0, 0]
            self._today_dict = None
            self.overflowed_today = self.voicemails_today = 0
        if hour_start > self.hour_start:
            changed = changed or self.arrivals_this_hour > 0
            self.hour_start = hour_start
            self.arrivals_this_hour = 0
        return changed

    def add_sl(self, ts: float, flags: dict[str, int], *, today: bool, now: float) -> None:
        get = flags.get
        answered, within, abandoned, early = values = (get("answered", 0), get("within", 0), get("abandoned", 0), get("early", 0))
        if today:
            counts = self.today
            counts[0] += answered
            counts[1] += within
            counts[2] += abandoned
            counts[3] += early
            self._today_dict = None
        if ts > now - HOUR:
            self.recent.append((ts, values))
            sums = self.recent_sums
            sums[0] += answered
            sums[1] += within
            sums[2] += abandoned
            sums[3] += early
            self._recent_dict = None

    def prune(self, now: float) -> None:
        """Drop what left the rolling hour (now − 1 h, now]."""
        edge = now - HOUR
        recent, sums = self.recent, self.recent_sums
        while recent and recent[0][0] <= edge:
            _, values = recent.popleft()
            for i, v in enumerate(values):
                sums[i] -= v
            self._recent_dict = None

    def today_dict(self) -> dict[str, int]:
        if self._today_dict is None:
            self._today_dict = sl_dict(self.today)
        return self._today_dict

    def last_hour_dict(self, now: float) -> dict[str, int]:
        self.prune(now)
        if self._recent_dict is None:
            self._recent_dict = sl_dict(self.recent_sums)
        return self._recent_dict

    def sl_today(self) -> ServiceLevelCounts:
        return counts_of(self.today)

    def sl_last_hour(self, now: float) -> ServiceLevelCounts:
        self.prune(now)
        return counts_of(self.recent_sums)
