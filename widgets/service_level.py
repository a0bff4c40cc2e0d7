"""Service level against the target, today and in the last hour, with a trend line.

    SL today 8/10 = 80% ▕████████░░▏ target 80% · last hour 3/4 = 75% · ▃▅▇█▆▅

Always "within/denominator = %" (the seed's "8 av 10 samtal inom 90 sekunder =
80 %"), "–" when nothing counts yet; below the target it is marked "!" as well
as coloured. The trend line has one character per slice of time (15 min): its
height is that slice's SL %, "·" where no call ended.
"""
from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from backend.schemas.live import ServiceLevelCounts
from tui.i18n import fmt_percent, t
from widgets.group_board import WARN, sl_text

SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 10


def sparkline(percents: Sequence[float | None]) -> str:
    out = []
    for p in percents:
        if p is None:
            out.append("·")
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, int(p / 100 * len(SPARKS)))])
    return "".join(out)


def bar(percent: float | None, width: int = BAR_WIDTH) -> str:
    filled = 0 if percent is None else round(percent / 100 * width)
    return "▕" + "█" * filled + "░" * (width - filled) + "▏"


class ServiceLevelGauge(Static):
    DEFAULT_CSS = """
    ServiceLevelGauge { height: 1; padding: 0 1; background: $panel; }
    ServiceLevelGauge.-stale { color: $text-disabled; text-style: italic; }
    """

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__("", markup=False, **kwargs)
        self._shown: tuple | None = None
        self._args: tuple | None = None
        self.plain = ""

    def on_resize(self) -> None:
        # Shown before the first layout, the width was a guess: fit it again.
        if self._args is not None:
            self.show(*self._args[:4], stale=self._args[4])

    def show(
        self,
        today: ServiceLevelCounts,
        last_hour: ServiceLevelCounts,
        target_pct: int,
        trend: Sequence[float | None],
        *,
        stale: bool = False,
    ) -> None:
        self._args = (today, last_hour, target_pct, trend, stale)
        width = max(0, self.size.width - 2) or 78
        key = (today, last_hour, target_pct, tuple(trend), stale, width)
        if key == self._shown:
            return
        self._shown = key
        self.set_class(stale, "-stale")
        text = self.compose_text(today, last_hour, target_pct, trend, width, stale=stale)
        self.plain = text.plain
        self.update(text, layout=False)  # one line, always: no relayout

    @staticmethod
    def compose_text(
        today: ServiceLevelCounts,
        last_hour: ServiceLevelCounts,
        target_pct: int,
        trend: Sequence[float | None],
        width: int,
        *,
        stale: bool = False,
    ) -> Text:
        def figure(counts: ServiceLevelCounts) -> tuple[str, str]:
            percent = counts.percent
            if percent is None:
                return "–", "dim"
            if percent < target_pct:
                return f"{WARN}{sl_text(counts)}", "bold red" if not stale else ""
            return sl_text(counts), "bold green" if not stale else ""

        today_text, today_style = figure(today)
        hour_text, hour_style = figure(last_hour)
        spark = sparkline(trend)
        parts: list[tuple[str, str]] = [
            (t("sl.today") + " ", ""),
            (today_text, today_style),
            (" " + bar(today.percent) if width >= 90 else "", ""),
            (" " + t("sl.target", target=fmt_percent(target_pct)), "dim"),
            (" · " + t("sl.last_hour") + " ", ""),
            (hour_text, hour_style),
            (" · ", ""),
            (spark, "cyan" if not stale else ""),
        ]
        text = Text(no_wrap=True, overflow="ellipsis")
        for content, style in parts:
            text.append(content, style)
        if len(text) > width:
            # Keep the trend line: drop the target caption first.
            parts[3] = ("", "")
            text = Text(no_wrap=True, overflow="ellipsis")
            for content, style in parts:
                text.append(content, style)
        return text
