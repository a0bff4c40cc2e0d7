"""The overview: one line per response group with its live figures."""
from __future__ import annotations

from collections.abc import Iterable

from backend.schemas import GroupStatus, GroupSummary
from backend.schemas.live import ServiceLevelCounts
from tui.i18n import fmt_duration, fmt_percent, t
from widgets.live_table import Cell, Column, LiveTable

WARN = "!"  # the mark that shows a warning without colour (NO_COLOR, monochrome)


def status_cell(status: GroupStatus) -> Cell:
    if status is GroupStatus.OPEN:
        return Cell(t("status.short.open"), "ok")
    if status is GroupStatus.TEMPORARILY_CLOSED:
        return Cell(t("status.short.temporarily_closed"), "alert")
    return Cell(t("status.short.closed_schedule"), "muted")


def sl_text(counts: ServiceLevelCounts) -> str:
    """'8/10 = 80 %', or '–' when nothing counts yet (see DESIGN.md)."""
    if counts.denominator <= 0:
        return "–"
    return f"{counts.answered_within}/{counts.denominator} = {fmt_percent(counts.percent)}"


def sl_cell(counts: ServiceLevelCounts, target_pct: int) -> Cell:
    percent = counts.percent
    if percent is None:
        return Cell("–", "muted")
    if percent < target_pct:
        return Cell(f"{WARN}{sl_text(counts)}", "alert")
    return Cell(sl_text(counts), "ok")


def wait_cell(seconds: float | None, warning_s: int) -> Cell:
    if seconds is None:
        return Cell("–", "muted")
    text = fmt_duration(seconds)
    if seconds > warning_s:
        return Cell(f"{WARN} {text}", "warning")
    return Cell(text)


class GroupBoard(LiveTable):
    """Every visible group; Enter opens one."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(
            # The longest wait ticks each second, so it sits near the left:
            # a terminal update is written from the widget's left edge to the
            # changed cell (see WaitingCallsTable).
            [
                Column("name", t("col.name"), 0, min_width=10),
                Column("waiting", t("col.waiting"), 5, align="right"),
                Column("longest", t("col.longest"), 7, align="right"),
                Column("status", t("col.status"), 12),
                Column("agents", t("col.agents"), 7, align="right"),
                Column("sl", t("col.sl_today"), 14, align="right"),
                Column("sl_hour", t("col.sl_last_hour"), 14, align="right", hide_below=100),
                Column("number", t("col.number"), 13, hide_below=100),
            ],
            empty_text=t("overview.empty"),
            **kwargs,
        )

    def show(self, summaries: Iterable[GroupSummary], now: float) -> None:
        rows = []
        for s in summaries:
            longest = None if s.oldest_enqueued_at is None else max(0.0, now - s.oldest_enqueued_at.timestamp())
            rows.append(
                (
                    s.id,
                    (
                        Cell(s.name, "strong"),
                        Cell(str(s.waiting), "strong" if s.waiting else "muted"),
                        wait_cell(longest, s.wait_warning_s),
                        status_cell(s.status),
                        Cell(f"{s.agents_free}/{s.agents_busy}"),
                        sl_cell(s.sl_today, s.sl_target_pct),
                        sl_cell(s.sl_last_hour, s.sl_target_pct),
                        Cell(s.number),
                    ),
                )
            )
        self.set_rows(rows)
