"""Modal dialogs: confirm an action, preview a save."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.i18n import t
from widgets.key_footer import KeyFooter


class ConfirmScreen(ModalScreen[bool]):
    """A question answered with y/Enter or n/Escape."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $panel; padding: 1 2;
    }
    ConfirmScreen .dialog-title { text-style: bold; padding-bottom: 1; }
    ConfirmScreen .dialog-body { height: auto; }
    """

    BINDINGS = [
        Binding("y,enter", "answer(True)", t("key.yes"), id="dialog.yes"),
        Binding("n,escape", "answer(False)", t("key.no"), id="dialog.no"),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, classes="dialog-title", markup=False)
            yield Static(self._body, classes="dialog-body", markup=False)
        yield KeyFooter()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
