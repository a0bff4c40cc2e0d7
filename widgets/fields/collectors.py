"""§13 Input-insamlare: an ordered list of collectors, each a small form.

Each item's parts are ordinary fields with full paths
(`input_collectors.0.variable`), so a refusal of one part shows beside it.
The list reports itself whole as one edit of `input_collectors`.
"""
from __future__ import annotations

import asyncio
import copy
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from backend.schemas.groups import InputCollector
from tui.draft import get_path, set_path
from tui.i18n import t
from tui.sections import COLLECTOR_FIELDS, owns
from widgets.fields.base import SettingField, field_id
from widgets.fields.make import make_field


def new_collector(existing: list[dict[str, Any]]) -> dict[str, Any]:
    """A collector with the seed's defaults and a variable name not yet used."""
    used = {c.get("variable") for c in existing}
    n = 1
    while f"value_{n}" in used:
        n += 1
    return InputCollector(variable=f"value_{n}").model_dump(mode="json")


class CollectorsField(SettingField):
    TALL = True
    DEFAULT_CSS = """
    CollectorsField > Horizontal { height: 1; }
    CollectorsField #collector-items { height: auto; }
    CollectorsField .collector { height: auto; border-left: tall $primary 50%; padding-left: 1; margin-bottom: 1; }
    CollectorsField .collector-title { text-style: bold; height: 1; }
    CollectorsField .collector-keys { height: 1; }
    CollectorsField .collector-keys Button { margin-right: 1; min-width: 6; }
    CollectorsField #collectors-empty { color: $text-muted; height: 1; }
    CollectorsField #collector-add { margin-top: 0; }
    """

    def editors(self) -> ComposeResult:
        return iter(())

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Vertical(id="collector-items")
        yield Button(t("settings.collectors.add"), id="collector-add", compact=True, disabled=self.read_only)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._items: list[dict[str, Any]] = copy.deepcopy(list(self._initial or []))
        self._errors: dict[str, str] = {}
        self._rebuilding = asyncio.Lock()

    def on_mount(self) -> None:
        self.call_later(self._rebuild)

    async def _rebuild(self, focus: str | None = None) -> None:
        async with self._rebuilding:  # one at a time: items are mounted by id
            await self._rebuild_items(focus)

    async def _rebuild_items(self, focus: str | None) -> None:
        box = self.query_one("#collector-items", Vertical)
        await box.remove_children()
        widgets = []
        if not self._items:
            widgets.append(Static(t("settings.collectors.none"), id="collectors-empty", markup=False))
        last = len(self._items) - 1
        for i, item in enumerate(self._items):
            fields = [
                make_field(spec, get_path(item, spec.path), read_only=self.read_only, catalogs=self.catalogs,
                           path=f"{self.path}.{i}.{spec.path}")
                for spec in COLLECTOR_FIELDS
            ]  # fmt: skip
            keys = Horizontal(
                Button(t("settings.collectors.up"), id=f"collector-{i}-up", compact=True, disabled=self.read_only or i == 0),
                Button(t("settings.collectors.down"), id=f"collector-{i}-down", compact=True, disabled=self.read_only or i == last),
                Button(t("settings.collectors.remove"), id=f"collector-{i}-remove", compact=True, disabled=self.read_only),
                classes="collector-keys",
            )
            title = Static(t("settings.collectors.item", n=i + 1, variable=item.get("variable", "")), classes="collector-title")
            widgets.append(Vertical(title, *fields, keys, classes="collector", id=f"collector-{i}"))
        await box.mount_all(widgets)
        self._show_item_errors()
        if focus:
            try:
                self.query_one(focus).focus()
            except Exception:  # noqa: BLE001 - the button is gone (last item removed)
                self.query_one("#collector-add").focus()

    @on(SettingField.Changed)
    def _item_changed(self, event: SettingField.Changed) -> None:
        if event.field is self:
            return
        event.stop()
        index_and_rest = event.field.path.removeprefix(self.path + ".")
        index, _, rest = index_and_rest.partition(".")
        set_path(self._items[int(index)], rest, event.value)
        if rest == "variable":
            title = self.query_one(f"#collector-{index} .collector-title", Static)
            title.update(t("settings.collectors.item", n=int(index) + 1, variable=str(event.value)))
        self.report(copy.deepcopy(self._items))

    @on(Button.Pressed)
    async def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        focus = None
        if button == "collector-add":
            self._items.append(new_collector(self._items))
        else:
            _, index_text, action = button.split("-")
            i = int(index_text)
            if action == "remove":
                del self._items[i]
                focus = f"#collector-{min(i, len(self._items) - 1)}-remove"
            elif action == "up" and i > 0:
                self._items[i - 1], self._items[i] = self._items[i], self._items[i - 1]
                focus = f"#collector-{i - 1}-up" if i - 1 > 0 else f"#collector-{i - 1}-down"
            elif action == "down" and i < len(self._items) - 1:
                self._items[i + 1], self._items[i] = self._items[i], self._items[i + 1]
                focus = f"#collector-{i + 1}-down" if i + 1 < len(self._items) - 1 else f"#collector-{i + 1}-up"
        self.report(copy.deepcopy(self._items))
        await self._rebuild(focus)
        if button == "collector-add":
            self.query_one("#" + field_id(f"{self.path}.{len(self._items) - 1}.variable"), SettingField).focus_editor()

    def put(self, value: Any) -> None:
        items = list(value or [])
        if items != self._items:
            self._items = copy.deepcopy(items)
            self.call_later(self._rebuild)

    def show(self, value: Any, *, dirty: bool, error: str | None, conflict: str | None = None,
             keep_editor: bool = False, errors: dict[str, str] | None = None) -> None:  # fmt: skip
        self._errors = {p: m for p, m in (errors or {}).items() if p != self.path}
        super().show(value, dirty=dirty, error=error, conflict=conflict, keep_editor=keep_editor, errors=errors)
        self._show_item_errors()

    def _show_item_errors(self) -> None:
        for field in self.query(SettingField):
            if field is self:
                continue
            mine = {p: m for p, m in self._errors.items() if owns(field.path, p)}
            field.show(field._value, dirty=False, error=next(iter(mine.values()), None), keep_editor=True)  # noqa: SLF001
