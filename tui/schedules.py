"""Opening hours (§7) without the UI: a new schedule, and its state in words.

A schedule is edited as the plain JSON document the API speaks
(`{"name", "timezone", "weekly": {"mon": [{"start", "end"}]}, "exceptions"}`);
the backend validates it and names the field of any refusal
(`weekly.mon.0.end`, `exceptions.1.date`).
"""
from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui.i18n import t

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Europe/Stockholm"
#: A new range starts as office hours; the user changes it.
NEW_RANGE = {"start": "08:00", "end": "17:00"}


def new_schedule(name: str) -> dict[str, Any]:
    return {"name": name, "timezone": DEFAULT_TIMEZONE, "weekly": {day: [] for day in DAYS}, "exceptions": []}


def editable(doc: dict[str, Any]) -> dict[str, Any]:
    """The parts of a schedule the user edits (what PUT takes), complete."""
    weekly = doc.get("weekly") or {}
    return {
        "name": doc.get("name", ""),
        "timezone": doc.get("timezone") or DEFAULT_TIMEZONE,
        "weekly": {day: [dict(r) for r in weekly.get(day, [])] for day in DAYS},
        "exceptions": copy.deepcopy(doc.get("exceptions") or []),
    }


def day_name(day: str) -> str:
    return t(f"schedule.day.{day}")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def when_text(at: datetime, now: datetime) -> str:
    """'17:00' today, 'tomorrow 08:00', 'Mon 08:00' within the week, else the date.

    Both are in the schedule's zone: its ranges are wall-clock times there.
    24-hour clock in both languages, as the schedule itself is written.
    """
    clock = at.strftime("%H:%M")
    days = (at.date() - now.date()).days
    if days <= 0:
        return clock
    if days == 1:
        return t("schedule.tomorrow", time=clock)
    if days < 7:
        return f"{day_name(DAYS[at.weekday()])} {clock}"
    return f"{at.date().isoformat()} {clock}"


def state_text(state: dict[str, Any], timezone: str | None, now_ts: float) -> str:
    """'Open · closes 17:00', 'Closed · opens Mon 08:00', 'Open · always'."""
    is_open = bool(state.get("open"))
    head = t("schedule.state_open") if is_open else t("schedule.state_closed")
    next_at = state.get("next_change_at")
    if not next_at:
        return f"{head} · {t('schedule.always_open' if is_open else 'schedule.never_opens')}"
    tz = zone(timezone)
    at = datetime.fromisoformat(str(next_at).replace("Z", "+00:00")).astimezone(tz)
    now = datetime.fromtimestamp(now_ts, tz)
    key = "schedule.opens" if state.get("next_change_opens", not is_open) else "schedule.closes"
    return f"{head} · {t(key, when=when_text(at, now))}"


def seconds_until(state: dict[str, Any], now_ts: float) -> float | None:
    """Seconds until the state changes (to refresh a state line then), or None."""
    next_at = state.get("next_change_at")
    if not next_at:
        return None
    at = datetime.fromisoformat(str(next_at).replace("Z", "+00:00"))
    return max(0.0, at.timestamp() - now_ts)


def field_id(path: str) -> str:
    """The widget id of the input for a field path: `weekly.mon.0.end` → `weekly-mon-0-end`."""
    return path.replace(".", "-").replace("_", "-")


def row_of(path: str) -> str:
    """The row a field path belongs to, where its error is shown.

    `weekly.mon.0.end` → `weekly.mon.0`; `exceptions.1.ranges.0.start` →
    `exceptions.1.ranges.0`; `exceptions.1.date` → `exceptions.1`; `name` → `name`.
    """
    parts = path.split(".")
    if parts[0] == "weekly" and len(parts) >= 3:
        return ".".join(parts[:3])
    if parts[0] == "exceptions" and len(parts) >= 4 and parts[2] == "ranges":
        return ".".join(parts[:4])
    if parts[0] == "exceptions" and len(parts) >= 2:
        return ".".join(parts[:2])
    return parts[0]




def reason_text(code: str | None, path: str, reason: str, doc: dict[str, Any]) -> str:
    """A refusal of a schedule field in the user's language (the backend's words otherwise).

    The backend's codes carry no parameters; the one message that names a value
    (the start an end must follow) takes it from the document that was sent.
    """
    from tui.draft import translate_error
    from tui.i18n import maybe

    params: dict[str, Any] = {}
    if path.endswith(".end"):
        parts = path.split(".")
        try:
            node: Any = doc
            for part in parts[:-1]:
                node = node[int(part)] if isinstance(node, list) else node[part]
            params["start"] = node.get("start", "")
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            pass
    if code:
        text = maybe(f"schedule.error.{code}", **params)
        if text:
            return text
    return translate_error(code or "", None, reason)


def _parts(doc: dict[str, Any]) -> dict[str, Any]:
    """A schedule as independent parts: name, time zone, each weekday, each
    dated exception (by date; an exception without a date by its place)."""
    parts: dict[str, Any] = {"name": doc.get("name"), "timezone": doc.get("timezone")}
    for day in DAYS:
        parts[f"weekly.{day}"] = (doc.get("weekly") or {}).get(day, [])
    for place, item in enumerate(doc.get("exceptions") or []):
        parts[f"exceptions.{item.get('date') or f'#{place}'}"] = item
    return parts


def merge_schedule(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Three-way merge after someone else saved the schedule first.

    Per part (name, time zone, a weekday, a dated exception): changed only by
    them → theirs; only by me → mine; by both differently → mine, and the part
    is named in the conflicts so the user can look before saving over theirs.
    Returns the merged document and the conflicting parts (`weekly.mon`,
    `exceptions.2026-12-24`, `name`).
    """
    b, m, o = _parts(editable(base)), _parts(editable(mine)), _parts(editable(theirs))
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    missing = object()
    for key in [*m, *(k for k in o if k not in m)]:  # my order, then their additions
        was, mine_v, theirs_v = b.get(key, missing), m.get(key, missing), o.get(key, missing)
        if mine_v == was:
            chosen = theirs_v
        elif theirs_v == was or theirs_v == mine_v:
            chosen = mine_v
        else:
            chosen = mine_v
            conflicts.append(key)
        if chosen is not missing:
            merged[key] = chosen
    doc = {
        "name": merged.get("name", ""),
        "timezone": merged.get("timezone") or DEFAULT_TIMEZONE,
        "weekly": {day: copy.deepcopy(merged.get(f"weekly.{day}", [])) for day in DAYS},
        "exceptions": [copy.deepcopy(v) for k, v in merged.items() if k.startswith("exceptions.")],
    }
    return doc, conflicts


def part_name(part: str) -> str:
    """A part of `merge_schedule`'s conflicts in words: "Mon", "exception 2026-12-24", "Name"."""
    kind, _, key = part.partition(".")
    if kind == "weekly":
        return day_name(key)
    if kind == "exceptions":
        return t("schedule.exception_part", date=key.lstrip("#"))
    return t(f"schedule.{part}")
