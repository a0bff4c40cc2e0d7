"""The App's everyday-use parts: help, themes, keymap, language, palette actions.

A mixin of `VaxelApp`, kept apart so tui/app.py stays about the session and
the stream.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from tui.i18n import LANGUAGES, catalog, language, set_language, t
from tui.themes import THEMES

if TYPE_CHECKING:
    from tui.app import VaxelApp

log = logging.getLogger("vaxel.ui")


def relabel_bindings(old_language: str) -> None:
    """Give every binding of the console its description in the current language.

    Descriptions are made when the classes are defined; the catalog of the
    language they were made in tells which key each one came from.
    """
    from tui.keymap import binding_classes

    reverse = {text: key for key, text in catalog(old_language).items() if key.startswith("key.")}
    classes = binding_classes()
    for cls in classes:
        relabelled: list[Any] = []
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.description in reverse:
                binding = dataclasses.replace(binding, description=t(reverse[binding.description]))
            relabelled.append(binding)
        cls.BINDINGS = relabelled  # type: ignore[attr-defined]
    for cls in _all_subclasses(DOMNode):
        if cls.__module__.split(".")[0] in ("tui", "screens", "widgets"):
            cls._merged_bindings = cls._merge_bindings()


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


class EverydayMixin:
    """Help, themes, keymap, language and palette actions for VaxelApp."""

    def register_vaxel_themes(self: VaxelApp, theme: str) -> None:  # type: ignore[misc]
        for item in THEMES:
            self.register_theme(item)
        self._theme_problem = ""
        if theme in self.available_themes:
            self.theme = theme
        else:
            log.warning("unknown theme %r; using %s", theme, self.theme)
            self._theme_problem = t("theme.unknown", theme=theme, used=self.theme, themes=", ".join(sorted(self.available_themes)))

    def on_mount(self: VaxelApp) -> None:  # type: ignore[misc]
        # Textual calls this beside VaxelApp.on_mount (handlers run for every class in the MRO).
        if self._theme_problem:
            self.notify(self._theme_problem, severity="warning", timeout=15)

    # ------------------------------------------------------------------ help

    def action_help(self: VaxelApp) -> None:  # type: ignore[misc]
        """F1 / ?: help for the screen and the focused widget."""
        from screens.help import HelpScreen, help_for

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(help_for(self.screen)))

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        log.warning("key clash in %s: %s", type(node).__name__, ", ".join(sorted(b.id or b.action for b in clashed_bindings)))

    # ------------------------------------------------------------------ themes, language

    def switch_theme(self: VaxelApp, name: str) -> None:  # type: ignore[misc]
        self.theme = name
        self.notify(t("theme.switched", theme=name))

    def _dirty_group_screen(self: VaxelApp) -> bool:  # type: ignore[misc]
        draft = getattr(self.screen, "draft", None)
        return draft is not None and bool(getattr(draft, "dirty", False))

    def switch_language(self: VaxelApp, code: str) -> None:  # type: ignore[misc]
        """Every text in `code`: bindings relabelled, screens made again."""
        if code not in LANGUAGES or code == language():
            return
        if self._dirty_group_screen():
            self.notify(t("palette.unsaved"), severity="warning")
            return
        old = language()
        set_language(code)
        relabel_bindings(old)
        nodes: list[DOMNode] = [self]
        for screen in self.screen_stack:
            nodes += [screen, *screen.walk_children()]
        for node in nodes:
            merged = type(node)._merged_bindings
            if merged is not None:
                node._bindings = merged.copy()
        self.run_worker(self._rebuild_screens(), exclusive=True, group="language")

    async def _rebuild_screens(self: VaxelApp) -> None:  # type: ignore[misc]
        from screens.base import LiveScreen
        from screens.group import GroupScreen
        from screens.overview import OverviewScreen

        current = self.screen
        if not isinstance(current, LiveScreen):
            self.refresh_bindings()
            self.notify(t("language.switched"))
            return
        fresh_overview = OverviewScreen()
        if isinstance(current, GroupScreen):
            if self.is_screen_installed("overview"):
                self.uninstall_screen("overview")
            self.install_screen(fresh_overview, name="overview")
            await self.switch_screen(GroupScreen(current.group_id))
        else:
            await self.switch_screen(fresh_overview)
            if self.is_screen_installed("overview"):
                self.uninstall_screen("overview")
            self.install_screen(fresh_overview, name="overview")
        self.refresh_bindings()
        self.notify(t("language.switched"))

    # ------------------------------------------------------------------ palette

    def action_command_palette(self: VaxelApp) -> None:  # type: ignore[misc]
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=t("palette.placeholder"), id="--command-palette"))

    def get_system_commands(self: VaxelApp, screen: Screen[Any]) -> Iterable[SystemCommand]:  # type: ignore[misc]
        """Textual's own palette commands, in the user's language (themes, help and
        the rest are VaxelCommands')."""
        yield SystemCommand(t("palette.quit"), t("palette.quit.help"), self.action_quit)
        if screen.maximized is not None:
            yield SystemCommand(t("palette.minimize"), t("palette.minimize.help"), screen.action_minimize)
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand(t("palette.maximize"), t("palette.maximize.help"), screen.action_maximize)
        yield SystemCommand(
            t("palette.screenshot"), t("palette.screenshot.help"), lambda: self.set_timer(0.1, self.deliver_screenshot)
        )

    # ------------------------------------------------------------------ palette actions

    def palette_open_group(self: VaxelApp, group_id: int) -> None:  # type: ignore[misc]
        if self._dirty_group_screen():
            self.notify(t("palette.unsaved"), severity="warning")
            return
        self.open_group(group_id)

    def palette_overview(self: VaxelApp) -> None:  # type: ignore[misc]
        back = getattr(self.screen, "action_back", None)
        if callable(back):
            back()  # asks about unsaved edits
        else:
            self.show_overview()
