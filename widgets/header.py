"""The top line of every screen: where you are, and the state of the connection."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.i18n import t

_MARKS = {
    "live": ("●", "-live"),
    "connecting": ("○", "-connecting"),
    "reconnecting": ("○", "-reconnecting"),
    "stale": ("◌", "-stale"),
    "offline": ("✕", "-offline"),
}


class ConnectionIndicator(Static):
    """'● live', '○ reconnecting…', '◌ stale': always visible, readable without colour."""

    DEFAULT_CSS = """
    ConnectionIndicator { width: auto; padding: 0 1; }
    ConnectionIndicator.-live { color: $success; }
    ConnectionIndicator.-reconnecting, ConnectionIndicator.-connecting { color: $warning; }
    ConnectionIndicator.-stale, ConnectionIndicator.-offline { color: $error; text-style: bold; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "connection", self._show)
        self.watch(self.app, "connection_detail", self._show_detail)

    def _show(self, state: str) -> None:
        mark, css = _MARKS.get(state, ("?", ""))
        for _, other in _MARKS.values():
            self.remove_class(other)
        self.add_class(css)
        self.update(f"{mark} {t('conn.' + state)}")

    def _show_detail(self, detail: str) -> None:
        self.tooltip = detail or None


class ScreenHeader(Horizontal):
    SCOPED_CSS = False  # the flash is a class on the screen
    DEFAULT_CSS = """
    ScreenHeader { height: 1; background: $panel; }
    Screen.-flash ScreenHeader { background: $error; color: $text; }
    ScreenHeader > #where { width: 1fr; padding: 0 1; text-style: bold; }
    """

    def __init__(self, where: str = "", **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._where = where

    def compose(self) -> ComposeResult:
        yield Static(self._where, id="where", markup=False)
        yield ConnectionIndicator(id="connection")

    def set_where(self, text: str) -> None:
        where = self.query_one("#where", Static)
        if where.content != text:
            where.update(text, layout=False)  # one line, always: no relayout
