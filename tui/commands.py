"""The command palette (ctrl+p) with the console's own commands, by context.

Everywhere: open any group, the overview, switch language, switch theme,
help. On a group screen also: jump to each settings section (the screen's
`jump_to_section(id)`), close or reopen the group temporarily (asks first),
log each agent in or out. Textual's own commands (quit, keys, screenshot…)
stay in the palette beside these.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from backend.schemas import GroupStatus
from backend.schemas.live import AgentState
from tui.i18n import LANGUAGES, language, t

if TYPE_CHECKING:
    from tui.app import VaxelApp

Command = tuple[str, Callable[[], object], str]


def when_shown(screen: Screen[object], action: Callable[[], object], tries: int = 50) -> None:
    """Run `action` once `screen` is the active screen again (the palette closes
    asynchronously; a section builds its fields only on the shown screen)."""
    if screen.app.screen is screen:
        # From a timer, not from a batch of after-refresh callbacks: a
        # section's build() schedules its own after-refresh work, which would
        # otherwise run in the same batch, before its fields exist.
        screen.app.set_timer(0.2, action)
    elif tries > 0 and screen.is_attached:
        screen.app.set_timer(0.02, partial(when_shown, screen, action, tries - 1))


class VaxelCommands(Provider):
    @property
    def vaxel(self) -> VaxelApp:
        return self.app  # type: ignore[return-value]

    def commands(self) -> Iterator[Command]:
        app = self.vaxel
        screen = self.screen
        group_id = getattr(screen, "group_id", None)
        if group_id is not None:
            yield from self._group_commands(group_id)
        for summary in sorted(app.store.summaries.values(), key=lambda s: s.name.casefold()):
            if summary.id != group_id:
                yield (t("palette.open_group", name=summary.name), partial(app.palette_open_group, summary.id), t("palette.open_group.help"))
        if group_id is not None:
            yield (t("palette.overview"), app.palette_overview, t("palette.overview.help"))
        for code in LANGUAGES:
            if code != language():
                yield (t("palette.language", language=t(f"language.{code}")), partial(app.switch_language, code), t("palette.language.help", code=code))
        for name in sorted(app.available_themes):
            if name != app.theme:
                yield (t("palette.theme", theme=name), partial(app.switch_theme, name), t("palette.theme.help", theme=name))
        yield (t("palette.help"), app.action_help, t("palette.help.help"))

    def _group_commands(self, group_id: int) -> Iterator[Command]:
        app, screen = self.vaxel, self.screen
        jump = getattr(screen, "jump_to_section", None)
        if callable(jump):
            from tui.sections import SECTIONS

            for spec in SECTIONS:
                title = f"§{spec.seed_section} {t(spec.title)}"
                later = partial(when_shown, screen, partial(jump, spec.id))
                yield (t("palette.jump", section=title), later, t("palette.jump.help"))
        group = app.store.groups.get(group_id) or app.store.summaries.get(group_id)
        live = app.store.live.get(group_id)
        status = live.status if live is not None else (group.status if group is not None else None)
        toggle = getattr(screen, "action_toggle_closed", None)
        if group is not None and callable(toggle):
            key = "palette.reopen_group" if status is GroupStatus.TEMPORARILY_CLOSED else "palette.close_group"
            yield (t(key, name=group.name), toggle, t("palette.close_group.help"))
        set_login = getattr(screen, "set_agent_login", None)
        if live is not None and callable(set_login):
            for agent in sorted(live.agents.values(), key=lambda a: a.name.casefold()):
                logged_out = agent.state is AgentState.LOGGED_OUT
                key = "palette.agent_login" if logged_out else "palette.agent_logout"
                yield (t(key, name=agent.name), partial(set_login, agent.id, logged_out), t("palette.agent.help"))

    async def discover(self) -> Hits:
        for text, callback, help_text in self.commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)
