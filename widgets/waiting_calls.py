"""A group's waiting calls; wait times tick locally, red with a mark past the warning.

Two warnings, each with its own mark so they read without colour:
- past the group's wait-warning threshold (§15 Varning för väntetid): the row
  turns red and the wait reads "! 1:05";
- about to miss the service-level threshold (§15 Servicenivå) within
  `SL_SOON_S` seconds: the marks column counts down "SL 9s"; once missed it
  says so.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from backend.schemas.live import WaitingCall
from tui.i18n import fmt_duration, language, t
from widgets.group_board import WARN
from widgets.live_table import Cell, Column, LiveTable

#: How long before the service-level threshold a waiting call is marked.
SL_SOON_S = 15


def call_marks(call: WaitingCall, wait: float, sl_threshold_s: int) -> tuple[str, str]:
    """The marks text of a waiting call and the style it draws in."""
    marks = []
    style = ""
    if call.vip:
        marks.append(t("mark.vip"))
        style = "alert"
    if call.callback:
        marks.append(t("mark.callback"))
    if call.ringing:
        marks.append(t("mark.ringing"))
    left = sl_threshold_s - wait
    if 0 < left <= SL_SOON_S:
        marks.append(t("mark.sl_soon", seconds=math.ceil(left)))
        style = "alert"
    elif left <= 0:
        marks.append(t("mark.sl_missed"))
    return " ".join(marks), style


def collected_text(call: WaitingCall) -> str:
    """What the input collector (§13) got from the caller: values, in the order asked."""
    return " · ".join(value for value in call.collected.values() if value)


class WaitingCallsTable(LiveTable):
    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(
            # The columns that tick each second come first: a terminal update
            # is written from the widget's left edge to the changed cell, so
            # a ticking cell at the left costs a few bytes, at the right a line.
            [
                Column("position", t("col.position"), 3, align="right"),
                Column("wait", t("col.wait"), 8, align="right"),
                Column("mark", t("col.mark"), 13),
                Column("caller", t("col.caller"), 0, min_width=12),
                Column("collected", t("col.collected"), 0, min_width=8),
            ],
            empty_text=t("group.no_waiting"),
            loading_text=t("group.loading"),
            **kwargs,
        )
        self._memo: dict[int, tuple[tuple, tuple[Cell, ...]]] = {}  # call -> (what its row showed, its cells)

    def show(self, calls: Iterable[WaitingCall], now: float, warning_s: int, sl_threshold_s: int = 90) -> None:
        # A row is formatted again only when something it shows may have
        # changed: at each tick of the screen's clock (`now`) every row is,
        # between ticks only the calls an event changed (screens/base.py).
        lang = language()
        rows = []
        memo: dict[int, tuple[tuple, tuple[Cell, ...]]] = {}
        for call in calls:
            signature = (
                now, call.position, call.ringing, call.vip, call.callback, call.enqueued_at,
                call.caller, tuple(call.collected.values()), warning_s, sl_threshold_s, lang,
            )
            known = self._memo.get(call.id)
            cells = known[1] if known is not None and known[0] == signature else self._cells_of(call, now, warning_s, sl_threshold_s)
            memo[call.id] = (signature, cells)
            rows.append((call.id, cells))
        self._memo = memo
        self.set_rows(rows)

    @staticmethod
    def _cells_of(call: WaitingCall, now: float, warning_s: int, sl_threshold_s: int) -> tuple[Cell, ...]:
        wait = max(0.0, now - call.enqueued_at.timestamp())
        late = wait > warning_s
        style = "warning" if late else ""
        marks, marks_style = call_marks(call, wait, sl_threshold_s)
        return (
            Cell(str(call.position), style),
            Cell(f"{WARN} {fmt_duration(wait)}" if late else fmt_duration(wait), style),
            Cell(marks, style or marks_style),
            Cell(call.caller, style),
            Cell(collected_text(call), style),
        )
