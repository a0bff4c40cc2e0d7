"""A response group's audit history: when, who, what, and each change before → after.

Newest first, as the backend keeps it (create, update, close, reopen, delete,
and refused writes when they are audited). Scrolled by keyboard.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.app import VaxelApp
from tui.client import ApiError, Unreachable
from tui.i18n import maybe, t
from widgets.header import ScreenHeader
from widgets.key_footer import KeyFooter

#: A value longer than this is cut (a deleted group's whole document, say).
VALUE_WIDTH = 28


def show_json(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return t("value.on") if value else t("value.off")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def when(at: str) -> str:
    """The console's local time, to the minute."""
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def entry_text(entry: dict[str, Any]) -> Text:
    user = entry.get("user") or {}
    who = user.get("display_name") or user.get("username") or t("history.someone")
    action = str(entry.get("action", ""))
    text = Text()
    text.append(when(str(entry.get("at", ""))), style="bold")
    text.append("  ")
    text.append(str(who))
    text.append("  ")
    text.append(maybe(f"history.action.{action}") or action, style="bold")
    changes = entry.get("changes") or []
    if not changes:
        text.append("\n  " + t("history.no_changes"), style="dim")
    for change in changes:
        text.append(f"\n  {change.get('path', '?')}: ")
        text.append(show_json(change.get("before")), style="dim")
        text.append(" → ")
        text.append(show_json(change.get("after")))
    return text


class HistoryScreen(Screen[None]):
    AUTO_FOCUS = "#history-list"

    BINDINGS = [
        Binding("r", "reload", t("history.key_reload"), id="history.reload"),
        Binding("escape", "back", t("key.back"), id="history.back"),
    ]

    DEFAULT_CSS = """
    HistoryScreen #history-list { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    HistoryScreen #history-list:focus { background-tint: $foreground 3%; }
    HistoryScreen .history-entry { height: auto; margin-bottom: 1; }
    HistoryScreen #history-note { color: $text-muted; height: auto; }
    """

    def __init__(self, group_id: int) -> None:
        super().__init__()
        self.group_id = group_id
        self.entries: list[dict[str, Any]] = []

    @property
    def vaxel(self) -> VaxelApp:
        assert isinstance(self.app, VaxelApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield ScreenHeader(self._where(), id="header")
        with VerticalScroll(id="history-list"):
            yield Static(t("history.loading"), id="history-note", markup=False)
        yield KeyFooter()

    def _where(self) -> str:
        store = self.vaxel.store
        group = store.groups.get(self.group_id) or store.summaries.get(self.group_id)
        name = group.name if group else f"#{self.group_id}"
        return t("history.title", name=name)

    def on_mount(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="history")
    async def load(self) -> None:
        note = self.query_one("#history-note", Static)
        try:
            self.entries = await self.vaxel.client.group_history(self.group_id)
        except (ApiError, Unreachable) as exc:
            note.update(t("history.load_failed", reason=str(exc)))
            return
        listing = self.query_one("#history-list", VerticalScroll)
        await listing.remove_children(".history-entry")
        note.update(t("history.count", count=len(self.entries)) if self.entries else t("history.empty"))
        await listing.mount_all(Static(entry_text(e), classes="history-entry") for e in self.entries)
        self.query_one(ScreenHeader).set_where(self._where())

    def action_back(self) -> None:
        self.app.pop_screen()
