"""A group's agents: state, time in it, wrap-up countdown, calls handled today.

Supervisor actions are keys on the table (log the agent under the cursor in or
out); the table only asks, with a message, and the screen calls the backend,
which decides (§18, and who supervises the group).
"""
from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.message import Message

from backend.schemas.live import AgentLive, AgentState
from tui.i18n import fmt_duration, t
from widgets.live_table import Cell, Column, LiveTable

STATE_STYLE = {
    AgentState.FREE: "ok",
    AgentState.OFFERED: "alert",
    AgentState.BUSY: "strong",
    AgentState.WRAP_UP: "alert",
    AgentState.LOGGED_OUT: "muted",
}


def fmt_in_state(seconds: float) -> str:
    """Whole minutes: a quiet group repaints once a minute, not every second
    (the wrap-up countdown, which matters by the second, has its own column).

    SI units, the same in Swedish and English.
    """
    s = max(0, int(seconds))
    if s < 60:
        return "<1 min"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600}:{s % 3600 // 60:02d} h"


def agent_cells(agent: AgentLive, now: float) -> tuple[Cell, ...]:
    style = STATE_STYLE.get(agent.state, "")
    in_state = max(0.0, now - agent.since.timestamp())
    wrap_up = ""
    if agent.state is AgentState.WRAP_UP and agent.wrap_up_until is not None:
        wrap_up = fmt_duration(max(0.0, agent.wrap_up_until.timestamp() - now) + 0.999)
    return (
        Cell(agent.name, "muted" if agent.state is AgentState.LOGGED_OUT else ""),
        Cell(t(f"agent.{agent.state.value}"), style),
        Cell(fmt_in_state(in_state), "muted" if agent.state is AgentState.LOGGED_OUT else ""),
        Cell(wrap_up, "alert" if wrap_up else ""),
        Cell(str(agent.handled_today)),
    )


class AgentsTable(LiveTable):
    BINDINGS = [
        Binding("i", "set_login(True)", t("key.agent_login"), id="agents.login"),
        Binding("o", "set_login(False)", t("key.agent_logout"), id="agents.logout"),
    ]

    class LoginRequested(Message):
        """Log the agent in to (or out of) the group shown."""

        def __init__(self, agent_id: int, logged_in: bool) -> None:
            super().__init__()
            self.agent_id = agent_id
            self.logged_in = logged_in

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(
            [
                Column("name", t("col.agent"), 0, min_width=12),
                Column("state", t("col.agent_state"), 11),
                Column("since", t("col.in_state"), 7, align="right"),
                Column("wrap_up", t("col.wrap_up"), 7, align="right"),
                Column("handled", t("col.handled"), 5, align="right"),
            ],
            empty_text=t("agents.none"),
            loading_text=t("group.loading"),
            **kwargs,
        )

    def show(self, agents: Iterable[AgentLive], now: float) -> None:
        ordered = sorted(agents, key=lambda a: (a.name.casefold(), a.id))
        self.set_rows([(agent.id, agent_cells(agent, now)) for agent in ordered])

    def action_set_login(self, logged_in: bool) -> None:
        if self.cursor_key is not None:
            self.post_message(self.LoginRequested(int(self.cursor_key), logged_in))  # type: ignore[call-overload]
