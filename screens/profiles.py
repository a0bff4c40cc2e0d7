"""The chooser at start when several servers are saved and none was chosen."""
from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.config import ConsoleConfig
from tui.i18n import t
from tui.themes import THEMES
from widgets.key_footer import KeyFooter


class ProfileChooser(App[str | None]):
    """Lists the saved servers; Enter picks one, Esc quits."""

    DEFAULT_CSS = """
    ProfileChooser { align: center middle; }
    ProfileChooser > Vertical { width: 70; max-width: 100%; height: auto; border: round $accent; padding: 0 1; }
    ProfileChooser #profile-title { text-style: bold; }
    ProfileChooser OptionList { height: auto; max-height: 16; }
    ProfileChooser #profile-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,ctrl+q", "quit_chooser", t("key.quit"), id="profiles.quit")]
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, config: ConsoleConfig, names: list[str]) -> None:
        super().__init__()
        self.config = config
        self.names = names
        for theme in THEMES:
            self.register_theme(theme)
        if config.theme in self.available_themes:
            self.theme = config.theme

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("profile.title"), id="profile-title", markup=False)
            options = []
            for name in self.names:
                profile = self.config.profiles[name]
                text = f"{name}  {profile.server}" + (f"  · {profile.description}" if profile.description else "")
                options.append(Option(text, id=name))
            yield OptionList(*options, id="profiles")
            yield Static(t("profile.hint"), id="profile-hint", markup=False)
        yield KeyFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.exit(event.option.id)

    def action_quit_chooser(self) -> None:
        self.exit(None)


def choose_profile(config: ConsoleConfig, names: list[str]) -> str | None:
    return ProfileChooser(config, names).run()
