"""The queue flowchart (§15 Flödesschema): the call path, each box with its live figure.

    ┌ Callers ───┐ ┌ Hours ─────┐ ┌ Input ─────┐ ┌ Queue ───────┐ ┌ Agents ──────┐
    │ 12         │→│ Open       │→│ 1          │→│ 3 waiting    │→│ 2 free 1 busy│
    │ this hour  │ │            │ │ answering  │ │ ! max 1:05   │ │ 1 wrap 0 out │
    └────────────┘ └────────────┘ └────────────┘ └──────┬───────┘ └──────────────┘
                     ┌──────────────────────┬─────────┴───────────┐
                     ▼ Overflow             ▼ Voicemail           ▼ Callback
                       2 today                1 today               0 pending

Seven lines at any width: boxes widen (and captions lengthen) when there is
room; below `NARROW` columns the opening-hours box folds into the callers box.
Only the cells whose text or colour changed are repainted, and the drawing is
shown through one slice per box: Textual writes a changed cell from its
widget's left edge, so a changing agents box costs its own width, not the line.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from backend.schemas import GroupStatus
from backend.schemas.live import FlowFigures
from tui.i18n import fmt_duration, t
from widgets.canvas import Canvas, changed_spans, fit

WARN = "!"
HEIGHT = 7
#: Blank columns left and right of the drawing.
MARGIN = 1
#: Narrower than this, the opening-hours box is folded into the callers box.
NARROW = 72

STYLE_NAMES = ("box", "title", "figure", "caption", "ok", "warning", "alert", "muted", "arrow", "stale")


@dataclass(frozen=True)
class FlowState:
    """Everything the flowchart shows; equal states draw equal pictures."""

    status: GroupStatus
    flow: FlowFigures
    waiting: int
    longest_s: float | None
    warning_s: int
    free: int
    busy: int
    wrap_up: int
    logged_out: int


def _status_line(status: GroupStatus) -> tuple[str, str]:
    if status is GroupStatus.OPEN:
        return t("status.short.open"), "ok"
    if status is GroupStatus.TEMPORARILY_CLOSED:
        return t("status.short.temporarily_closed"), "alert"
    return t("status.short.closed_schedule"), "muted"


def _pick(width: int, long: str, short: str) -> str:
    return long if len(long) <= width else short


#: Vertical slices the drawing is shown through (at most one per box).
SLICES = 5


class _Slice(Widget):
    """A vertical strip of the flowchart, from column `x0` of the drawing."""

    DEFAULT_CSS = "_Slice { height: 7; width: 1; }"

    def __init__(self, chart: Flowchart) -> None:
        super().__init__()
        self.chart = chart
        self.x0 = 0

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        return self.chart.line(y).crop_extend(self.x0, self.x0 + width, self.chart.rich_style)


class Flowchart(Widget):
    COMPONENT_CLASSES = {f"flowchart--{name}" for name in STYLE_NAMES}

    DEFAULT_CSS = """
    Flowchart { height: 7; layout: horizontal; }
    Flowchart > .flowchart--box { color: $primary; }
    Flowchart > .flowchart--arrow { color: $primary; text-style: bold; }
    Flowchart > .flowchart--title { color: $text; text-style: bold; }
    Flowchart > .flowchart--figure { text-style: bold; }
    Flowchart > .flowchart--caption { color: $text-muted; }
    Flowchart > .flowchart--ok { color: $success; text-style: bold; }
    Flowchart > .flowchart--warning { color: $error; text-style: bold; }
    Flowchart > .flowchart--alert { color: $warning; text-style: bold; }
    Flowchart > .flowchart--muted { color: $text-muted; }
    Flowchart > .flowchart--stale { color: $text-disabled; text-style: italic; }
    """

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.state: FlowState | None = None
        self.stale = False
        self._canvas: Canvas | None = None
        self._lines: dict[int, Strip] = {}
        self._slices = [_Slice(self) for _ in range(SLICES)]

    def compose(self) -> ComposeResult:
        yield from self._slices

    # ------------------------------------------------------------------ feeding

    def show(self, state: FlowState, *, stale: bool = False) -> None:
        if state == self.state and stale == self.stale and self._canvas is not None:
            return
        self.state, self.stale = state, stale
        self._redraw()

    def on_resize(self) -> None:
        self._canvas = None
        self._redraw()

    def _redraw(self) -> None:
        width = self.size.width - 2 * MARGIN
        if self.state is None or width <= 0:
            return
        canvas = self.draw(self.state, width, stale=self.stale)
        old, self._canvas = self._canvas, canvas
        if old is None or old.cuts != canvas.cuts:
            self._place_slices(canvas.cuts)
        for y, x, w in changed_spans(old, canvas):
            self._lines.pop(y, None)
            start, end = MARGIN + x, MARGIN + x + w
            for piece in self._slices:
                left, right = piece.x0, piece.x0 + piece.size.width
                if piece.display and start < right and end > left:
                    piece.refresh(Region(max(start, left) - left, y, min(end, right) - max(start, left), 1))

    def _place_slices(self, cuts: list[int]) -> None:
        """One slice per box: from each box's left edge to the next one's."""
        edges = [0, *(MARGIN + cut for cut in cuts[1:SLICES])] + [self.size.width]
        for i, piece in enumerate(self._slices):
            if i < len(edges) - 1:
                piece.x0 = edges[i]
                piece.styles.width = edges[i + 1] - edges[i]
                piece.display = True
            else:
                piece.display = False
            piece.refresh()
        self._lines.clear()

    # ------------------------------------------------------------------ drawing

    @staticmethod
    def draw(state: FlowState, width: int, *, stale: bool = False) -> Canvas:
        canvas = Canvas(width, HEIGHT)
        folded = width < NARROW
        status_text, status_style = _status_line(state.status)
        late = state.longest_s is not None and state.longest_s > state.warning_s
        if state.longest_s is None:
            longest, longest_style = t("flow.no_wait"), "caption"
        else:
            longest = (f"{WARN} " if late else "") + t("flow.longest", wait=fmt_duration(state.longest_s))
            longest_style = "warning" if late else "caption"

        boxes: list[tuple[str, list[tuple[str, str, str]]]] = [
            (
                t("flow.callers"),
                [
                    (str(state.flow.arrivals_this_hour), "", "figure"),
                    (t("flow.this_hour_long"), t("flow.this_hour"), "caption"),
                ]
                if not folded
                else [
                    (t("flow.arrivals", count=state.flow.arrivals_this_hour), "", "figure"),
                    (status_text, "", status_style),
                ],
            ),
        ]
        if not folded:
            boxes.append((t("flow.hours"), [(status_text, "", status_style), ("", "", "")]))
        boxes += [
            (
                t("flow.input"),
                [
                    (str(state.flow.in_collector), "", "figure"),
                    (t("flow.answering_long"), t("flow.answering"), "caption"),
                ],
            ),
            (
                t("flow.queue"),
                [
                    (t("flow.waiting", count=state.waiting), "", "warning" if late else "figure"),
                    (longest, "", longest_style),
                ],
            ),
            (
                t("flow.agents"),
                [
                    (
                        t("flow.agents_busy_long", free=state.free, busy=state.busy),
                        t("flow.agents_busy", free=state.free, busy=state.busy),
                        "ok" if state.free else "figure",
                    ),
                    (
                        t("flow.agents_away_long", wrap_up=state.wrap_up, out=state.logged_out),
                        t("flow.agents_away", wrap_up=state.wrap_up, out=state.logged_out),
                        "alert" if state.wrap_up else "caption",
                    ),
                ],
            ),
        ]
        n = len(boxes)
        share, extra = divmod(width - (n - 1), n)
        widths = [share] * n
        for i in range(extra):  # the queue and the agents get the spare columns first
            widths[n - 1 - i % 2] += 1
        x = 0
        centres = []
        canvas.cuts = []
        for i, ((title, lines), w) in enumerate(zip(boxes, widths, strict=True)):
            canvas.cuts.append(x)
            canvas.box(x, 0, w, 4, title)
            for row, (long, short, style) in enumerate(lines, start=1):
                text = _pick(w - 3, long, short or long)
                canvas.put(x + 2, row, fit(text, w - 3), style)
            if i < n - 1:
                canvas.put(x + w, 1, "→", "arrow")
            centres.append(x + w // 2)
            x += w + 1
        queue_centre = centres[-2]
        canvas.put(queue_centre, 3, "┬", "box")

        exits = [
            (t("flow.overflow"), t("flow.today", count=state.flow.overflowed_today)),
            (t("flow.voicemail"), t("flow.today", count=state.flow.voicemails_today)),
            (t("flow.callback"), t("flow.pending", count=state.flow.callbacks_pending)),
        ]
        label_width = max(len(title) for title, _ in exits) + 2
        first = centres[1] if not folded else max(1, centres[0])
        last = max(first + 2, width - label_width)
        step = max(1, (last - first) // 2)
        points = [first, first + step, first + 2 * step]
        left, right = min(points[0], queue_centre), max(points[-1], queue_centre)
        canvas.put(left, 4, "─" * (right - left + 1), "box")
        for i, p in enumerate(points):
            corner = "┌" if p == left else "┐" if p == right else "┬"
            canvas.put(p, 4, corner, "box")
            title, figure = exits[i]
            room = (points[i + 1] - p - 1) if i < 2 else width - p
            canvas.put(p, 5, "▼ ", "arrow")
            canvas.put(p + 2, 5, fit(title, room - 2), "title")
            canvas.put(p + 2, 6, fit(figure, room - 2), "figure" if not figure.startswith("0") else "caption")
        junction = {True: "┼", False: "┴"}[queue_centre in points]
        if queue_centre == left:
            junction = "├" if queue_centre in points else "└"
        elif queue_centre == right:
            junction = "┤" if queue_centre in points else "┘"
        canvas.put(queue_centre, 4, junction, "box")
        if stale:
            canvas.styles = [["stale"] * width for _ in range(HEIGHT)]
        return canvas

    def text_lines(self) -> list[str]:
        """What the drawing says, line by line, without colour (tests, screen readers)."""
        canvas = self._canvas
        return [] if canvas is None else ["".join(row).rstrip() for row in canvas.chars]

    def line(self, y: int) -> Strip:
        """Line `y` of the drawing, the whole width (the slices crop it)."""
        cached = self._lines.get(y)
        if cached is not None:
            return cached
        width = self.size.width
        base = self.rich_style
        canvas = self._canvas
        if canvas is None or y >= canvas.height:
            return Strip.blank(width, base)
        resolve = {name: self.get_component_rich_style(f"flowchart--{name}") for name in STYLE_NAMES}
        segments = [Segment(" " * MARGIN, base), *canvas.segments(y, base, resolve)]
        strip = self._lines[y] = Strip(segments).simplify().crop_extend(0, width, base)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()
        for piece in self._slices:
            piece.refresh()
