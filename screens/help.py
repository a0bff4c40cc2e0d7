"""Help where you are (F1 or ?): what this screen and the focused widget show,
every key that works here, and for a settings section the seed's explanation.

Keys come from the screen's active bindings at the moment help was asked for
(the focused widget's, its parents', the screen's and the app's, after the
user's keymap), never from a list kept by hand. Topics come from the focus
chain: a widget (or screen) with a `help_topic()` method gives its own text; a
widget with the id `section-<id>` is a settings section, explained by the
i18n key `seed.<id>`; other widgets and screens by `help.widget.<Class>` and
`help.screen.<Class>` when those keys exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.i18n import maybe, t
from widgets.key_footer import KeyFooter


@dataclass
class HelpContent:
    title: str
    topics: list[str] = field(default_factory=list)
    #: (keys as shown, what they do), in the order of the binding chain.
    keys: list[tuple[str, str]] = field(default_factory=list)


def topic_of(node: DOMNode) -> str | None:
    own = getattr(node, "help_topic", None)
    if callable(own):
        text = own()
        if text:
            return str(text)
    node_id = node.id or ""
    if node_id.startswith("section-"):
        return maybe(f"seed.{node_id.removeprefix('section-')}")
    kind = "screen" if isinstance(node, Screen) else "widget"
    return maybe(f"help.{kind}.{type(node).__name__}")


def describe(binding: Binding) -> str:
    """What a binding does, in the user's language: ours are translated already;
    Textual's own (Input, scrolling, focus…) by their action (`builtin.<action>`)."""
    action = binding.action.split(".")[-1].replace("(True)", "_select")
    translated = maybe(f"builtin.{action}") if binding.id is None else None
    return translated or binding.description or binding.tooltip or binding.action


def keys_of(screen: Screen) -> list[tuple[str, str]]:
    """Every enabled key of the screen now, merged by what it does: the
    console's own keys first (they carry ids), then Textual's (editing,
    scrolling, focus)."""
    app = screen.app
    merged: dict[tuple[bool, str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not active.enabled:
            continue
        display = app.get_key_display(binding.with_key(key)) if key != binding.key else app.get_key_display(binding)
        item = (binding.id is None, binding.id or binding.action, describe(binding))
        displays = merged.setdefault(item, [])
        if display not in displays:
            displays.append(display)
    order = sorted(merged, key=lambda item: item[0])  # stable: chain order within each part
    return [(" / ".join(merged[item]), item[2]) for item in order]


def help_for(screen: Screen) -> HelpContent:
    """What help shows for `screen` and the widget focused on it."""
    content = HelpContent(title=t("help.title"))
    seen: set[str] = set()
    chain: list[DOMNode] = []
    node: DOMNode | None = screen.focused
    while node is not None and node is not screen:
        chain.append(node)
        node = node.parent  # type: ignore[assignment]
    for item in [screen, *reversed(chain)]:
        text = topic_of(item)
        if text and text not in seen:
            seen.add(text)
            content.topics.append(text)
    content.keys = keys_of(screen)
    return content


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $panel; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; }
    HelpScreen VerticalScroll { height: auto; max-height: 20; }
    HelpScreen .help-topic { padding-bottom: 1; }
    HelpScreen #help-keys-title { text-style: bold; }
    """

    BINDINGS = [
        Binding("escape,f1,question_mark,q", "close", t("key.close"), id="help.close"),
        Binding("up,k", "scroll(-1)", t("key.up"), show=False, id="help.up"),
        Binding("down,j", "scroll(1)", t("key.down"), show=False, id="help.down"),
        Binding("pageup", "scroll(-10)", t("key.page_up"), show=False, id="help.page_up"),
        Binding("pagedown,space", "scroll(10)", t("key.page_down"), show=False, id="help.page_down"),
    ]

    def __init__(self, content: HelpContent) -> None:
        super().__init__()
        self.content = content

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.content.title, id="help-title", markup=False)
            with VerticalScroll(id="help-body", can_focus=False):
                for text in self.content.topics:
                    yield Static(text, classes="help-topic", markup=False)
                yield Static(t("help.keys_here"), id="help-keys-title", markup=False)
                width = max((len(k) for k, _ in self.content.keys), default=0)
                lines = [f"{keys.ljust(width)}  {what}" for keys, what in self.content.keys]
                yield Static("\n".join(lines) or t("help.no_keys"), id="help-keys", markup=False)
        yield KeyFooter()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
