"""A schedule's state in one line: 'Open · closes 17:00', 'Closed · opens Mon 08:00'.

The line asks for its state with a message (`ScheduleStateLine.Wanted`) that
bubbles up to the app, whose worker fetches it and calls `show_state`; the
widget never calls the API. It asks again when the state is due to change.
"""
from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from tui.i18n import t
from tui.schedules import seconds_until, state_text


class ScheduleStateLine(Static):
    DEFAULT_CSS = """
    ScheduleStateLine { height: 1; width: 1fr; color: $text-muted; }
    ScheduleStateLine.-open { color: $success; }
    ScheduleStateLine.-closed { color: $warning; }
    """

    class Wanted(Message):
        """This line needs its schedule's state (handled by the app)."""

        def __init__(self, line: ScheduleStateLine) -> None:
            super().__init__()
            self.line = line

    def __init__(self, schedule_id: int | None, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.schedule_id = schedule_id
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self.ask()

    def set_schedule(self, schedule_id: int | None) -> None:
        """Show another schedule's state (the group's choice changed)."""
        if schedule_id != self.schedule_id:
            self.schedule_id = schedule_id
            self.ask()

    def ask(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.schedule_id is None:
            self._paint(t("schedule.no_schedule"), "-open")
            return
        self._paint(t("schedule.state_loading"), "")
        self.post_message(self.Wanted(self))

    def show_state(self, schedule_id: int, state: dict[str, Any], timezone: str | None, now: float) -> None:
        """The app's answer; `now` is the server's time (the schedule's clock)."""
        if schedule_id != self.schedule_id:
            return  # an answer for the schedule shown before
        self._paint(state_text(state, timezone, now), "-open" if state.get("open") else "-closed")
        due = seconds_until(state, now)
        if due is not None and due < 7 * 86400:
            self._timer = self.set_timer(due + 1.0, self.ask)

    def show_failure(self, reason: str) -> None:
        self._paint(t("schedule.state_unknown", reason=reason), "")

    def _paint(self, text: str, css: str) -> None:
        self.set_class(css == "-open", "-open")
        self.set_class(css == "-closed", "-closed")
        self.update(text)
