"""The console through Pilot, against the real backend on loopback."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from textual.widgets import Input

from screens.group import GroupScreen
from screens.overview import OverviewScreen
from tests.console import console, in_thread, until
from tests.server import RunningServer
from widgets.group_board import GroupBoard
from widgets.live_table import LiveTable
from widgets.waiting_calls import WaitingCallsTable


def row_texts(table: LiveTable) -> list[list[str]]:
    return [[c.text for c in table.cells_of(key)] for key in table._keys]  # noqa: SLF001


async def open_group(pilot, name: str) -> GroupScreen:  # noqa: ANN001
    app = pilot.app
    await until(
        pilot,
        lambda: isinstance(app.screen, OverviewScreen)
        and name in [row[0] for row in row_texts(app.screen.query_one(GroupBoard))],
    )
    board = app.screen.query_one(GroupBoard)
    names = [row[0] for row in row_texts(board)]
    board.focus()
    board.cursor_row = names.index(name)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
    return app.screen


async def test_overview_lists_every_group_with_live_figures(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
        rows = row_texts(app.screen.query_one(GroupBoard))
        assert [r[0] for r in rows] == sorted([r[0] for r in rows], key=str.casefold)
        board = app.screen.query_one(GroupBoard)
        assert board.cell(1, "name").text == "Kundtjänst"
        assert board.cell(1, "number").text == "+46812345600"
        assert board.cell(1, "status").text == "Open"
        # The figures paint first; the stream connects right after.
        await until(pilot, lambda: app.connection == "live")


async def test_overview_updates_live_when_a_call_arrives(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
        await until(pilot, lambda: app.connection == "live")
        with server.client() as api:
            await in_thread(api.post, "/pbx/calls", json={"group_id": 3, "caller": "+46701111111"})
            await in_thread(api.post, "/response-groups/3/close")
        board = app.screen.query_one(GroupBoard)
        await until(pilot, lambda: board.cell(3, "waiting").text == "1", message="queue count 1")
        await until(pilot, lambda: board.cell(3, "status").text == "Temp closed")


async def test_open_group_edit_name_and_save(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group(pilot, "Växel")
        name_input = screen.query_one("#field-name Input", Input)
        name_input.focus()
        name_input.value = "Växeln"
        await pilot.pause()
        assert screen.draft.edits == {"name": "Växeln"}
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: screen.draft is not None and not screen.draft.dirty and screen.draft.base.name == "Växeln")
        with server.client() as api:
            assert (await in_thread(api.get, "/response-groups/2")).json()["name"] == "Växeln"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await until(pilot, lambda: "Växeln" in [r[0] for r in row_texts(app.screen.query_one(GroupBoard))])


async def test_invalid_value_is_shown_beside_the_field_and_not_sent(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group(pilot, "Växel")
        section = screen.query_one("#section-service_level")
        section.focus_first_field()
        await until(pilot, lambda: screen.query("#field-service_level-threshold_s Input"))
        field = screen.query_one("#field-service_level-threshold_s Input", Input)
        field.value = "5000"
        await pilot.pause()
        error = screen.query_one("#field-service_level-threshold_s .field-error")
        assert "at most 3600" in str(error.render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "GroupScreen"  # no preview: nothing valid to send
        assert screen.draft.edits == {"service_level.threshold_s": 5000}
        with server.client() as api:
            assert (await in_thread(api.get, "/response-groups/2")).json()["service_level"]["threshold_s"] == 90


async def test_change_from_elsewhere_appears_within_a_second(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group(pilot, "Växel")
        await until(pilot, lambda: app.connection == "live")
        with server.client() as api:
            etag = (await in_thread(api.get, "/response-groups/2")).headers["etag"]
            response = await in_thread(
                lambda: api.patch("/response-groups/2", json={"view": {"wait_warning_s": 42}}, headers={"If-Match": etag})
            )
            assert response.status_code == 200
        await until(pilot, lambda: screen.draft.base.view.wait_warning_s == 42, timeout=1.0)


async def test_supervisor_sees_settings_read_only(server: RunningServer) -> None:
    app = console(server, "supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group(pilot, "Växel")
        assert screen.query_one("#read-only-note")
        name_input = screen.query_one("#field-name Input", Input)
        assert name_input.disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "GroupScreen"


async def test_waiting_call_ticks_and_turns_red_past_the_warning(server: RunningServer) -> None:
    local = {"now": 1_000_000.0}
    app = console(server, local_time=lambda: local["now"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group(pilot, "Växel")
        with server.client() as api:
            # Nobody free to answer: log the group's agents out first.
            live = (await in_thread(api.get, "/response-groups/2/live")).json()
            for agent in live["agents"]:
                await in_thread(api.post, f"/response-groups/2/agents/{agent['id']}/logout")
            await in_thread(api.post, "/pbx/calls", json={"group_id": 2, "caller": "+46702222222"})
        table = screen.query_one(WaitingCallsTable)
        await until(pilot, lambda: table.row_count == 1)
        [key] = table._keys  # noqa: SLF001
        position, caller, wait = (table.cell(key, c).text for c in ("position", "caller", "wait"))
        assert (position, caller, wait) == ("1", "+46702222222", "0:00")
        # Växel warns after 30 s: move both clocks 31 s on.
        server.clock.advance(31)
        local["now"] += 31
        await until(pilot, lambda: table.cell(key, "wait").text == "! 0:31", timeout=3)
        assert table.cell(key, "wait").style == "warning"


async def test_leaving_a_group_before_it_has_loaded_is_safe(server: RunningServer) -> None:
    """Enter and Esc in quick succession: answers that arrive for the screen
    being left are not drawn (the console once failed on them: NoMatches)."""
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
        first = int(app.screen.query_one(GroupBoard).cursor_key)
        await until(pilot, lambda: first in app.store.groups, message="the highlighted group fetched ahead")
        for delay in (0, 0.001, 0.005, 0.02, 0.05, 0.1):
            app.open_group(first)
            await asyncio.sleep(delay)
            app.show_overview()
            await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        await pilot.pause(0.5)
        assert app.is_running and app._exception is None  # noqa: SLF001
        app.open_group(first)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.query("#field-name Input"))


async def test_the_collector_is_on_again_once_the_first_screen_is_up(server: RunningServer) -> None:
    """`vaxel` starts with the cyclic collector off (tui/cli.py run()); the console
    must turn it on, or a long-running console would never collect a cycle."""
    import gc

    app = console(server)
    gc.disable()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
            await until(pilot, gc.isenabled, message="collector on after the overview")
    finally:
        gc.enable()


def test_every_command_but_the_console_runs_with_the_collector_on(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from tui import cli

    seen: list[bool] = []
    monkeypatch.setattr("tui.config_cmd.run_config", lambda *_args: seen.append(gc.isenabled()) or 0)
    monkeypatch.setattr("sys.argv", ["vaxel", "config", "path"])
    assert cli.run() == 0
    assert seen == [True] and gc.isenabled()
