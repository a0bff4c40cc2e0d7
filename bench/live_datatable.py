"""The baseline view of `bench/live_console.py`: the calls in a plain `DataTable`."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from backend.schemas.live import WaitingCall
from tui.i18n import fmt_duration
from widgets.group_board import WARN
from widgets.waiting_calls import call_marks, collected_text

COLUMNS = ("position", "caller", "collected", "mark", "wait")


class DataTableCalls(DataTable):
    """The baseline: a DataTable whose changed cells are set with `update_cell`."""

    def on_mount(self) -> None:
        for key in COLUMNS:
            self.add_column(key, key=key)
        self.cursor_type = "row"
        self._shown: dict[int, tuple[str, ...]] = {}
        self._order: list[int] = []

    def show(self, calls: list[WaitingCall], now: float, warning_s: int, sl_threshold_s: int) -> None:
        rows: dict[int, tuple[str, ...]] = {}
        order = []
        for call in calls:
            wait = max(0.0, now - call.enqueued_at.timestamp())
            late = wait > warning_s
            marks, _ = call_marks(call, wait, sl_threshold_s)
            rows[call.id] = (
                str(call.position),
                call.caller,
                collected_text(call),
                marks,
                f"{WARN} {fmt_duration(wait)}" if late else fmt_duration(wait),
            )
            order.append(call.id)
        with self.app.batch_update():
            if order != self._order:
                self.clear()
                for call_id in order:
                    self.add_row(*(Text(v) for v in rows[call_id]), key=str(call_id))
            else:
                for call_id, values in rows.items():
                    before = self._shown.get(call_id)
                    for i, value in enumerate(values):
                        if before is None or before[i] != value:
                            self.update_cell(str(call_id), COLUMNS[i], Text(value))
        self._shown, self._order = rows, order
