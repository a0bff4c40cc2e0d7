"""A several-line text field (§4's background text, voicemail greetings).

Its own module: Textual's TextArea (with its document model) is ~0.6 MB of
the console's memory, loaded only once a section with such a field opens.
"""
from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import TextArea

from widgets.fields.base import SettingField


class TextAreaField(SettingField):
    """Several lines; Tab leaves the box (it does not indent)."""

    TALL = True
    DEFAULT_CSS = """
    TextAreaField TextArea { height: 6; width: 1fr; max-width: 72; background: $boost; }
    TextAreaField TextArea:focus { background: $primary 20%; }
    """

    def editors(self) -> ComposeResult:
        yield TextArea(
            str(self._initial or ""),
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            compact=True,
            read_only=self.read_only,
            disabled=self.read_only,
        )

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.report(event.text_area.text)

    def put(self, value: Any) -> None:
        area = self.query_one(TextArea)
        text = str(value or "")
        if area.text != text:
            with area.prevent(TextArea.Changed):
                area.load_text(text)
