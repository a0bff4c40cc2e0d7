"""Fields edited by typing or toggling: text, whole numbers, off-or-seconds,
on/off. (Several lines of text: widgets/fields/text_area.py.)"""
from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input

from tui.i18n import t
from widgets.fields.base import SettingField


def parse_value(kind: str, text: str, nullable: bool = False) -> Any:
    """A field's text as the value it stands for. Text that is not a whole
    number stays text, which validation then refuses with a reason; empty
    means off (optint) or no value (nullable text)."""
    if kind in ("int", "optint"):
        stripped = text.strip()
        if kind == "optint" and stripped == "":
            return None
        try:
            return int(stripped)
        except ValueError:
            return stripped
    if nullable and text.strip() == "":
        return None
    return text


class InputField(SettingField):
    """text, int and optint (an empty box means off)."""

    def editors(self) -> ComposeResult:
        kind = self.spec.kind
        placeholder = ""
        if kind == "optint":
            placeholder = t("value.off")
        elif self.spec.none_label:
            placeholder = t(self.spec.none_label)
        initial = "" if self._initial is None else str(self._initial)
        # Textual's Input reports the value it is built with as a change, once
        # mounted: that is not an edit. Reported, it put back the value the
        # editor was built with over an edit drafted in the meantime (a kept
        # draft brought back while the settings column was being built).
        self._echo: str | None = initial
        yield Input(
            initial,
            placeholder=placeholder,
            type="text" if kind == "text" else "integer",
            compact=True,
            disabled=self.read_only,
            classes="-text" if kind == "text" else "",
            select_on_focus=False,
        )

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        echo, self._echo = self._echo, None
        if echo is not None and event.value == echo:
            return  # the value it was built with (see editors()), not typed
        self.report(parse_value(self.spec.kind, event.value, bool(self.spec.none_label)))

    def put(self, value: Any) -> None:
        editor = self.query_one(Input)
        text = "" if value is None else str(value)
        if parse_value(self.spec.kind, editor.value, bool(self.spec.none_label)) != value and editor.value != text:
            with editor.prevent(Input.Changed):
                editor.value = text


class OnOffBox(Checkbox):
    """Says "on" or "off" beside the box, and unticked shows an empty box: the
    state reads without colour too."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802
        return "X" if self.value else " "

    def watch_value(self) -> None:
        self.label = t("value.on") if self.value else t("value.off")
        super().watch_value()


class BoolField(SettingField):
    def editors(self) -> ComposeResult:
        value = bool(self._initial)
        yield OnOffBox(t("value.on") if value else t("value.off"), value, compact=True, disabled=self.read_only)

    @on(Checkbox.Changed)
    def _changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.report(event.value)

    def put(self, value: Any) -> None:
        box = self.query_one(Checkbox)
        if box.value != bool(value):
            with box.prevent(Checkbox.Changed):
                box.value = bool(value)
