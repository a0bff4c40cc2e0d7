"""What a supervisor does from a group's live panel, by key: switch the
panel's view, enlarge it, log an agent in or out, close the group
temporarily and reopen it.

A mixin of `GroupScreen` (as screens/group_edit.py and group_drafts.py are):
the backend decides (§18's rules, the permissions); the stream brings the new
state to every console.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from backend.schemas import GroupStatus
from screens.dialogs import ConfirmScreen
from tui.client import ApiError, Unreachable
from tui.i18n import t
from widgets.agents_table import AgentsTable
from widgets.live_panel import GroupLivePanel

if TYPE_CHECKING:
    from screens.group import GroupScreen as _Base
else:
    _Base = object


class SupervisorActions(_Base):
    def action_live_view(self) -> None:
        panel = self.query_one(GroupLivePanel)
        view = panel.next_view()
        if view == "calls":
            panel.query_one("#waiting").focus()
        elif view == "agents":
            panel.query_one("#agents").focus()

    def action_enlarge_live(self) -> None:
        if self.has_class("-live-only"):
            self.show_settings()
        else:
            self.add_class("-live-only")

    def on_agents_table_login_requested(self, event: AgentsTable.LoginRequested) -> None:
        self.set_agent_login(event.agent_id, event.logged_in)

    @work(group="agents")
    async def set_agent_login(self, agent_id: int, logged_in: bool) -> None:
        live = self.vaxel.store.live.get(self.group_id)
        agent = live.agents.get(agent_id) if live else None
        name = agent.name if agent else str(agent_id)
        try:
            await self.vaxel.client.set_agent_login(self.group_id, agent_id, logged_in)
        except ApiError as exc:
            self.notify(t("agents.refused", name=name, reason=exc.message), severity="error")
            return
        except Unreachable as exc:
            self.notify(t("conn.cannot_reach", reason=str(exc)), severity="error")
            return
        # The stream brings the new state; say what was done meanwhile.
        self.notify(t("agents.logged_in" if logged_in else "agents.logged_out", name=name))

    def action_toggle_closed(self) -> None:
        live = self.vaxel.store.live.get(self.group_id)
        group = self.vaxel.store.groups.get(self.group_id)
        if live is None or group is None:
            return
        closing = live.status is not GroupStatus.TEMPORARILY_CLOSED
        title = t("group.close_title" if closing else "group.reopen_title", name=group.name)
        body = t("group.close_body" if closing else "group.reopen_body", count=len(live.waiting))
        self.app.push_screen(ConfirmScreen(title, body), lambda ok: self.set_closed(closing) if ok else None)

    @work(exclusive=True, group="status")
    async def set_closed(self, closed: bool) -> None:
        try:
            result = await self.vaxel.client.set_temporarily_closed(self.group_id, closed)
        except ApiError as exc:
            self.notify(exc.message, severity="error")
            return
        except Unreachable as exc:
            self.notify(t("conn.cannot_reach", reason=str(exc)), severity="error")
            return
        self.vaxel.store.load_group(result.group)
        live = self.vaxel.store.live.get(self.group_id)
        if live is not None:
            live.status = result.group.status
        self._rebase()
        self._show_draft()
        self.notify(t("group.closed_now") if closed else t("group.reopened_now"))
