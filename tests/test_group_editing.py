"""Across all sections: refusals beside their fields, read-only without the
phone-system permission, unsaved marks and leaving, §4 with AI agents off, and
the hooks to the schedule editor and the deletion dialog."""
from __future__ import annotations

from textual.widgets import TextArea

from screens.overview import OverviewScreen
from tests.console import console, in_thread, until
from tests.group_keys import backend_group, goto_section, open_group_by_keys, pick, tab_to, tab_to_button, type_text
from tests.server import RunningServer
from tui.sections import SECTIONS
from widgets.settings import SettingsSection

KUNDTJANST, VAXEL = 1, 2


async def _save_expecting_refusal(pilot, screen) -> None:  # noqa: ANN001
    app = pilot.app
    await pilot.press("ctrl+s")
    await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
    await pilot.press("y")
    await until(pilot, lambda: screen.server_errors, message="the backend's refusal")


async def test_a_taken_name_is_refused_beside_the_field_and_other_edits_stay(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Växel")
        await goto_section(pilot, screen, "view")
        await tab_to(pilot, screen, "view.wait_warning_s")
        await type_text(pilot, "50")
        await goto_section(pilot, screen, "name")
        await tab_to(pilot, screen, "name")
        await type_text(pilot, "Kundtjänst")  # another group's name: only the backend knows
        await _save_expecting_refusal(pilot, screen)
        error = screen.query_one("#field-name .field-error")
        assert "another response group already has this name" in str(error.render())
        assert screen.query_one("#field-name").has_class("-invalid")
        assert "⚠" in screen.query_one("#section-name", SettingsSection).title
        assert screen.draft.edits == {"name": "Kundtjänst", "view.wait_warning_s": 50}
        assert backend_group(server, VAXEL)["name"] == "Växel"
        await type_text(pilot, "Växel 2")  # editing the field clears its refusal
        await until(pilot, lambda: not screen.query_one("#field-name").has_class("-invalid"))


async def test_number_change_on_an_open_group_is_explained(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Växel")
        await goto_section(pilot, screen, "number")
        await tab_to(pilot, screen, "number")
        await pick(pilot, "+46812345608")
        await _save_expecting_refusal(pilot, screen)
        error = str(screen.query_one("#field-number .field-error").render())
        assert "close the group" in error and "queue is empty" in error
        assert screen.draft.edits == {"number": "+46812345608"}
        assert backend_group(server, VAXEL)["number"] == "+46812345601"


async def test_without_phone_system_every_section_is_read_only(server: RunningServer) -> None:
    app = console(server, "supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")  # Sam supervises it
        for spec in SECTIONS:
            await goto_section(pilot, screen, spec.id) if spec.fields else None
        for section in screen.query(SettingsSection):
            section.collapsed = False
            section.build()
        await until(pilot, lambda: all(s.ready for s in screen.query(SettingsSection)), message="every section built")
        editors = list(screen.query("#settings Input, #settings Checkbox, #settings Select, #settings SelectionList, #settings TextArea"))
        assert len(editors) > 40
        assert [e for e in editors if not e.disabled] == []
        assert [b.id for b in screen.query("#settings Button") if not b.disabled and b.id != "schedule-edit"] == []
        notes = screen.query("#read-only-note")
        assert len(notes) == 1 and "phone-system permission" in str(notes.first().render())
        assert str(screen.query_one("#settings").render()).count("phone-system") <= 1
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen


async def test_unsaved_edits_are_marked_and_leaving_asks(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Växel")
        section = await goto_section(pilot, screen, "callback")
        assert "●" not in section.title
        await tab_to(pilot, screen, "callback.attempts")
        await type_text(pilot, "5")
        await until(pilot, lambda: "●" in section.title)
        assert screen.query_one("#field-callback-attempts").has_class("-dirty")
        assert "●" not in screen.query_one("#section-view", SettingsSection).title
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert "1 unsaved" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("n")  # stay, the edit kept
        await until(pilot, lambda: app.screen is screen)
        assert screen.draft.edits == {"callback.attempts": 5}
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        assert backend_group(server, VAXEL)["callback"]["attempts"] != 5


async def test_ai_background_says_when_ai_agents_are_off_and_keeps_the_text(server: RunningServer) -> None:
    with server.client() as api:
        etag = api.get(f"/response-groups/{KUNDTJANST}").headers["etag"]
        assert api.patch(f"/response-groups/{KUNDTJANST}", json={"ai_info": "Vi säljer cyklar."},
                         headers={"If-Match": etag}).status_code == 200  # fmt: skip
        assert api.patch("/organisation", json={"ai_agents_enabled": False}).status_code == 200
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "ai_info")
        note = screen.query_one("#ai-off-note")
        assert note.display and "turned off for the organisation" in str(note.render())
        assert screen.query_one("#field-ai_info TextArea", TextArea).text == "Vi säljer cyklar."
    with server.client() as api:
        await in_thread(api.patch, "/organisation", json={"ai_agents_enabled": True})
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "ai_info")
        assert not screen.query_one("#ai-off-note").display


async def test_schedule_editor_and_delete_hooks(server: RunningServer) -> None:
    """§7 and §19 hand over to screens of their own through the app, when it has them."""
    app = console(server)
    opened: list[object] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        app.open_schedule_editor = lambda schedule_id: opened.append(("schedule", schedule_id))  # type: ignore[attr-defined]
        app.confirm_delete_group = lambda group: opened.append(("delete", group.id))  # type: ignore[attr-defined]
        await goto_section(pilot, screen, "opening_hours")
        await tab_to_button(pilot, "schedule-edit")
        await pilot.press("enter")
        await goto_section(pilot, screen, "delete")
        await tab_to_button(pilot, "group-delete")
        await pilot.press("enter")
        await until(pilot, lambda: len(opened) == 2)
        assert opened == [("schedule", 1), ("delete", KUNDTJANST)]
        assert list(screen.query(SettingsSection))[-1].id == "section-delete"
