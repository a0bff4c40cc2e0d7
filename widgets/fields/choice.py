"""Fields picked from a list: one value (an enum or a catalog entry), or
several ids (agent groups, supervisors, knowledge sources, users)."""
from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Select, SelectionList
from textual.widgets._toggle_button import ToggleButton  # noqa: PLC2701 - its glyph, to blank it

from tui.i18n import t
from tui.sections import FieldSpec
from widgets.fields.base import SettingField

#: Select cannot hold None: "no value" (always open, no billing ID) is this.
NONE = "\x00none"


def select_options(field: SettingField, spec: FieldSpec, current: Any) -> list[tuple[str, Any]]:
    """(label, value) pairs for a Select, the current value always among them."""
    options: list[tuple[str, Any]] = []
    if spec.none_label:
        options.append((t(spec.none_label), NONE))
    if spec.catalog:
        options += [(label, value) for value, label in field.catalogs.choices(spec.catalog, current)]
    else:
        options += [(t(key), value) for value, key in spec.choices]
        if current is not None and current not in {v for v, _ in spec.choices}:
            options.append((str(current), current))
    return options


class SelectField(SettingField):
    DEFAULT_CSS = """
    SelectField Select { width: 1fr; max-width: 40; }
    SelectField Select > SelectCurrent { background: $boost; }
    SelectField Select:focus > SelectCurrent { background: $primary 40%; }
    """

    def editors(self) -> ComposeResult:
        current = self._initial
        yield Select(
            select_options(self, self.spec, current),
            value=NONE if current is None else current,
            allow_blank=False,
            compact=True,
            disabled=self.read_only,
        )

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if value is Select.BLANK:
            return
        self.report(None if value == NONE else value)

    def put(self, value: Any) -> None:
        select = self.query_one(Select)
        wanted = NONE if value is None else value
        if select.value != wanted:
            with select.prevent(Select.Changed):
                select.set_options(select_options(self, self.spec, value))
                select.value = wanted


class PickList(SelectionList[Any]):
    """A SelectionList whose unpicked entries show an empty box, so the state
    reads without colour (NO_COLOR, screen readers, snapshots as text)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = self.scroll_offset.y + y
        if index >= self.option_count or self.get_option_at_index(index).value in self.selected:
            return strip
        segments = list(strip)
        if len(segments) > 1 and segments[1].text == ToggleButton.BUTTON_INNER:
            segments[1] = Segment(" ", segments[1].style)
        return Strip(segments)


class MultiPickField(SettingField):
    """Space toggles the highlighted entry: picked ones are in the list."""

    TALL = True
    DEFAULT_CSS = """
    MultiPickField SelectionList { height: auto; max-height: 8; width: 1fr; max-width: 48; background: $boost; }
    MultiPickField SelectionList:focus { background: $primary 20%; }
    """

    def editors(self) -> ComposeResult:
        chosen = list(self._initial or [])
        yield PickList(
            *[(label, value, value in chosen) for value, label in self.catalogs.choices(self.spec.catalog, chosen)],
            compact=True,
            disabled=self.read_only,
        )

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        picked = set(event.selection_list.selected)
        before = list(self._value or [])
        # Kept ones in their old order, then the new ones: toggling one off
        # and on again leaves the list as it was.
        ordered = [v for v in before if v in picked]
        ordered += [v for v in event.selection_list.selected if v not in ordered]
        self.report(ordered)

    def put(self, value: Any) -> None:
        picker = self.query_one(SelectionList)
        wanted = set(value or [])
        if set(picker.selected) != wanted:
            with picker.prevent(SelectionList.SelectedChanged):
                picker.deselect_all()
                for item in wanted:
                    try:
                        picker.select(item)
                    except Exception:  # noqa: BLE001 - an id no longer in the catalog
                        pass
