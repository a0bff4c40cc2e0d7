"""A group's live side: flowchart, waiting calls, agents and the service level.

Narrow (under 120 columns) the panel shows one view at a time, chosen with the
group screen's view key (the tab line says which, and the counts of the
others); wide, it shows them all. The service-level line is always there.
The screen feeds it from the store (`show`), on every change and once a second.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from backend.schemas import ResponseGroup
from backend.schemas.live import AgentState
from tui.i18n import t
from tui.store import LiveGroup
from widgets.agents_table import AgentsTable
from widgets.flowchart import WARN, Flowchart, FlowState
from widgets.service_level import ServiceLevelGauge
from widgets.waiting_calls import WaitingCallsTable

VIEWS = ("flow", "calls", "agents")


class GroupLivePanel(Vertical):
    # The rules below depend on the screen's width class, so they are not
    # scoped to the widget.
    SCOPED_CSS = False
    DEFAULT_CSS = """
    GroupLivePanel > #live-tabs { height: 1; padding: 0 1; background: $panel; }
    GroupLivePanel > #live-tabs.-stale { color: $error; text-style: bold; }
    GroupLivePanel > #flow { height: 7; }
    GroupLivePanel > #waiting { height: 1fr; }
    GroupLivePanel > #agents { height: 1fr; }
    Screen.-narrow GroupLivePanel > .live-view { display: none; }
    Screen.-narrow GroupLivePanel.-view-flow > #flow,
    Screen.-narrow GroupLivePanel.-view-calls > #waiting,
    Screen.-narrow GroupLivePanel.-view-agents > #agents { display: block; }
    Screen.-narrow GroupLivePanel.-view-flow > #flow { height: 1fr; }
    /* Live only: room for everything at once, as on a wide screen. */
    Screen.-narrow.-live-only GroupLivePanel > .live-view { display: block; }
    Screen.-narrow.-live-only GroupLivePanel > #flow { height: 7; }
    Screen GroupLivePanel.-no-flowchart > #flow,
    Screen.-narrow.-live-only GroupLivePanel.-no-flowchart > #flow { display: none; }
    """

    # Narrow, the waiting calls come first: they are what a supervisor
    # watches; the flowchart is one key (ctrl+l) away and summarised in the tab line.
    view: reactive[str] = reactive("calls")

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.flowchart_on = True
        self.stale = False
        self._tabs_text = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="live-tabs", markup=False)
        yield Flowchart(id="flow", classes="live-view")
        yield WaitingCallsTable(id="waiting", classes="live-view")
        yield AgentsTable(id="agents", classes="live-view")
        yield ServiceLevelGauge(id="live-sl")

    def on_mount(self) -> None:
        self.watch_view(self.view)

    @property
    def views(self) -> tuple[str, ...]:
        return VIEWS if self.flowchart_on else VIEWS[1:]

    def watch_view(self, view: str) -> None:
        for name in VIEWS:
            self.set_class(name == view, f"-view-{name}")

    def next_view(self) -> str:
        views = self.views
        self.view = views[(views.index(self.view) + 1) % len(views)] if self.view in views else views[0]
        return self.view

    def show(self, live: LiveGroup, group: ResponseGroup, now: float, *, stale: bool = False, as_of: str = "") -> None:
        flowchart_on = group.view.flowchart
        if flowchart_on != self.flowchart_on:
            self.flowchart_on = flowchart_on
            self.set_class(not flowchart_on, "-no-flowchart")
            if not flowchart_on and self.view == "flow":
                self.view = "calls"
        calls = live.ordered_calls()
        warning_s = group.view.wait_warning_s
        threshold_s = group.service_level.threshold_s
        waiting_table = self.query_one(WaitingCallsTable)
        agents_table = self.query_one(AgentsTable)
        waiting_table.stale = agents_table.stale = stale
        waiting_table.show(calls, now, warning_s, threshold_s)
        agents_table.show(live.agents.values(), now)
        states = [a.state for a in live.agents.values()]
        free = states.count(AgentState.FREE)
        busy = states.count(AgentState.BUSY) + states.count(AgentState.OFFERED)
        wrap_up = states.count(AgentState.WRAP_UP)
        logged_out = states.count(AgentState.LOGGED_OUT)
        longest = max((now - c.enqueued_at.timestamp() for c in calls), default=None)
        if flowchart_on:
            self.query_one(Flowchart).show(
                FlowState(
                    status=live.status,
                    flow=live.flow,
                    waiting=len(calls),
                    longest_s=None if longest is None else int(max(0.0, longest)),
                    warning_s=warning_s,
                    free=free,
                    busy=busy,
                    wrap_up=wrap_up,
                    logged_out=logged_out,
                ),
                stale=stale,
            )
        self.query_one(ServiceLevelGauge).show(
            live.sl_today,
            live.sl_last_hour,
            group.service_level.target_pct,
            live.trend_percents(now),
            stale=stale,
        )
        self._show_tabs(len(calls), longest, warning_s, free, len(states) - logged_out, stale, as_of)

    def _show_tabs(
        self, waiting: int, longest: float | None, warning_s: int, free: int, logged_in: int, stale: bool, as_of: str
    ) -> None:
        labels = {
            "flow": t("live.tab_flow"),
            "calls": t("live.tab_calls", count=waiting),
            "agents": t("live.tab_agents", free=free, logged_in=logged_in),
        }
        if longest is not None and longest > warning_s:
            # A mark, not the ticking time: the tab line stays still while calls wait.
            labels["calls"] += " " + WARN
        parts = [f"[{labels[v]}]" if v == self.view else f" {labels[v]} " for v in self.views]
        text = " ".join(parts)
        if stale:
            text = t("live.stale", as_of=as_of) + "  " + text
        if text != self._tabs_text:
            self._tabs_text = text
            tabs = self.query_one("#live-tabs", Static)
            tabs.set_class(stale, "-stale")
            tabs.update(text, layout=False)  # one line, always: no relayout
