"""The key line at the bottom of every screen: one widget, drawn as one line.

Textual's `Footer` mounts a widget per key (`FooterKey`, ~30 KB each) and
mounts them all again whenever the keys on offer change (focus moves, an
action is checked): measured in the live view, ~2 MB of the console's peak
memory and a relayout of the screen each time (bench/live.md). This draws the
same line from the same source, `Screen.active_bindings`: every binding with
`show=True` once per action, dimmed when offered but not available now
(`check_action` returned None), and the command palette's key on the right.
A change of the keys on offer repaints the line; nothing is mounted.
"""
from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

#: Drawn between the keys and the command palette's key on the right.
RULE = "▏"


class KeyFooter(Widget, can_focus=False):
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--rule"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--rule {
            color: $foreground 20%;
        }
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen) -> None:
        self.refresh()

    def keys(self) -> tuple[list[tuple[str, str, bool]], tuple[str, str] | None]:
        """What the line offers: (key as shown, description, available now) in
        binding order, and the command palette's (key, description), if offered."""
        app = self.app
        active = self.screen.active_bindings
        palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
        shown: dict[str, tuple[str, str, bool]] = {}
        for key, (_node, binding, enabled, _tooltip) in active.items():
            if binding.show and key != palette_key and binding.action not in shown:
                shown[binding.action] = (app.get_key_display(binding), binding.description, enabled)
        palette = None
        if palette_key is not None and palette_key in active:
            binding = active[palette_key][1]
            palette = (app.get_key_display(binding), binding.description)
        return list(shown.values()), palette

    def render(self) -> Text:
        width = self.size.width
        keys, palette = self.keys()
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        dim = Style(dim=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        for key, description, enabled in keys:
            extra = Style() if enabled else dim
            line.append(f" {key} ", key_style + extra)
            if description:
                line.append(f"{description} ", description_style + extra)
        right = Text(no_wrap=True, end="")
        if palette is not None:
            right.append(RULE, self.get_component_rich_style("key-footer--rule", partial=True))
            right.append(f"{palette[0]} ", key_style)
            right.append(f"{palette[1]} ", description_style)
        room = max(0, width - right.cell_len)
        line.truncate(room, pad=True)
        line.append_text(right)
        return line
