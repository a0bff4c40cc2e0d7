"""A setting's editor: label, the editing widget, a unit, and lines for a
refusal (beside the field) and someone else's change.

Fields report edits with `SettingField.Changed`; the screen keeps the draft and
tells fields what to show with `show()`. Fields never call the API.
"""
from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Static

from tui.catalog import Catalogs, Organisation
from tui.i18n import t
from tui.sections import FieldSpec


def field_id(path: str) -> str:
    return "field-" + path.replace(".", "-")


class SettingField(Widget):
    DEFAULT_CSS = """
    SettingField { height: auto; }
    SettingField > Horizontal { height: 1; }
    SettingField.-tall > Horizontal { height: auto; }
    SettingField .field-label { width: 32; color: $text; }
    SettingField.-dirty > Horizontal > .field-label { color: $accent; text-style: bold; }
    SettingField .field-unit { width: auto; padding-left: 1; color: $text-muted; }
    SettingField Input { width: 12; background: $boost; }
    SettingField Input:focus { background: $primary 40%; }
    SettingField Input.-text { width: 1fr; max-width: 48; }
    SettingField Checkbox { background: $boost; width: auto; }
    SettingField .field-error { color: $error; padding-left: 32; display: none; height: auto; }
    SettingField.-invalid > .field-error { display: block; }
    SettingField .field-note { color: $warning; padding-left: 32; display: none; height: auto; }
    SettingField.-conflict > .field-note { display: block; }
    """

    #: The field is taller than one line (lists, text areas).
    TALL = False

    class Changed(Message):
        def __init__(self, field: SettingField, value: Any) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> SettingField:
            return self.field

    def __init__(
        self,
        spec: FieldSpec,
        value: Any,
        *,
        read_only: bool = False,
        catalogs: Catalogs | None = None,
        path: str | None = None,
    ) -> None:
        self._path = path or spec.path
        super().__init__(id=field_id(self._path), classes="-tall" if self.TALL else "")
        self.spec = spec
        self.read_only = read_only
        self.catalogs = catalogs or Catalogs(Organisation(missing=True))
        self._initial = value
        self._value = value

    @property
    def path(self) -> str:
        return self._path

    def compose(self) -> ComposeResult:
        self._label = Label(self._label_text(False), classes="field-label")
        self._error = Static("", classes="field-error", markup=False)
        self._note = Static("", classes="field-note", markup=False)
        with Horizontal():
            yield self._label
            yield from self.editors()
            if self.spec.unit:
                yield Label(t(self.spec.unit), classes="field-unit")
        yield self._error
        yield self._note

    def editors(self) -> ComposeResult:
        """The editing widget(s), built with `self._initial`."""
        raise NotImplementedError

    def put(self, value: Any) -> None:
        """Show `value` in the editor without reporting it as an edit."""
        raise NotImplementedError

    def report(self, value: Any) -> None:
        self._value = value
        self.post_message(self.Changed(self, value))

    def _label_text(self, dirty: bool) -> str:
        return ("• " if dirty else "") + t(self.spec.label)

    def show(
        self,
        value: Any,
        *,
        dirty: bool,
        error: str | None,
        conflict: str | None = None,
        keep_editor: bool = False,
        errors: dict[str, str] | None = None,
    ) -> None:
        """Show the draft's value and state without reporting it as an edit.

        `keep_editor`: the value came from this field's own editor; putting it
        back could undo keys typed since (messages lag behind typing).
        `errors`: every refusal of a part of this field, by full path.
        """
        if not hasattr(self, "_label"):  # not composed yet: shown once mounted
            self._initial = value
            self._value = value
            return
        if not keep_editor:
            self.put(value)
        self._value = value
        self.set_class(dirty, "-dirty")
        self._label.update(self._label_text(dirty))
        self.set_class(error is not None, "-invalid")
        self._error.update(f"⚠ {error}" if error else "")
        self.set_class(conflict is not None, "-conflict")
        self._note.update(conflict or "")

    def focus_editor(self) -> bool:
        for widget in self.query("Input, Checkbox, Select, SelectionList, TextArea, Button"):
            if widget.focusable:
                widget.focus()
                return True
        return False
