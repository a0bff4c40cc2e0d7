"""A character grid with a style name per cell, for drawings like the flowchart.

Widgets draw into a fresh `Canvas` each time their figures change and compare
it with the one on screen: only the spans that differ are refreshed, so a
ticking figure repaints a few cells, not the drawing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style

Run = tuple[str, str]  # (text, style name)


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Canvas:
    width: int
    height: int
    chars: list[list[str]] = field(init=False)
    styles: list[list[str]] = field(init=False)
    #: Left edges of the drawing's parts (e.g. the flowchart's boxes).
    cuts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.chars = [[" "] * self.width for _ in range(self.height)]
        self.styles = [[""] * self.width for _ in range(self.height)]

    def put(self, x: int, y: int, text: str, style: str = "") -> None:
        if not 0 <= y < self.height:
            return
        for i, char in enumerate(text):
            if 0 <= x + i < self.width:
                self.chars[y][x + i] = char
                self.styles[y][x + i] = style

    def box(self, x: int, y: int, w: int, h: int, title: str, style: str = "box", title_style: str = "title") -> None:
        if w < 2 or h < 2:
            return
        self.put(x, y, "┌" + "─" * (w - 2) + "┐", style)
        self.put(x + 1, y, " " + fit(title, w - 4) + " " if w > 4 else "", title_style)
        for row in range(y + 1, y + h - 1):
            self.put(x, row, "│", style)
            self.put(x + w - 1, row, "│", style)
        self.put(x, y + h - 1, "└" + "─" * (w - 2) + "┘", style)

    def row_key(self, y: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(self.chars[y]), tuple(self.styles[y])

    def runs(self, y: int) -> list[Run]:
        out: list[Run] = []
        chars, styles = self.chars[y], self.styles[y]
        start = 0
        for x in range(1, self.width + 1):
            if x == self.width or styles[x] != styles[start]:
                out.append(("".join(chars[start:x]), styles[start]))
                start = x
        return out

    def segments(self, y: int, base: Style, resolve: dict[str, Style]) -> list[Segment]:
        return [Segment(text, base + resolve[name] if name in resolve else base) for text, name in self.runs(y)]


def changed_spans(old: Canvas | None, new: Canvas) -> list[tuple[int, int, int]]:
    """(y, x, width) of each line's span that differs between two canvases."""
    if old is None or old.width != new.width or old.height != new.height:
        return [(y, 0, new.width) for y in range(new.height)]
    spans = []
    for y in range(new.height):
        if old.row_key(y) == new.row_key(y):
            continue
        a = (old.chars[y], old.styles[y])
        b = (new.chars[y], new.styles[y])
        diff = [x for x in range(new.width) if a[0][x] != b[0][x] or a[1][x] != b[1][x]]
        spans.append((y, diff[0], diff[-1] - diff[0] + 1))
    return spans
