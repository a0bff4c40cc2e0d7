"""Help where you are, the command palette, keymaps, themes, language: the real app
through Pilot against the real backend."""
from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from screens.group import GroupScreen
from screens.help import HelpScreen, describe
from screens.overview import OverviewScreen
from tests.console import in_thread, toasts, until
from tests.server import RunningServer
from tests.test_console import open_group
from tui.app import VaxelApp
from tui.client import VaxelClient
from tui.i18n import catalog, set_language
from tui.keymap import all_bindings, binding_classes


def app_for(server: RunningServer, **kwargs) -> VaxelApp:  # noqa: ANN003
    return VaxelApp(VaxelClient(server.url), credentials=("admin", "admin"), server_label="test", **kwargs)


@pytest.fixture
def keep_bindings():  # noqa: ANN201
    """Switching language relabels the classes' bindings: put them back afterwards."""
    from textual.dom import DOMNode

    from tui.everyday import _all_subclasses

    classes = [c for c in _all_subclasses(DOMNode) if c.__module__.split(".")[0] in ("tui", "screens", "widgets")]
    saved = {c: (c.__dict__.get("BINDINGS"), c._merged_bindings) for c in classes}
    yield
    for cls, (bindings, merged) in saved.items():
        if bindings is not None:
            cls.BINDINGS = bindings
        cls._merged_bindings = merged
    set_language("en")


# ---------------------------------------------------------------- binding ids


def test_every_binding_of_every_screen_and_widget_has_a_unique_id() -> None:
    names = {cls.__name__ for cls in binding_classes()}
    assert {"VaxelApp", "OverviewScreen", "GroupScreen", "LoginScreen", "ConfirmScreen", "HelpScreen", "LiveTable", "AgentsTable"} <= names
    bindings = all_bindings()
    assert len(bindings) >= 25
    missing = [f"{b.owner.__name__}: {b.binding.key} → {b.binding.action}" for b in bindings if not b.binding.id]
    assert missing == []
    ids = [b.binding.id for b in bindings]
    assert len(ids) == len(set(ids)), "binding ids must be unique"
    for b in bindings:
        prefix = b.binding.id.split(".")[0]
        assert prefix and "." in b.binding.id, b.binding.id


# ---------------------------------------------------------------- help


def shown_keys(screen: HelpScreen) -> str:
    return str(screen.query_one("#help-keys", Static).content)


def topics(screen: HelpScreen) -> list[str]:
    return [str(s.content) for s in screen.query(".help-topic")]


async def test_f1_and_question_mark_open_help_for_the_overview(server: RunningServer) -> None:
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        active = {describe(b.binding) for b in app.screen.active_bindings.values() if not b.binding.system and b.enabled}
        assert len(active) >= 8
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert topics(help_screen)[0] == catalog("en")["help.screen.OverviewScreen"]
        keys = shown_keys(help_screen)
        # Every key active on the overview, and nothing kept by hand.
        for description in active:
            assert description in keys
        lines = keys.splitlines()
        first = {line.split()[0]: i for i, line in reversed(list(enumerate(lines)))}
        assert first["n"] < first["tab"]  # the console's own keys before Textual's
        assert any(line.startswith("^q ") for line in lines)
        assert any(line.startswith("tab ") and "Next field" in line for line in lines)  # Textual's, translated
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))


async def test_help_in_a_settings_section_explains_it_from_the_seed_in_swedish(server: RunningServer) -> None:
    set_language("sv")
    try:
        app = app_for(server)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_group(pilot, "Växel")
            screen.jump_to_section("service_level")
            await until(pilot, lambda: isinstance(app.focused, Input) and "section-service_level" in [n.id for n in app.focused.ancestors])
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            texts = topics(app.screen)
            assert texts[0] == catalog("sv")["help.screen.GroupScreen"]
            assert catalog("sv")["seed.service_level"] in texts
            assert "8 av 10 samtal inom 90 sekunder = 80 % servicenivå." in texts[-1]
            keys = shown_keys(app.screen)
            assert "^s" in keys  # save works here
    finally:
        set_language("en")


async def test_help_shows_keys_as_the_user_rebound_them(server: RunningServer) -> None:
    app = app_for(server, keymap={"overview.sort_wait": "v"})
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await pilot.press("v")
        await until(pilot, lambda: app.screen.sort == "wait")
        await pilot.press("w")
        await pilot.pause()
        assert app.screen.sort == "wait"  # w no longer sorts
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        line = next(text for text in shown_keys(app.screen).splitlines() if catalog("en")["key.sort_wait"] in text)
        assert line.split()[0] == "v"


# ---------------------------------------------------------------- palette


async def palette(pilot, text: str) -> None:  # noqa: ANN001
    from textual.command import CommandPalette

    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*text)
    await until(pilot, lambda: app.screen.query("CommandList").first().option_count > 0 and text.lower() in str(app.screen.query("CommandList").first().get_option_at_index(0).prompt).lower())
    await pilot.press("down", "enter")


async def test_palette_opens_groups_jumps_to_sections_and_closes_a_group(server: RunningServer) -> None:
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and len(app.store.summaries) > 1)
        await palette(pilot, "open group Växel")
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
        assert app.store.groups[app.screen.group_id].name == "Växel"
        await palette(pilot, "jump to section §15 Service level")
        await until(pilot, lambda: app.focused is not None and "section-service_level" in [n.id for n in app.focused.ancestors])
        await palette(pilot, "close group Växel temporarily")
        from screens.dialogs import ConfirmScreen

        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        group_id = app.screen.group_id
        with server.client() as api:
            state = (await in_thread(api.get, f"/response-groups/{group_id}")).json()
            for _ in range(50):
                if state["status"] == "temporarily_closed":
                    break
                await pilot.pause(0.1)
                state = (await in_thread(api.get, f"/response-groups/{group_id}")).json()
            assert state["status"] == "temporarily_closed"


async def test_palette_logs_an_agent_out(server: RunningServer) -> None:
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group(pilot, "Växel")
        await until(pilot, lambda: app.store.live.get(screen.group_id) is not None and app.store.live[screen.group_id].agents)
        agent = sorted(app.store.live[screen.group_id].agents.values(), key=lambda a: a.name.casefold())[0]
        assert agent.state.value != "logged_out"
        await palette(pilot, f"log agent {agent.name} out")
        with server.client() as api:
            async def state() -> str:
                live = (await in_thread(api.get, f"/response-groups/{screen.group_id}/live")).json()
                return next(a["state"] for a in live["agents"] if a["id"] == agent.id)

            for _ in range(50):
                if await state() == "logged_out":
                    break
                await pilot.pause(0.1)
            assert await state() == "logged_out"


async def test_palette_switches_theme_and_language(server: RunningServer, keep_bindings: None) -> None:
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.store.summaries)
        await palette(pilot, "switch theme to vaxel-high-contrast")
        await until(pilot, lambda: app.theme == "vaxel-high-contrast")
        await palette(pilot, "switch language to Svenska")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and "Sortera" in str(app.screen.query_one("#overview-hint", Static).content))
        footer_keys = {b.binding.description for b in app.screen.active_bindings.values()}
        assert catalog("sv")["key.sort_wait"] in footer_keys and catalog("en")["key.sort_wait"] not in footer_keys
        await palette(pilot, "byt språk till English")
        await until(pilot, lambda: catalog("en")["key.sort_wait"] in {b.binding.description for b in app.screen.active_bindings.values()})


# ---------------------------------------------------------------- themes, NO_COLOR


async def test_theme_from_config_and_an_unknown_one(server: RunningServer) -> None:
    app = app_for(server, theme="vaxel-high-contrast")
    async with app.run_test(size=(80, 24)):
        assert app.theme == "vaxel-high-contrast"
        assert app.current_theme.background == "#000000"
    other = app_for(server, theme="no-such-theme")
    async with other.run_test(size=(80, 24)) as pilot:
        assert other.theme == "textual-dark"
        await until(pilot, lambda: any("No theme called no-such-theme" in m for m in toasts(other)))


async def test_no_color_is_monochrome_and_warnings_keep_their_marks(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.filter import Monochrome, NoColor

    from widgets.group_board import GroupBoard

    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color and any(isinstance(f, (Monochrome, NoColor)) for f in app._filters)  # noqa: SLF001
        with server.client() as api:
            summary = (await in_thread(api.get, "/response-groups/2")).json()
            live = (await in_thread(api.get, "/response-groups/2/live")).json()
            for agent in live["agents"]:
                await in_thread(api.post, f"/response-groups/2/agents/{agent['id']}/logout")
            await in_thread(api.post, "/pbx/calls", json={"group_id": 2, "caller": "+46703333333"})
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.store.summaries[2].waiting == 1)
        server.clock.advance(summary["view"]["wait_warning_s"] + 5)
        app.client.clock.offset += summary["view"]["wait_warning_s"] + 5
        board = app.screen.query_one(GroupBoard)
        await until(pilot, lambda: board.cell(2, "longest").text.startswith("!"), timeout=5)


def test_every_settings_section_has_the_seeds_explanation_in_both_languages() -> None:
    from tui.sections import SECTIONS

    assert SECTIONS
    for lang in ("sv", "en"):
        missing = [spec.id for spec in SECTIONS if f"seed.{spec.id}" not in catalog(lang)]
        assert missing == [], lang
    for spec in SECTIONS:
        assert catalog("sv")[f"seed.{spec.id}"].startswith(f"§{spec.seed_section} ")


async def test_f1_works_in_a_dialog_too(server: RunningServer) -> None:
    from screens.dialogs import ConfirmScreen

    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_group(pilot, "Växel")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert topics(app.screen) == [catalog("en")["help.screen.ConfirmScreen"]]
        keys = shown_keys(app.screen).splitlines()
        assert keys[0].split()[:3] == ["y", "/", "⏎"] and keys[0].endswith("Yes")
        assert any(line.startswith("n / esc") and line.endswith("No") for line in keys)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))


async def test_the_palette_speaks_swedish_too(server: RunningServer) -> None:
    from textual.command import CommandPalette

    set_language("sv")
    try:
        app = app_for(server)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.store.summaries)
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))
            assert app.screen.query_one(Input).placeholder == "Sök kommandon…"
            commands = app.screen.query("CommandList").first()
            await until(pilot, lambda: commands.option_count > 5)
            prompts = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
            assert any(p.startswith("Avsluta") for p in prompts) and any("Öppna gruppen Växel" in p for p in prompts)
            assert not any(p.startswith(("Quit", "Theme", "Keys")) for p in prompts), prompts
    finally:
        set_language("en")


def test_every_screen_has_a_help_text_in_both_languages() -> None:
    from textual.screen import Screen

    from screens.profiles import ProfileChooser  # noqa: F401  (an App, not a screen)

    screens = [cls for cls in binding_classes() if issubclass(cls, Screen) and cls.__name__ != "HelpScreen"]
    assert len(screens) >= 5
    for lang in ("sv", "en"):
        missing = [cls.__name__ for cls in screens if f"help.screen.{cls.__name__}" not in catalog(lang)]
        assert missing == [], lang
