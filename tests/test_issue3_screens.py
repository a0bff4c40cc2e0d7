"""Issue 3's own screens through Pilot against the real backend: the schedule
editor (§7), deleting a group (§19), creating one (§2), a group's history."""
from __future__ import annotations

from textual.widgets import Input, Select, SelectionList, Static

from screens.create_group import CreateGroupScreen
from screens.delete_group import DeleteGroupScreen
from screens.group import GroupScreen
from screens.history import HistoryScreen
from screens.overview import OverviewScreen
from screens.schedules import ScheduleEditorScreen
from tests.console import console, in_thread, toasts, until
from tests.server import T0, RunningServer
from tui.i18n import set_language
from widgets.group_board import GroupBoard
from widgets.schedule_form import ScheduleForm
from widgets.schedule_state import ScheduleStateLine

DAY = 86400.0


def schedule_id(server: RunningServer, name: str) -> int:
    with server.client() as api:
        return next(s["id"] for s in api.get("/schedules").json() if s["name"] == name)


async def overview_ready(pilot, groups: int = 6) -> None:  # noqa: ANN001
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count >= groups)


async def open_editor(pilot, schedule: int | None) -> ScheduleEditorScreen:  # noqa: ANN001
    app = pilot.app
    await overview_ready(pilot)
    app.open_schedule_editor(schedule)
    await until(pilot, lambda: isinstance(app.screen, ScheduleEditorScreen) and app.screen.saved is not None)
    screen = app.screen
    await until(pilot, lambda: screen.focused is not None and screen.focused.id == "sf-name")
    return screen


async def tab_to(pilot, widget_id: str, limit: int = 80) -> None:  # noqa: ANN001
    """Press Tab until the widget with `widget_id` has focus (the keyboard's way there)."""
    for _ in range(limit):
        focused = pilot.app.screen.focused
        if focused is not None and focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{widget_id}")


async def retype(pilot, text: str) -> None:  # noqa: ANN001
    """Clear the focused input by keys (Ctrl+U: delete to the start) and type `text`."""
    await pilot.press("end", "ctrl+u", *text)


def state_of(screen) -> str:  # noqa: ANN001
    return str(screen.query_one(ScheduleStateLine).render())


# ---------------------------------------------------------------- §7 schedules


async def test_edit_a_schedule_by_keyboard_and_save(server: RunningServer) -> None:
    office = schedule_id(server, "Kontorstid")
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, office)
        await tab_to(pilot, "sf-weekly-mon-0-end")
        await retype(pilot, "16:30")
        # Saturday is closed: add a range there and make it 10:00–14:00.
        await tab_to(pilot, "sf-weekly-sat-none")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.focused is not None and screen.focused.id == "sf-weekly-sat-0-start")
        await retype(pilot, "10:00")
        await pilot.press("tab")
        await retype(pilot, "14:00")
        # An exception with hours of its own.
        await pilot.press("ctrl+b")
        await until(pilot, lambda: screen.focused is not None and screen.focused.id.startswith("sf-exceptions-") and screen.focused.id.endswith("-date"))
        index = int(screen.focused.id.split("-")[2])
        await pilot.press(*"2026-12-30", "tab", *"Mellandag")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.focused is not None and screen.focused.id == f"sf-exceptions-{index}-ranges-0-start")
        await pilot.press("tab")
        await retype(pilot, "12:00")
        assert screen.dirty
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not screen.dirty, message="saved")
        with server.client() as api:
            saved = (await in_thread(api.get, f"/schedules/{office}")).json()
        assert saved["weekly"]["mon"] == [{"start": "08:00", "end": "16:30"}]
        assert saved["weekly"]["sat"] == [{"start": "10:00", "end": "14:00"}]
        assert saved["weekly"]["tue"] == [{"start": "08:00", "end": "17:00"}]
        extra = [e for e in saved["exceptions"] if e["date"] == "2026-12-30"]
        assert extra == [{"date": "2026-12-30", "label": "Mellandag", "ranges": [{"start": "08:00", "end": "12:00"}]}]
        assert saved["version"] == 2


async def test_an_invalid_range_is_refused_beside_it_and_nothing_is_lost(server: RunningServer) -> None:
    office = schedule_id(server, "Kontorstid")
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, office)
        await tab_to(pilot, "sf-weekly-mon-0-end")
        await retype(pilot, "07:00")  # before the start
        await tab_to(pilot, "sf-weekly-tue-0-end")
        await retype(pilot, "16:00")
        await pilot.press("ctrl+s")
        error = screen.query_one("#err-weekly-mon-0", Static)
        await until(pilot, lambda: str(error.render()).startswith("!"), message="error beside Monday")
        assert str(error.render()) == "! must be later than the start (08:00)"
        assert error.region.y == screen.query_one("#sf-weekly-mon-0-end").region.y  # on the same line
        assert screen.query_one("#sf-weekly-mon-0-end").has_class("-invalid")
        assert screen.form.doc["weekly"]["tue"] == [{"start": "08:00", "end": "16:00"}]  # the rest of the edit stays
        assert screen.dirty
        with server.client() as api:
            assert (await in_thread(api.get, f"/schedules/{office}")).json()["version"] == 1
        # Fixing the field clears its refusal; the save goes through.
        screen.query_one("#sf-weekly-mon-0-end").focus()
        await retype(pilot, "12:00")
        await until(pilot, lambda: str(error.render()) == "")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not screen.dirty)
        with server.client() as api:
            saved = (await in_thread(api.get, f"/schedules/{office}")).json()
        assert saved["weekly"]["mon"] == [{"start": "08:00", "end": "12:00"}]
        assert saved["weekly"]["tue"] == [{"start": "08:00", "end": "16:00"}]


async def test_state_line_tells_the_next_change_in_the_users_language(server: RunningServer) -> None:
    office = schedule_id(server, "Kontorstid")
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, office)  # Thu 26 Nov 09:00 Stockholm
        await until(pilot, lambda: state_of(screen) == "Open · closes 17:00")
    server.clock.set(T0 + DAY + 9 * 3600)  # Fri 18:00
    set_language("sv")
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, office)
        await until(pilot, lambda: state_of(screen) == "Stängt · öppnar mån 08:00")


async def test_create_and_delete_a_schedule_but_not_one_in_use(server: RunningServer) -> None:
    office = schedule_id(server, "Kontorstid")
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, office)
        await pilot.press("f8")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        general = screen.query_one("#err-general", Static)
        await until(pilot, lambda: "Kundtjänst" in str(general.render()), message="the backend's reason names the group")
        with server.client() as api:
            assert (await in_thread(api.get, f"/schedules/{office}")).status_code == 200
        # A new one: created by its first save, then deleted.
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.schedule_id is None and screen.focused is not None and screen.focused.id == "sf-name")
        await retype(pilot, "Lunchstängt")
        await tab_to(pilot, "sf-weekly-mon-none")
        await pilot.press("ctrl+r")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.schedule_id is not None and not screen.dirty)
        created = screen.schedule_id
        with server.client() as api:
            doc = (await in_thread(api.get, f"/schedules/{created}")).json()
        assert doc["name"] == "Lunchstängt" and doc["timezone"] == "Europe/Stockholm"
        assert doc["weekly"]["mon"] == [{"start": "08:00", "end": "17:00"}]
        await pilot.press("f8", "y")
        await until(pilot, lambda: screen.schedule_id != created and screen.saved is not None)
        with server.client() as api:
            assert (await in_thread(api.get, f"/schedules/{created}")).status_code == 404


# ---------------------------------------------------------------- §19 delete


async def test_delete_a_group_only_with_its_name_typed(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        app.open_group(6)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
        app.confirm_delete_group(app.store.groups[6])
        await until(pilot, lambda: isinstance(app.screen, DeleteGroupScreen))
        dialog = app.screen
        await pilot.press(*"jour")  # wrong case: not the name
        await pilot.press("ctrl+d")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen is dialog
        assert "does not match" in str(dialog.query_one("#delete-error", Static).render())
        with server.client() as api:
            assert (await in_thread(api.get, "/response-groups/6")).status_code == 200
        await pilot.press(*["backspace"] * 4, *"Jour")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen), message="back to the overview")
        with server.client() as api:
            assert (await in_thread(api.get, "/response-groups/6")).status_code == 404
        await until(pilot, lambda: 6 not in app.screen.query_one(GroupBoard)._keys)  # noqa: SLF001


async def test_delete_refused_by_the_backend_is_shown(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        app.open_group(6)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
        group = app.store.groups[6]
        with server.client() as api:  # someone else changes it meanwhile: the ETag is stale
            assert (await in_thread(api.patch, "/response-groups/6", json={"call_waiting": True}, headers={"If-Match": group.etag})).status_code == 200
        app.confirm_delete_group(group)
        await until(pilot, lambda: isinstance(app.screen, DeleteGroupScreen))
        await pilot.press(*"Jour", "ctrl+d")
        dialog = app.screen
        await until(pilot, lambda: str(dialog.query_one("#delete-error", Static).render()).startswith("!"))
        assert "changed meanwhile" in str(dialog.query_one("#delete-error", Static).render())
        with server.client() as api:
            assert (await in_thread(api.get, "/response-groups/6")).status_code == 200


# ---------------------------------------------------------------- §2 create


async def test_create_a_group_by_keyboard(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CreateGroupScreen) and app.screen.focused is not None)
        screen = app.screen
        await pilot.press(*"Växel")  # taken: refused beside the name
        await pilot.press("tab", "enter", "down", "enter")  # the first free number
        await until(pilot, lambda: screen.query_one("#cg-number", Select).value != Select.NULL)
        number = screen.query_one("#cg-number", Select).value
        await pilot.press("ctrl+s")
        name_error = screen.query_one("#cg-error-name", Static)
        await until(pilot, lambda: str(name_error.render()).startswith("!"), message="name taken shown")
        assert screen.query_one("#cg-number", Select).value == number  # nothing lost
        screen.query_one("#cg-name", Input).focus()
        await retype(pilot, "Kvällsjour")
        await tab_to(pilot, "cg-agent-groups")
        await pilot.press("space")  # tick the first agent group
        await tab_to(pilot, "cg-supervisors")
        supervisors = screen.query_one("#cg-supervisors", SelectionList)
        offered = [str(supervisors.get_option_at_index(i).prompt) for i in range(supervisors.option_count)]
        assert offered == ["Alva Admin", "Sam Supervisor"], "only users who may supervise are offered"
        await pilot.press("down", "space")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
        new_id = app.screen.group_id
        assert app.screen.draft.base.name == "Kvällsjour"
        with server.client() as api:
            group = (await in_thread(api.get, f"/response-groups/{new_id}")).json()
            org = (await in_thread(api.get, "/organisation")).json()
        assert group["name"] == "Kvällsjour" and group["number"] == number
        assert group["agent_group_ids"] == [org["agent_groups"][0]["id"]]
        assert group["supervisor_ids"] == [next(u["id"] for u in org["users"] if u["username"] == "supervisor")]
        assert {"number": number, "group_id": new_id} in org["numbers"]


async def test_creating_needs_the_phone_system_permission(server: RunningServer) -> None:
    app = console(server, "supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot, groups=3)
        await pilot.press("c")
        await pilot.pause(0.3)
        assert isinstance(app.screen, OverviewScreen)
        assert any("Telefonisystem" in m for m in toasts(app))


# ---------------------------------------------------------------- history


async def test_history_shows_a_change_made_before(server: RunningServer) -> None:
    with server.client() as api:
        etag = api.get("/response-groups/2").headers["etag"]
        assert api.patch("/response-groups/2", json={"view": {"wait_warning_s": 45}}, headers={"If-Match": etag}).status_code == 200
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        app.open_group(2)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries)
        screen = app.screen
        await pilot.pause()
        first = str(screen.query(".history-entry").first().render())
        assert "Alva Admin" in first and "changed" in first
        assert "view.wait_warning_s: 30 → 45" in first
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, GroupScreen))


async def test_schedules_are_read_only_without_the_phone_system_permission(server: RunningServer) -> None:
    office = schedule_id(server, "Kontorstid")
    app = console(server, "supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot, groups=3)
        app.open_schedule_editor(office)
        await until(
            pilot,
            lambda: isinstance(app.screen, ScheduleEditorScreen)
            and app.screen.saved is not None
            and app.screen.query("#sf-weekly-mon-0-end"),  # the form is built after the load
        )
        screen = app.screen
        assert "Telefonisystem" in str(screen.query_one("#sched-note", Static).render())
        assert screen.query_one("#sf-weekly-mon-0-end", Input).disabled
        await pilot.press("ctrl+r", "ctrl+b", "ctrl+s")
        await pilot.pause(0.3)
        assert screen.form.doc["exceptions"] == screen.saved["exceptions"]
        with server.client() as api:
            assert (await in_thread(api.get, f"/schedules/{office}")).json()["version"] == 1


async def test_a_stale_save_merges_their_changes_and_keeps_the_edit(server: RunningServer) -> None:
    office = schedule_id(server, "Kontorstid")
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, office)
        with server.client() as api:  # someone else saves first: Sundays open
            current = api.get(f"/schedules/{office}")
            body = {k: current.json()[k] for k in ("name", "timezone", "weekly", "exceptions")}
            body["weekly"]["sun"] = [{"start": "10:00", "end": "12:00"}]
            assert api.put(f"/schedules/{office}", json=body, headers={"If-Match": current.headers["etag"]}).status_code == 200
        await tab_to(pilot, "sf-weekly-fri-0-end")
        await retype(pilot, "15:00")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("their changes are now in the form" in m for m in toasts(app)))
        # Refused (412), not saved; the edit kept and their Sunday added beside it.
        assert screen.dirty and screen.form.doc["weekly"]["fri"] == [{"start": "08:00", "end": "15:00"}]
        assert screen.form.doc["weekly"]["sun"] == [{"start": "10:00", "end": "12:00"}]
        await until(pilot, lambda: screen.query("#sf-weekly-sun-0-end"), message="their range shown in the form")
        with server.client() as api:
            assert (await in_thread(api.get, f"/schedules/{office}")).json()["version"] == 2
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not screen.dirty)
        with server.client() as api:
            saved = (await in_thread(api.get, f"/schedules/{office}")).json()
        assert saved["version"] == 3 and saved["weekly"]["fri"] == [{"start": "08:00", "end": "15:00"}]
        assert saved["weekly"]["sun"] == [{"start": "10:00", "end": "12:00"}], "their change was not lost"


async def test_a_holiday_is_opened_by_enter_edited_and_removed(server: RunningServer) -> None:
    office = schedule_id(server, "Kontorstid")
    with server.client() as api:
        before = api.get(f"/schedules/{office}").json()["exceptions"]
    christmas_eve = next(i for i, e in enumerate(before) if e["label"] == "Julafton")
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot, office)
        line = f"sf-exceptions-{christmas_eve}-line"
        assert not screen.query(f"#sf-exceptions-{christmas_eve}-date")  # one line until opened
        await tab_to(pilot, line)
        await pilot.press("enter")
        await until(pilot, lambda: screen.focused is not None and screen.focused.id == f"sf-exceptions-{christmas_eve}-date")
        await pilot.press("ctrl+r")  # open in the morning instead of closed all day
        await until(pilot, lambda: screen.focused is not None and screen.focused.id == f"sf-exceptions-{christmas_eve}-ranges-0-start")
        await pilot.press("tab")
        await retype(pilot, "12:00")
        # New Year's Eve goes: removed from its line.
        new_years_eve = next(i for i, e in enumerate(before) if e["label"] == "Nyårsafton")
        await tab_to(pilot, f"sf-exceptions-{new_years_eve}-line")
        await pilot.press("ctrl+t")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not screen.dirty)
        with server.client() as api:
            after = (await in_thread(api.get, f"/schedules/{office}")).json()["exceptions"]
        eve = next(e for e in after if e["label"] == "Julafton")
        assert eve["ranges"] == [{"start": "08:00", "end": "12:00"}]
        assert [e["date"] for e in after] == [e["date"] for i, e in enumerate(before) if i != new_years_eve]


async def test_the_state_line_works_on_any_screen(server: RunningServer) -> None:
    """Placed in another screen (the group screen's §7), the line gets its state from the app."""
    from textual.screen import Screen

    office = schedule_id(server, "Kontorstid")

    class Holder(Screen[None]):
        def compose(self):  # noqa: ANN202
            yield ScheduleStateLine(office, id="office")
            yield ScheduleStateLine(None, id="none")

    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        holder = Holder()
        await app.push_screen(holder)
        await until(pilot, lambda: str(holder.query_one("#office", ScheduleStateLine).render()) == "Open · closes 17:00")
        assert holder.query_one("#office").has_class("-open")
        assert str(holder.query_one("#none", ScheduleStateLine).render()) == "No schedule: always open"
        # Asked again (its timer does so when the change is due), it tells the new state.
        server.clock.set(T0 + 8 * 3600 + 5)  # 17:00:05
        line = holder.query_one("#office", ScheduleStateLine)
        line.ask()
        await until(pilot, lambda: str(line.render()) == "Closed · opens tomorrow 08:00")


async def test_a_long_history_scrolls_by_keyboard(server: RunningServer) -> None:
    with server.client() as api:
        for seconds in range(20, 32):
            etag = api.get("/response-groups/2").headers["etag"]
            body = {"view": {"wait_warning_s": seconds}}
            assert api.patch("/response-groups/2", json=body, headers={"If-Match": etag}).status_code == 200
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        app.open_group_history(2)
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(app.screen.entries) == 12)
        listing = app.screen.query_one("#history-list")
        await pilot.pause()
        assert "→ 31" in str(app.screen.query(".history-entry").first().render())  # newest first
        assert listing.max_scroll_y > 0 and listing.scroll_y == 0
        await pilot.press("pagedown")
        await until(pilot, lambda: listing.scroll_y > 0)
        await pilot.press("end")
        await until(pilot, lambda: listing.scroll_y == listing.max_scroll_y)
