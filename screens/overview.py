"""The overview: a wallboard of every response group the user may see, live.

Sorted by name, by longest wait (longest first) or by service level (worst
first), with the same warnings as the group screen. A wait alert (bell or
flash, ConsoleConfig.wait_alert) is the app's: it sounds on any screen.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Static

from backend.schemas import GroupSummary
from screens.base import LiveScreen
from tui.i18n import t
from tui.store import Change
from widgets.group_board import GroupBoard
from widgets.header import ScreenHeader
from widgets.key_footer import KeyFooter
from widgets.live_table import LiveTable

SORTS = ("name", "wait", "sl")


def sort_key(sort: str, now: float):  # noqa: ANN201 - a key function
    def by_name(s: GroupSummary) -> tuple:
        return (s.name.casefold(), s.id)

    def by_wait(s: GroupSummary) -> tuple:
        waited = -1.0 if s.oldest_enqueued_at is None else now - s.oldest_enqueued_at.timestamp()
        return (-waited, *by_name(s))

    def by_sl(s: GroupSummary) -> tuple:
        percent = s.sl_today.percent
        return (percent is None, 101.0 if percent is None else percent, *by_name(s))

    return {"name": by_name, "wait": by_wait, "sl": by_sl}[sort]


class OverviewScreen(LiveScreen):
    BINDINGS = [
        Binding("n", "sort('name')", t("key.sort_name"), id="overview.sort_name"),
        Binding("w", "sort('wait')", t("key.sort_wait"), id="overview.sort_wait"),
        Binding("s", "sort('sl')", t("key.sort_sl"), id="overview.sort_sl"),
        Binding("c", "create_group", t("create.key_new_group"), id="overview.create_group"),
        # Shown in F1 help: the footer keeps its room at 80 columns.
        Binding("l", "watch_group", t("key.watch_group"), id="overview.watch_group", show=False),
    ]

    sort: reactive[str] = reactive("name")

    def compose(self) -> ComposeResult:
        yield ScreenHeader(id="header")
        yield GroupBoard(id="board")
        yield Static("", id="overview-hint", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        me = self.vaxel.me
        where = t("overview.title")
        if me is not None:
            where = f"{where} · {me.organisation_name} · {me.display_name}"
        self.query_one(ScreenHeader).set_where(where)
        self._show_hint()
        self.set_interval(1.0, self._tick)
        self._draw()
        board = self.query_one(GroupBoard)
        self.watch(board, "cursor_row", lambda _row: self._prefetch())

    def _prefetch(self) -> None:
        """The highlighted group is fetched ahead of Enter (tui/app.py prefetch_group)."""
        key = self.query_one(GroupBoard).cursor_key
        if key is not None:
            self.vaxel.prefetch_group(int(key))  # type: ignore[arg-type]

    def show_changes(self, changes: set[Change]) -> None:
        if changes:
            self._draw()

    def show_stale(self, stale: bool) -> None:
        self.query_one(GroupBoard).stale = stale
        self._show_hint()
        self._draw()

    def watch_sort(self) -> None:
        if self.is_mounted:
            self._show_hint()
            self._draw()

    def action_sort(self, sort: str) -> None:
        if sort in SORTS:
            self.sort = sort

    def action_watch_group(self) -> None:
        """The highlighted group in its live view only (its settings one key away)."""
        key = self.query_one(GroupBoard).cursor_key
        if key is not None:
            self.vaxel.open_group(int(key), live_only=True)  # type: ignore[arg-type]

    def action_create_group(self) -> None:
        self.vaxel.open_create_group()

    def _show_hint(self) -> None:
        hint = t("overview.hint", sort=t(f"overview.sort_{self.sort}"))
        if self.vaxel.stale:
            hint = t("live.stale", as_of=self.vaxel.data_as_of_text()) + "  " + hint
        hint_line = self.query_one("#overview-hint", Static)
        hint_line.set_class(self.vaxel.stale, "-stale")
        if hint_line.content != hint:
            hint_line.update(hint, layout=False)  # one line, always: no relayout

    def _draw(self) -> None:
        now = self.live_now()
        summaries = sorted(self.vaxel.store.summaries.values(), key=sort_key(self.sort, now))
        self.query_one(GroupBoard).show(summaries, now)
        self._prefetch()  # the first row, or the row the cursor now rests on after a re-sort

    def _tick(self) -> None:
        # Only the longest-wait cells change (and the order, sorted by wait);
        # the table repaints just those.
        if self.on_top:
            self.tick()
            if any(s.oldest_enqueued_at for s in self.vaxel.store.summaries.values()):
                self._draw()

    def on_live_table_selected(self, event: LiveTable.Selected) -> None:
        self.vaxel.open_group(int(event.key))  # type: ignore[arg-type]
