"""A table for live figures that repaints only what changed.

Textual's DataTable repaints the whole visible table on `update_cell`; at ten
updates a second over SSH that is far too much (see issue 5). `LiveTable` is
given the whole wanted content with `set_rows()` and compares it with what is on
screen: a row whose key moved repaints its line, a changed cell repaints just
that cell's region, and an unchanged table costs nothing. The header stays put
while the rows scroll.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.i18n import t


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int = 0  # 0: flexible, shares what the fixed columns leave
    min_width: int = 6
    align: Literal["left", "right"] = "left"
    hide_below: int = 0  # hidden while the table is narrower than this


@dataclass(frozen=True)
class Cell:
    text: str
    style: str = ""  # "", "warning", "alert", "muted", "ok", "strong"


Row = tuple[object, Sequence[Cell]]  # (key, cells)

STYLES = ("warning", "alert", "muted", "ok", "strong", "stale")


class LiveTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "live-table--header",
        "live-table--cursor",
        *(f"live-table--{name}" for name in STYLES),
    }

    DEFAULT_CSS = """
    LiveTable {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    LiveTable > .live-table--header { text-style: bold; color: $text-muted; }
    LiveTable > .live-table--cursor { background: $block-cursor-blurred-background; }
    LiveTable:focus > .live-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    LiveTable > .live-table--warning { color: $error; text-style: bold; }
    LiveTable > .live-table--alert { color: $warning; text-style: bold; }
    LiveTable > .live-table--muted { color: $text-muted; }
    LiveTable > .live-table--ok { color: $success; }
    LiveTable > .live-table--strong { text-style: bold; }
    LiveTable > .live-table--stale { color: $text-disabled; text-style: italic; }
    """

    BINDINGS = [
        Binding("up,k", "cursor(-1)", t("key.up"), show=False, id="table.up"),
        Binding("down,j", "cursor(1)", t("key.down"), show=False, id="table.down"),
        Binding("pageup", "page(-1)", t("key.page_up"), show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", t("key.page_down"), show=False, id="table.page_down"),
        Binding("home", "edge(0)", t("key.first"), show=False, id="table.first"),
        Binding("end", "edge(1)", t("key.last"), show=False, id="table.last"),
        Binding("enter", "select", t("key.select"), show=False, id="table.select"),
    ]

    cursor_row: reactive[int] = reactive(0, repaint=False)
    #: The figures are not current (no word from the server for a while): every
    #: cell is drawn greyed out, keeping its marks ("!") so nothing reads as live.
    stale: reactive[bool] = reactive(False, repaint=False)

    class Selected(Message):
        """Enter on a row."""

        def __init__(self, table: LiveTable, key: object) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LiveTable:
            return self.table

    def __init__(self, columns: Sequence[Column], *, empty_text: str = "", loading_text: str = "", **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.columns = list(columns)
        self.empty_text = empty_text
        #: Shown in place of `empty_text` until the first `set_rows`: an empty
        #: table before its figures came is not a table with nothing in it.
        self.loading_text = loading_text
        self._rows_set = False
        self._keys: list[object] = []
        self._cells: dict[object, tuple[Cell, ...]] = {}
        self._spans: list[tuple[int, int]] = []  # (x, width) of each column
        self._strips: dict[object, Strip] = {}
        self._laid_out_width = -1

    # ------------------------------------------------------------------ content

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_key(self) -> object | None:
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def cells_of(self, key: object) -> tuple[Cell, ...] | None:
        return self._cells.get(key)

    def cell(self, key: object, column: str) -> Cell | None:
        """The cell of row `key` in the column named `column` (for tests and help)."""
        cells = self._cells.get(key)
        if cells is None:
            return None
        index = next(i for i, c in enumerate(self.columns) if c.key == column)
        return cells[index] if index < len(cells) else None

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show exactly these rows; repaint only lines and cells that differ."""
        if not self._rows_set:
            self._rows_set = True
            if self.loading_text:
                self.refresh()  # the loading text goes, even if no row comes
        old_keys, old_cells = self._keys, self._cells
        new_keys = [key for key, _ in rows]
        new_cells = {key: tuple(cells) for key, cells in rows}
        cursor_key = self.cursor_key
        self._keys, self._cells = new_keys, new_cells
        if cursor_key in new_cells:
            self.set_reactive(LiveTable.cursor_row, new_keys.index(cursor_key))
        self.cursor_row = min(self.cursor_row, max(0, len(new_keys) - 1))
        if len(old_keys) != len(new_keys):
            self._update_virtual_size()
        top = int(self.scroll_offset.y)
        height = max(0, self.size.height - 1)
        if not old_keys and not new_keys:
            return  # still empty: nothing to draw
        if not old_keys or not new_keys:
            self._strips.clear()
            self.refresh()
            return
        for key, cells in new_cells.items():
            if old_cells.get(key) != cells:
                self._strips.pop(key, None)
        for key in old_cells.keys() - new_cells.keys():
            self._strips.pop(key, None)
        for line in range(top, min(top + height, max(len(old_keys), len(new_keys)))):
            old_key = old_keys[line] if line < len(old_keys) else None
            new_key = new_keys[line] if line < len(new_keys) else None
            y = line - top + 1
            if old_key != new_key or new_key is None:
                self.refresh(Region(0, y, self.size.width, 1))
                continue
            before, after = old_cells.get(old_key, ()), new_cells[new_key]
            if before == after:
                continue
            for index, (x, width) in enumerate(self._spans):
                if width and (index >= len(after) or index >= len(before) or before[index] != after[index]):
                    self.refresh(Region(x, y, width + 1, 1))

    def _update_virtual_size(self) -> None:
        # Keeping the height steady while the rows fit avoids relayouts.
        height = max(len(self._keys) + 1, self.size.height)
        self.virtual_size = Size(self.size.width, height)

    # ------------------------------------------------------------------ layout

    def on_resize(self, event: events.Resize) -> None:
        self._layout_columns(self.scrollable_content_region.width)
        self._update_virtual_size()
        self._strips.clear()

    def _layout_columns(self, width: int) -> None:
        shown = [c for c in self.columns if width >= c.hide_below]
        fixed = sum(c.width for c in shown if c.width) + len(shown)
        flexible = [c for c in shown if not c.width]
        share = max(0, width - fixed)
        spans: list[tuple[int, int]] = []
        x = 0
        for column in self.columns:
            if column not in shown:
                spans.append((x, 0))
                continue
            if column.width:
                w = column.width
            else:
                w = max(column.min_width, share // max(1, len(flexible)))
            spans.append((x, w))
            x += w + 1
        self._spans = spans
        self._laid_out_width = width

    def watch_stale(self) -> None:
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    # ------------------------------------------------------------------ render

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._laid_out_width:
            self._layout_columns(width)
        line = int(self.scroll_offset.y) + y - 1
        key = self._keys[line] if y > 0 and 0 <= line < len(self._keys) else None
        cursor = key is not None and line == self.cursor_row and self.show_cursor
        if key is not None and not cursor:
            strip = self._strips.get(key)
            if strip is not None:
                # Before `rich_style`: it walks every ancestor's styles, and most
                # lines of a live table are drawn from this cache.
                return strip
        base = self.rich_style
        if y == 0:
            header = base + self.get_component_rich_style("live-table--header", partial=True)
            return self._render_cells([Cell(c.label) for c in self.columns], header, width)
        if key is None:
            text = self.empty_text if self._rows_set else self.loading_text or self.empty_text
            if line == 0 and text:
                muted = base + self.get_component_rich_style("live-table--muted", partial=True)
                return Strip([Segment(text[:width].ljust(width), muted)], width)
            return Strip.blank(width, base)
        style = base + self.get_component_rich_style("live-table--cursor", partial=True) if cursor else base
        strip = self._render_cells(self._cells[key], style, width, cursor=cursor)
        if not cursor:
            self._strips[key] = strip
        return strip

    @property
    def show_cursor(self) -> bool:
        # Only where the keys go: an unfocused table's cursor is just noise.
        return self.has_focus

    def _render_cells(self, cells: Sequence[Cell], style: Style, width: int, *, cursor: bool = False) -> Strip:
        segments: list[Segment] = []
        for column, (_x, w), cell in zip(self.columns, self._spans, cells, strict=False):
            if not w:
                continue
            text = cell.text
            if len(text) > w:
                text = text[: max(0, w - 1)] + "…"
            text = text.rjust(w) if column.align == "right" else text.ljust(w)
            name = "stale" if self.stale else cell.style
            cell_style = style
            if name:
                # Partial, so the cursor row keeps its background; on the cursor
                # row only the weight is kept (red on blue is unreadable; the
                # marks still tell).
                extra = self.get_component_rich_style(f"live-table--{name}", partial=True)
                cell_style = style + (Style(bold=extra.bold, italic=extra.italic) if cursor else extra)
            segments.append(Segment(text, cell_style))
            segments.append(Segment(" ", style))
        # Fewer segments, fewer colour codes written to the terminal.
        return Strip(segments).simplify().crop_extend(0, width, style)

    # ------------------------------------------------------------------ cursor

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        for line in (old, new):
            self.refresh(Region(0, line - top + 1, self.size.width, 1))
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        height = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        if self._keys:
            self.cursor_row = max(0, min(len(self._keys) - 1, self.cursor_row + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_edge(self, end: int) -> None:
        if self._keys:
            self.cursor_row = len(self._keys) - 1 if end else 0

    def on_focus(self) -> None:
        self._refresh_cursor_line()

    def on_blur(self) -> None:
        self._refresh_cursor_line()

    def _refresh_cursor_line(self) -> None:
        top = int(self.scroll_offset.y)
        self.refresh(Region(0, self.cursor_row - top + 1, self.size.width, 1))

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Selected(self, self.cursor_key))

    def on_click(self, event: events.Click) -> None:
        line = int(self.scroll_offset.y) + event.y - 1
        if 0 <= line < len(self._keys):
            self.cursor_row = line
