"""Live supervision through Pilot, against the real backend with its engine on a FakeClock."""
from __future__ import annotations

import pytest

from tests.console import console, in_thread, toasts
from tests.live_helpers import (
    JOUR,
    SUPPORT,
    VAXEL,
    Clocks,
    call,
    eventually,
    group_screen,
    log_out_everyone,
    overview_ready,
    row_of,
    row_texts,
)
from tests.server import RunningServer
from widgets.agents_table import AgentsTable
from widgets.flowchart import Flowchart
from widgets.key_footer import KeyFooter
from widgets.group_board import GroupBoard
from widgets.live_panel import GroupLivePanel
from widgets.service_level import ServiceLevelGauge
from widgets.waiting_calls import WaitingCallsTable



async def test_waiting_call_turns_red_past_the_warning_then_gets_the_sl_mark(server: RunningServer) -> None:
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    with server.client() as api:
        await in_thread(log_out_everyone, api, VAXEL)
        await in_thread(call, api, VAXEL, "+46702222222")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        panel = screen.query_one(GroupLivePanel)
        assert panel.view == "calls", "narrow, the waiting calls come first"
        table = screen.query_one(WaitingCallsTable)
        await eventually(pilot, lambda: table.row_count == 1)
        [key] = table._keys  # noqa: SLF001
        assert [table.cell(key, c).text for c in ("position", "caller", "wait", "mark")] == ["1", "+46702222222", "0:00", ""]
        assert table.cell(key, "wait").style == ""

        # Växel warns after 30 s; its service-level threshold is 90 s.
        clocks.advance(31)
        await eventually(pilot, lambda: table.cell(key, "wait").text == "! 0:31", "red after 30 s")
        assert all(cell.style == "warning" for cell in table.cells_of(key))

        clocks.advance(76 - 31)
        await eventually(pilot, lambda: table.cell(key, "mark").text == "SL 14s", "SL countdown 15 s before")
        clocks.advance(91 - 76)
        await eventually(pilot, lambda: table.cell(key, "mark").text == "SL missed")

        await pilot.press("ctrl+l", "ctrl+l")  # calls -> agents -> flowchart
        lines = screen.query_one(Flowchart).text_lines()
        assert "1 waiting" in lines[1] and "! max 1:31" in lines[2], lines


async def test_agent_in_wrap_up_shows_the_countdown(server: RunningServer) -> None:
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    with server.client() as api:
        agents = await in_thread(log_out_everyone, api, VAXEL)
        elin = next(a for a in agents if a["name"] == "Elin Sjö")
        assert (await in_thread(api.post, f"/response-groups/{VAXEL}/agents/{elin['id']}/login")).status_code == 200
        call_id = await in_thread(call, api, VAXEL, "+46703333333")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        await pilot.press("ctrl+l")  # calls -> agents
        table = screen.query_one(AgentsTable)
        assert screen.focused is table
        await eventually(pilot, lambda: row_of(table, "Elin Sjö")[1] == "Ringing")

        with server.client() as api:
            response = await in_thread(api.post, f"/pbx/calls/{call_id}/reject", json={"agent_id": elin["id"]})
            assert response.status_code == 200
        # Rejected calls give 15 s of wrap-up (§11 Bearbetningstider).
        await eventually(pilot, lambda: row_of(table, "Elin Sjö")[1:4] == ["Wrap-up", "<1 min", "0:15"])
        assert table.cells_of(elin["id"])[3].style == "alert"
        clocks.advance(5)
        await eventually(pilot, lambda: row_of(table, "Elin Sjö")[1:4] == ["Wrap-up", "<1 min", "0:10"])
        clocks.advance(10)
        # Wrap-up over: the waiting call rings at her again.
        await eventually(pilot, lambda: row_of(table, "Elin Sjö")[1:4] == ["Ringing", "<1 min", ""])


async def test_supervisor_logs_an_agent_out_and_in_by_key(server: RunningServer) -> None:
    app = console(server, "supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        await pilot.press("ctrl+l")  # calls -> agents
        table = screen.query_one(AgentsTable)
        await eventually(pilot, lambda: table.row_count == 2)
        assert table.cursor_key is not None
        name = row_texts(table)[0][0]
        assert "o Log out agent" in " ".join(b.description and f"{b.key} {b.description}" for _, b, _, _ in screen.active_bindings.values())
        await pilot.press("o")
        await eventually(pilot, lambda: row_of(table, name)[1] == "Logged out", "logged out by key")
        with server.client() as api:
            live = (await in_thread(api.get, f"/response-groups/{VAXEL}/live")).json()
        assert next(a for a in live["agents"] if a["name"] == name)["state"] == "logged_out"
        await pilot.press("i")
        await eventually(pilot, lambda: row_of(table, name)[1] == "Free", "logged in by key")


async def test_service_level_and_its_trend_follow_finished_calls(server: RunningServer) -> None:
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        gauge = screen.query_one(ServiceLevelGauge)
        assert gauge.plain.startswith("SL today – target 80%")
        with server.client() as api:
            call_id = await in_thread(call, api, VAXEL, "+46704444444")
            live = (await in_thread(api.get, f"/response-groups/{VAXEL}/live")).json()
            ringing_at = next(a["id"] for a in live["agents"] if a["state"] == "offered")
            clocks.advance(20)
            await in_thread(api.post, f"/pbx/calls/{call_id}/answer", json={"agent_id": ringing_at})
            clocks.advance(60)
            await in_thread(api.post, f"/pbx/calls/{call_id}/end", json={})
        await eventually(pilot, lambda: gauge.plain.startswith("SL today 1/1 = 100%"), "SL from the event")
        # The trend follows from the same call's end (it may land a frame later).
        await eventually(pilot, lambda: gauge.plain.endswith("·" * 15 + "█"), "trend from the event")
        # A fresh snapshot (the screen opened again) has the same trend, from the call history.
        await pilot.press("escape")
        screen = await group_screen(pilot, VAXEL)
        gauge = screen.query_one(ServiceLevelGauge)
        await eventually(pilot, lambda: gauge.plain.endswith("·" * 15 + "█"), "trend from the snapshot")


async def test_flowchart_follows_the_view_setting_and_live_only_hides_the_settings(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        panel = screen.query_one(GroupLivePanel)
        assert panel.view == "calls" and not screen.query_one(Flowchart).display
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert not screen.query_one("#settings").display
        assert screen.query_one(Flowchart).display, "live only shows every view"
        assert panel.size.height > 18
        await pilot.press("ctrl+o")
        with server.client() as api:
            etag = (await in_thread(api.get, f"/response-groups/{VAXEL}")).headers["etag"]
            response = await in_thread(
                lambda: api.patch(f"/response-groups/{VAXEL}", json={"view": {"flowchart": False}}, headers={"If-Match": etag})
            )
            assert response.status_code == 200
        await eventually(pilot, lambda: panel.view == "calls" and not screen.query_one(Flowchart).display)
        await pilot.press("ctrl+l")
        assert panel.view == "agents"
        await pilot.press("ctrl+l")
        assert panel.view == "calls"  # no flowchart in the cycle now


async def test_wallboard_sorts_by_longest_wait_and_by_service_level(server: RunningServer) -> None:
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    with server.client() as api:
        await in_thread(log_out_everyone, api, SUPPORT)
        await in_thread(log_out_everyone, api, VAXEL)
        await in_thread(call, api, SUPPORT, "+46705555555")
        clocks.advance(20)
        await in_thread(call, api, VAXEL, "+46706666666")
        clocks.advance(20)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await overview_ready(pilot)
        board = screen.query_one(GroupBoard)
        names = lambda: [row[0] for row in row_texts(board)]  # noqa: E731
        assert names() == sorted(names(), key=str.casefold)
        await pilot.press("w")
        await eventually(pilot, lambda: names()[:2] == ["Teknisk support", "Växel"], "longest wait first")
        assert board.cell(SUPPORT, "longest").text == "0:40"
        assert board.cell(VAXEL, "longest").text == "0:20"
        clocks.advance(15)
        await eventually(pilot, lambda: board.cell(VAXEL, "longest").text == "! 0:35")
        assert board.cell(VAXEL, "longest").style == "warning"

        with server.client() as api:
            # Kundtjänst: one answered at once (100 %); Jour: one answered after 95 s (0 %).
            # (Jour has no overflow in the demo, so the call stays for the 95 s.)
            for group_id, wait in ((1, 0), (JOUR, 95)):
                call_id = await in_thread(call, api, group_id, "+4670777777" + str(group_id))
                clocks.advance(wait)
                # Ringing moves on after 30 s unanswered: ask who it rings at now.
                live = (await in_thread(api.get, f"/response-groups/{group_id}/live")).json()
                agent = next(a["id"] for a in live["agents"] if a["state"] == "offered")
                answered = await in_thread(api.post, f"/pbx/calls/{call_id}/answer", json={"agent_id": agent})
                assert answered.status_code == 200, answered.text
                await in_thread(api.post, f"/pbx/calls/{call_id}/end", json={})
        await pilot.press("s")
        await eventually(pilot, lambda: names()[:2] == ["Jour", "Kundtjänst"], "lowest service level first")
        assert board.cell(JOUR, "sl").text == "!0/1 = 0%" and board.cell(JOUR, "sl").style == "alert"
        await pilot.press("n")
        await eventually(pilot, lambda: names() == sorted(names(), key=str.casefold))


async def test_wait_alert_flashes_when_a_group_crosses_its_threshold(server: RunningServer) -> None:
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    app.wait_alert = "flash"
    flashed: list[bool] = []
    alert = app.alert_wait

    def spy(names: str) -> None:
        # Record the flash as it starts: a busy machine may poll past its second.
        alert(names)
        flashed.append(app.screen.has_class("-flash"))

    app.alert_wait = spy
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        with server.client() as api:
            await in_thread(log_out_everyone, api, VAXEL)
            await in_thread(call, api, VAXEL, "+46708888888")
        await pilot.pause(1.2)  # the console has seen the call while it was under the warning
        assert flashed == []
        clocks.advance(31)
        await eventually(pilot, lambda: flashed == [True], "flash")
        assert any("Växel" in m for m in toasts(app))
        await eventually(pilot, lambda: not app.screen.has_class("-flash"), "flash ends", timeout=3)


async def test_wait_alert_rings_the_bell_once_per_crossing(server: RunningServer) -> None:
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    app.wait_alert = "bell"
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # the terminal is the edge: count what reaches it
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        with server.client() as api:
            await in_thread(log_out_everyone, api, VAXEL)
            await in_thread(call, api, VAXEL, "+46709999999")
        await pilot.pause(1.2)
        clocks.advance(31)
        await eventually(pilot, lambda: rings == [1], "one bell")
        await pilot.pause(2.2)
        assert rings == [1]  # still late: no second bell


async def test_no_alert_when_off(server: RunningServer) -> None:
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        with server.client() as api:
            await in_thread(log_out_everyone, api, VAXEL)
            await in_thread(call, api, VAXEL, "+46701010101")
        await pilot.pause(1.2)
        clocks.advance(31)
        await eventually(pilot, lambda: app.screen.query_one(GroupBoard).cell(VAXEL, "longest").text.startswith("!"))
        await pilot.pause(1.2)
        assert rings == [] and not app.screen.has_class("-flash")


async def test_overflow_and_callback_show_in_the_waiting_calls(server: RunningServer) -> None:
    """Växel overflows to Kundtjänst after 120 s (demo); Teknisk support offers a callback after 45 s."""
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    with server.client() as api:
        await in_thread(log_out_everyone, api, SUPPORT)
        await in_thread(log_out_everyone, api, VAXEL)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, SUPPORT)
        table = screen.query_one(WaitingCallsTable)
        with server.client() as api:
            call_id = await in_thread(call, api, SUPPORT, "+46701212121")
            await eventually(pilot, lambda: table.row_count == 1)
            clocks.advance(46)  # the callback is offered to the caller now
            response = await in_thread(api.post, f"/pbx/calls/{call_id}/callback", json={})
            assert response.status_code == 200, response.text
        [key] = table._keys  # noqa: SLF001
        await eventually(pilot, lambda: "callback" in table.cell(key, "mark").text.casefold(), "callback mark")

        await pilot.press("escape")
        screen = await group_screen(pilot, VAXEL)
        table = screen.query_one(WaitingCallsTable)
        with server.client() as api:
            await in_thread(call, api, VAXEL, "+46703434343")
        await eventually(pilot, lambda: table.row_count == 1)
        clocks.advance(121)  # past Växel's max wait: overflow to Kundtjänst
        await eventually(pilot, lambda: table.row_count == 0, "the overflowed call left the queue")
        assert app.store.live[VAXEL].waiting == {}


async def test_l_opens_a_group_in_its_live_view_and_builds_the_settings_when_first_shown(server: RunningServer) -> None:
    from textual.widgets import Input, Static

    from screens.group import GroupScreen
    from widgets.settings import SettingsSection, StatusSection

    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        overview = await overview_ready(pilot, 6)
        board = overview.query_one(GroupBoard)
        board.focus()
        board.cursor_row = next(i for i, key in enumerate(board._keys) if int(key) == VAXEL)  # noqa: SLF001
        await pilot.press("l")
        await eventually(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled and VAXEL in app.store.live)
        screen = app.screen
        assert screen.has_class("-live-only") and not screen.settings_built
        assert not screen.query(SettingsSection), "a watched group builds no settings sections"
        waiting = screen.query_one(GroupLivePanel).query_one("#waiting", WaitingCallsTable)
        await eventually(pilot, lambda: app.focused is waiting, "the waiting calls have the keys")
        assert str(screen.query_one("#header #where", Static).content).startswith("Växel · ")
        def footer_keys() -> set[str]:
            return {description for _, description, _ in screen.query_one(KeyFooter).keys()[0]}

        await eventually(pilot, lambda: "Close/reopen" in footer_keys())
        assert "Save" not in footer_keys(), "nothing to save while the settings are not shown"
        await pilot.press("ctrl+o")  # the settings, built now, with the group's values
        await eventually(pilot, lambda: screen.settled and bool(screen.query(SettingsSection)))
        assert not screen.has_class("-live-only") and screen.query_one("#settings").display
        name = screen.query_one("#section-name", SettingsSection).query_one(Input)
        assert name.value == "Växel"
        await eventually(pilot, lambda: "Save" in footer_keys(), "save is offered with the settings")
        status = screen.query_one(StatusSection)
        await eventually(pilot, lambda: status.title.endswith(": Open"), "§5 shows the status")
        sections = list(screen.query(SettingsSection))
        assert len(sections) == 20
        await pilot.press("ctrl+o")
        assert screen.has_class("-live-only")
        await pilot.press("ctrl+o")  # shown again: built once, not twice
        await pilot.pause()
        assert list(screen.query(SettingsSection)) == sections and not screen.has_class("-live-only")


async def test_jumping_to_a_section_from_a_watched_group_builds_the_settings_first(server: RunningServer) -> None:
    from textual.widgets import Input

    from screens.group import GroupScreen

    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot, 6)
        app.open_group(VAXEL, live_only=True)
        await eventually(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled and VAXEL in app.store.live)
        screen = app.screen
        screen.jump_to_section("name")  # what the palette's "Jump to section" calls
        await eventually(pilot, lambda: screen.settings_built and screen.settled and not screen.has_class("-live-only"))
        name = screen.query_one("#section-name").query_one(Input)
        await eventually(pilot, lambda: app.focused is name, "the section's first field has the keys")
        assert name.value == "Växel"


async def test_between_ticks_only_what_an_event_changed_is_formatted_again(server: RunningServer) -> None:
    """Wait times move together, at the screen's 1 s tick (screens/base.py); an
    event in between re-formats and repaints only the call it changed, not
    every row whose wait happened to turn a second (WaitingCallsTable.show)."""
    clocks = Clocks(server)
    app = console(server, local_time=clocks.local_time)
    with server.client() as api:
        await in_thread(log_out_everyone, api, VAXEL)
        await in_thread(call, api, VAXEL, "+46702222222")
        clocks.advance(3)
        await in_thread(call, api, VAXEL, "+46703333333")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        table = screen.query_one(WaitingCallsTable)
        await eventually(pilot, lambda: table.row_count == 2)
        # No await from here on: the screen's own tick cannot run in between.
        now = screen.tick()
        clocks.advance(5)
        assert screen.live_now() == now, "between ticks, the last tick's time"
        calls = app.store.live[VAXEL].ordered_calls()
        table.show(calls, now, 30, 90)
        first, second = table._keys  # noqa: SLF001
        before = {key: table.cells_of(key) for key in (first, second)}
        table.show(calls, now, 30, 90)
        assert all(table.cells_of(key) is before[key] for key in before), "unchanged rows are not formatted again"

        ringing = [c.model_copy(update={"ringing": True}) if c.id == first else c for c in calls]
        table.show(ringing, now, 30, 90)
        assert table.cell(first, "mark").text == "ringing" != before[first][2].text
        assert table.cells_of(second) is before[second]

        later = screen.tick()
        assert later == pytest.approx(now + 5), "the tick takes the time afresh"
        table.show(ringing, later, 30, 90)
        assert table.cell(second, "wait").text == "0:05" and before[second][1].text == "0:00"
