"""§19 Delete a response group: irreversible, confirmed by typing its name.

The delete key does nothing until the typed name matches; the backend checks
the name again (`confirm_name`) and the ETag, and says why when it refuses.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.app import VaxelApp
from tui.client import ApiError, Unreachable
from tui.draft import translate_error
from tui.i18n import t
from widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from backend.schemas import ResponseGroup


class DeleteGroupScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    DeleteGroupScreen { align: center middle; }
    DeleteGroupScreen > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $panel; padding: 0 1;
    }
    DeleteGroupScreen .dialog-title { text-style: bold; color: $error; padding-bottom: 1; }
    DeleteGroupScreen .dialog-body { height: auto; padding-bottom: 1; }
    DeleteGroupScreen Input { background: $boost; }
    DeleteGroupScreen #delete-match { height: 1; color: $text-muted; }
    DeleteGroupScreen #delete-match.-ok { color: $error; text-style: bold; }
    DeleteGroupScreen #delete-error { height: auto; color: $error; }
    """

    BINDINGS = [
        Binding("ctrl+d", "delete", t("delete.key_delete"), id="delete.confirm", priority=True),
        Binding("escape", "cancel", t("delete.key_cancel"), id="delete.cancel"),
    ]

    def __init__(self, group: ResponseGroup) -> None:
        super().__init__()
        self.group = group
        self.deleting = False

    @property
    def vaxel(self) -> VaxelApp:
        assert isinstance(self.app, VaxelApp)
        return self.app

    @property
    def matches(self) -> bool:
        return self.query_one("#delete-name", Input).value == self.group.name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("delete.title", name=self.group.name), classes="dialog-title", markup=False)
            yield Static(t("delete.body", name=self.group.name, number=self.group.number), classes="dialog-body", markup=False)
            yield Input(placeholder=self.group.name, id="delete-name", compact=True, select_on_focus=False)
            yield Static(t("delete.type_name"), id="delete-match", markup=False)
            yield Static("", id="delete-error", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#delete-name", Input).focus()

    @on(Input.Changed, "#delete-name")
    def _typed(self, event: Input.Changed) -> None:
        match = self.query_one("#delete-match", Static)
        match.set_class(self.matches, "-ok")
        match.update(t("delete.ready") if self.matches else t("delete.type_name"))
        self.query_one("#delete-error", Static).update("")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer shows the key dimmed until the name matches.
        if action == "delete":
            return True if self.matches and not self.deleting else None
        return True

    @on(Input.Submitted, "#delete-name")
    def _submitted(self) -> None:
        if self.matches:
            self.action_delete()
        else:
            self.query_one("#delete-error", Static).update(t("delete.name_mismatch"))

    def action_delete(self) -> None:
        if not self.matches or self.deleting:
            return
        self.delete()

    @work(exclusive=True, group="delete")
    async def delete(self) -> None:
        self.deleting = True
        self.refresh_bindings()
        typed = self.query_one("#delete-name", Input).value
        try:
            await self.vaxel.client.delete_group(self.group.id, self.group.etag, typed)
        except ApiError as exc:
            self.deleting = False
            self.refresh_bindings()
            reason = translate_error(exc.code, None, exc.fields.get("confirm_name") or exc.message)
            if exc.field_codes.get("confirm_name") == "confirm_name_mismatch":
                reason = t("delete.name_mismatch")
            elif exc.status == 412:
                reason = t("delete.changed_meanwhile")
            self.query_one("#delete-error", Static).update("! " + reason)
            return
        except Unreachable as exc:
            self.deleting = False
            self.refresh_bindings()
            key = "delete.outcome_unknown" if exc.maybe_applied else "conn.cannot_reach"
            self.query_one("#delete-error", Static).update("! " + t(key, reason=str(exc)))
            return
        self.dismiss(True)
        self.vaxel.show_overview()
        self.vaxel.notify(t("delete.done", name=self.group.name))

    def action_cancel(self) -> None:
        self.dismiss(False)
