"""Dates, times and numbers as the user's language writes them.

Swedish: 24-hour clock (09:05, 14:30:15), dates as 2026-11-25 or "ons 25 nov",
space as thousands separator, decimal comma, "80 %". English: 12-hour clock
(9:05 AM), "Wed 25 Nov 2026", "1,234.5", "80%". Times are shown in the local
time zone (or the one given). Durations (m:ss) are the same in both.
"""
from __future__ import annotations

from datetime import datetime, tzinfo

from tui.i18n import fmt_duration, fmt_number, fmt_percent, language

__all__ = ["fmt_date", "fmt_datetime", "fmt_duration", "fmt_number", "fmt_percent", "fmt_time", "fmt_weekday_date"]

_WEEKDAYS = {
    "sv": ("mån", "tis", "ons", "tor", "fre", "lör", "sön"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS = {
    "sv": ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def _at(when: float | datetime, tz: tzinfo | None) -> datetime:
    if isinstance(when, datetime):
        return when.astimezone(tz)
    return datetime.fromtimestamp(when, tz)


def fmt_time(when: float | datetime, *, seconds: bool = True, tz: tzinfo | None = None) -> str:
    """14:05:09 (sv), 2:05:09 PM (en)."""
    at = _at(when, tz)
    if language() == "sv":
        return at.strftime("%H:%M:%S" if seconds else "%H:%M")
    hour = at.hour % 12 or 12
    clock = f"{hour}:{at.minute:02d}" + (f":{at.second:02d}" if seconds else "")
    return f"{clock} {'AM' if at.hour < 12 else 'PM'}"


def fmt_date(when: float | datetime, *, tz: tzinfo | None = None) -> str:
    """2026-11-25 (sv), 25 Nov 2026 (en)."""
    at = _at(when, tz)
    if language() == "sv":
        return at.strftime("%Y-%m-%d")
    return f"{at.day} {_MONTHS['en'][at.month - 1]} {at.year}"


def fmt_weekday_date(when: float | datetime, *, tz: tzinfo | None = None) -> str:
    """ons 25 nov (sv), Wed 25 Nov (en)."""
    at = _at(when, tz)
    lang = "sv" if language() == "sv" else "en"
    return f"{_WEEKDAYS[lang][at.weekday()]} {at.day} {_MONTHS[lang][at.month - 1]}"


def fmt_datetime(when: float | datetime, *, seconds: bool = False, tz: tzinfo | None = None) -> str:
    """2026-11-25 14:05 (sv), 25 Nov 2026 2:05 PM (en)."""
    return f"{fmt_date(when, tz=tz)} {fmt_time(when, seconds=seconds, tz=tz)}"
