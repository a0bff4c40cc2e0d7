"""The form of one schedule (§7): name, time zone, weekly ranges, exceptions.

Built from the schedule's JSON document and rebuilt when a range or an
exception is added or removed. Typing edits the document in place and posts
`ScheduleForm.Edited`; the screen saves it. Errors from the backend are shown
on the row of the field they name (`weekly.mon.0.end` beside Monday's first
range). The form never calls the API.
"""
from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tui.i18n import t
from tui.schedules import DAYS, day_name, field_id, row_of


def get_path(doc: Any, path: str) -> Any:
    for part in path.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def set_path(doc: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = get_path(doc, ".".join(parents)) if parents else doc
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


class ClosedMark(Static, can_focus=True):
    """'closed' in place of a day's (or an exception's) ranges; focus it to add one."""


class ExceptionLine(Static, can_focus=True):
    """An exception shown as one line until it is opened for editing (Enter).

    A year or two of public holidays as inputs would make the form slow to
    open (~4 ms an input); most of them are never touched.
    """

    BINDINGS = [Binding("enter", "open", t("schedule.key_open_exception"), id="schedules.open_exception")]

    class Opened(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, text: str, index: int, **kwargs: Any) -> None:
        super().__init__(text, markup=False, **kwargs)
        self.index = index

    def action_open(self) -> None:
        self.post_message(self.Opened(self.index))


def exception_text(exception: dict[str, Any]) -> str:
    ranges = exception.get("ranges") or []
    hours = ", ".join(f"{r.get('start', '')}–{r.get('end', '')}" for r in ranges) or t("schedule.closed_all_day")
    return f"{exception.get('date', ''):<12} {str(exception.get('label', ''))[:18]:<18} {hours}"


class ScheduleForm(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    ScheduleForm { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    ScheduleForm Horizontal, ScheduleForm .sf-block { height: auto; }
    ScheduleForm .sf-label { width: 11; }
    ScheduleForm .sf-day { width: 5; }
    ScheduleForm .sf-dash { width: 3; content-align: center middle; }
    /* Compact by CSS: Input(compact=True) restyles each input as it is built,
       ~25 ms apiece, and a schedule with holidays has a hundred of them. */
    ScheduleForm Input { background: $boost; border: none !important; height: 1; padding: 0; }
    ScheduleForm Input:focus { background: $primary 40%; }
    ScheduleForm Input.-invalid { color: $error; text-style: bold; }
    ScheduleForm .sf-time { width: 7; }
    ScheduleForm .sf-text { width: 1fr; max-width: 36; }
    ScheduleForm .sf-date { width: 12; }
    ScheduleForm .sf-exlabel { width: 18; margin-left: 1; }
    ScheduleForm ClosedMark { width: auto; color: $text-muted; padding: 0 1 0 0; }
    ScheduleForm ExceptionLine { width: 1fr; height: 1; }
    ScheduleForm ExceptionLine:focus { background: $primary 40%; }
    ScheduleForm ClosedMark:focus { background: $primary 40%; color: $text; }
    ScheduleForm .sf-heading { margin-top: 1; text-style: bold; color: $accent; }
    ScheduleForm .sf-error { width: 1fr; color: $error; padding-left: 1; height: auto; }
    ScheduleForm .sf-error-line { color: $error; height: auto; display: none; }
    ScheduleForm .sf-error-line.-shown { display: block; }
    ScheduleForm .sf-indent { width: 5; }
    """

    class Edited(Message):
        """The user typed into the field at `path`; the document holds the new value."""

        def __init__(self, form: ScheduleForm, path: str) -> None:
            super().__init__()
            self.form = form
            self.path = path

        @property
        def control(self) -> ScheduleForm:
            return self.form

    def __init__(self, doc: dict[str, Any], *, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.doc = doc
        self.read_only = read_only
        self.errors: dict[str, str] = {}
        #: Exceptions shown as inputs (the rest are one line each until opened).
        self.opened: set[int] = set()
        #: widget id → the document path it edits (or, for a ClosedMark, owns).
        self.paths: dict[str, str] = {}

    # ------------------------------------------------------------------ building

    def _field_input(self, path: str, classes: str, placeholder: str = "") -> Input:
        widget_id = "sf-" + field_id(path)
        self.paths[widget_id] = path
        value = get_path(self.doc, path)
        return Input(
            "" if value is None else str(value),
            placeholder=placeholder,
            id=widget_id,
            classes=classes,
            select_on_focus=False,
            disabled=self.read_only,
        )

    def _closed_mark(self, owner: str, text: str) -> ClosedMark:
        widget_id = "sf-" + field_id(owner) + "-none"
        self.paths[widget_id] = owner
        return ClosedMark(text, id=widget_id, markup=False)

    def _error_line(self, row: str, line: bool = False) -> Static:
        return Static("", id="err-" + field_id(row), classes="sf-error-line" if line else "sf-error", markup=False)

    def _range_rows(self, first_label: str, base: str) -> list[Widget]:
        rows: list[Widget] = []
        for i in range(len(get_path(self.doc, base))):
            row = f"{base}.{i}"
            rows.append(
                Horizontal(
                    Label(first_label if i == 0 else "", classes="sf-day", markup=False),
                    self._field_input(f"{row}.start", "sf-time", "HH:MM"),
                    Label("–", classes="sf-dash"),
                    self._field_input(f"{row}.end", "sf-time", "HH:MM"),
                    self._error_line(row),
                )
            )
        return rows

    def _day_rows(self, day: str) -> list[Widget]:
        if self.doc["weekly"][day]:
            return self._range_rows(day_name(day), f"weekly.{day}")
        return [
            Horizontal(
                Label(day_name(day), classes="sf-day", markup=False),
                self._closed_mark(f"weekly.{day}", t("schedule.closed_day")),
                self._error_line(f"weekly.{day}"),
            )
        ]

    def _exception_rows(self, index: int) -> list[Widget]:
        base = f"exceptions.{index}"
        header = [
            self._field_input(f"{base}.date", "sf-date", "YYYY-MM-DD"),
            self._field_input(f"{base}.label", "sf-exlabel", t("schedule.label_placeholder")),
        ]
        if not self.doc["exceptions"][index].get("ranges"):
            header.append(self._closed_mark(f"{base}.ranges", " " + t("schedule.closed_all_day")))
        return [Horizontal(*header), self._error_line(base, line=True), *self._range_rows("", f"{base}.ranges")]

    def _exception_block(self, index: int) -> Vertical:
        return Vertical(*self._exception_content(index), id=f"block-exceptions-{index}", classes="sf-block")

    def _exception_content(self, index: int) -> list[Widget]:
        if index in self.opened:
            return self._exception_rows(index)
        widget_id = f"sf-exceptions-{index}-line"
        self.paths[widget_id] = f"exceptions.{index}"
        return [ExceptionLine(exception_text(self.doc["exceptions"][index]), index, id=widget_id)]

    def _exception_blocks(self) -> list[Widget]:
        if not self.doc["exceptions"]:
            return [Label(t("schedule.no_exceptions"), classes="sf-none")]
        return [self._exception_block(i) for i in range(len(self.doc["exceptions"]))]

    def compose(self) -> ComposeResult:
        self.paths = {}
        yield Static("", id="err-general", classes="sf-error-line", markup=False)
        with Horizontal():
            yield Label(t("schedule.name"), classes="sf-label")
            yield self._field_input("name", "sf-text")
        yield self._error_line("name", line=True)
        with Horizontal():
            yield Label(t("schedule.timezone"), classes="sf-label")
            yield self._field_input("timezone", "sf-text", "Europe/Stockholm")
        yield self._error_line("timezone", line=True)
        yield Label(t("schedule.weekly_heading"), classes="sf-heading")
        for day in DAYS:
            yield Vertical(*self._day_rows(day), id=f"block-weekly-{day}", classes="sf-block")
        yield Label(t("schedule.exceptions_heading"), classes="sf-heading")
        yield Vertical(*self._exception_blocks(), id="sf-exceptions", classes="sf-block")

    # ------------------------------------------------------------------ rebuilding parts
    # Adding or removing a range rebuilds only its day (or exception), so the
    # form stays quick with a year or two of public holidays in it.

    async def rebuild_ranges(self, base: str) -> None:
        """Rebuild the rows of `weekly.<day>` or `exceptions.<i>` from the document."""
        block = self.query_one(f"#block-{field_id(base)}", Vertical)
        parts = base.split(".")
        if parts[0] == "exceptions":
            self.opened.add(int(parts[1]))
        rows = self._day_rows(parts[1]) if parts[0] == "weekly" else self._exception_content(int(parts[1]))
        with self.app.batch_update():
            await block.remove_children()
            await block.mount_all(rows)

    async def append_exception(self) -> None:
        """Show the document's last exception, just added."""
        holder = self.query_one("#sf-exceptions", Vertical)
        index = len(self.doc["exceptions"]) - 1
        self.opened.add(index)
        if index == 0:
            await holder.remove_children()
        await holder.mount(self._exception_block(index))

    async def open_exceptions(self, indexes: set[int]) -> None:
        """Show these exceptions as inputs (to edit them, or to show a refusal beside them)."""
        for index in sorted(indexes - self.opened):
            if 0 <= index < len(self.doc["exceptions"]):
                await self.rebuild_ranges(f"exceptions.{index}")

    async def on_exception_line_opened(self, event: ExceptionLine.Opened) -> None:
        event.stop()
        await self.open_exceptions({event.index})
        self.focus_path(f"exceptions.{event.index}.date")

    def removed_exception(self, index: int) -> None:
        """Exception `index` left the document: later ones moved up one."""
        self.opened = {i if i < index else i - 1 for i in self.opened if i != index}

    async def rebuild_exceptions(self) -> None:
        """Rebuild every exception (one was added or removed: the indexes moved)."""
        holder = self.query_one("#sf-exceptions", Vertical)
        with self.app.batch_update():
            await holder.remove_children()
            await holder.mount_all(self._exception_blocks())

    # ------------------------------------------------------------------ editing

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        path = self.paths.get(event.input.id or "")
        if path is None or get_path(self.doc, path) == event.value:
            return
        set_path(self.doc, path, event.value)
        event.input.remove_class("-invalid")
        self.post_message(self.Edited(self, path))

    def focused_path(self) -> str | None:
        focused = self.screen.focused
        if focused is None or focused.id is None:
            return None
        return self.paths.get(focused.id)

    def focus_path(self, path: str) -> None:
        """Focus the input of `path`, or the nearest thing that is there."""
        base = "sf-" + field_id(path)
        for widget_id in (base, base + "-start", base + "-date", base + "-none", base + "-line"):
            found = self.query(f"#{widget_id}")
            if found:
                found.first().focus()
                return
        name = self.query("#sf-name")
        if name:  # absent only while the form is being rebuilt by a newer load
            name.first().focus()

    # ------------------------------------------------------------------ errors

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each refusal beside (or under) the row of the field it names."""
        self.errors = errors
        for widget in self.query(".sf-error, .sf-error-line"):
            assert isinstance(widget, Static)
            widget.update("")
            widget.remove_class("-shown")
        for widget in self.query(Input):
            widget.remove_class("-invalid")
        rows: dict[str, list[str]] = {}
        general: list[str] = []
        for path, reason in errors.items():
            target = self.query(f"#err-{field_id(row_of(path))}") if path else None
            if not target:
                general.append(f"{path}: {reason}" if path else reason)
                continue
            rows.setdefault(row_of(path), []).append(reason)
            inputs = self.query(f"#sf-{field_id(path)}")
            if inputs:
                inputs.first().add_class("-invalid")
        for row, reasons in rows.items():
            widget = self.query_one(f"#err-{field_id(row)}", Static)
            widget.update("! " + "; ".join(dict.fromkeys(reasons)))
            widget.add_class("-shown")
        if general:
            widget = self.query_one("#err-general", Static)
            widget.update("! " + "\n! ".join(general))
            widget.add_class("-shown")
