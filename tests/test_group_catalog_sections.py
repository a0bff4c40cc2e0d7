"""Sections that pick from the organisation's catalogs (GET /organisation),
and the sections that ask before they are turned on, by keyboard alone
against the real backend."""
from __future__ import annotations

from tests.console import console, in_thread, until
from tests.group_keys import backend_group, goto_section, open_group_by_keys, pick, save, tab_to, toggle, type_text
from tests.server import RunningServer

KUNDTJANST = 1  # agent groups [Kundtjänst], supervisors [Sam Supervisor], schedule Kontorstid


async def test_opening_hours_schedule_and_closed_message(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "opening_hours")
        await tab_to(pilot, screen, "schedule_id")
        await pick(pilot, "always open")
        await tab_to(pilot, screen, "closed_action.message.text")
        await type_text(pilot, "Stängt i dag")
        preview = await save(pilot, screen)
        assert "Schedule: Kontorstid → always open" in preview
        group = backend_group(server, KUNDTJANST)
        assert group["schedule_id"] is None
        assert group["closed_action"]["message"]["text"] == "Stängt i dag"
        # And back to a named schedule.
        await tab_to(pilot, screen, "schedule_id")
        await pick(pilot, "Dygnet runt")
        preview = await save(pilot, screen)
        assert "Schedule: always open → Dygnet runt" in preview
        assert backend_group(server, KUNDTJANST)["schedule_id"] == 2


async def test_number_billing_and_mobile_display(server: RunningServer) -> None:
    with server.client() as api:
        # The number changes only while the group is closed and its queue empty.
        assert api.post(f"/response-groups/{KUNDTJANST}/close").status_code == 200
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "number")
        await tab_to(pilot, screen, "number")
        await pick(pilot, "+46812345607")
        await tab_to(pilot, screen, "billing_id")
        await pick(pilot, "Kostnadsställe 200")
        await tab_to(pilot, screen, "mobile_display.mode")
        await pick(pilot, "a custom number")
        await tab_to(pilot, screen, "mobile_display.custom_number")
        await type_text(pilot, "+46855500011")
        preview = await save(pilot, screen)
        assert "Number: +46812345600 → +46812345607" in preview
        assert "Billing ID: none → Kostnadsställe 200" in preview
        group = backend_group(server, KUNDTJANST)
        assert group["number"] == "+46812345607" and group["billing_id"] == 2
        assert group["mobile_display"] == {"mode": "custom", "custom_number": "+46855500011"}


async def test_number_of_another_group_is_not_offered(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "number")
        await tab_to(pilot, screen, "number")
        from textual.widgets import Select

        offered = {value for _, value in pilot.app.focused._options}  # noqa: SLF001
        assert isinstance(pilot.app.focused, Select)
        assert "+46812345600" in offered and "+46812345606" in offered
        assert "+46812345601" not in offered  # Växel's


async def test_agent_groups_and_supervisors_added_and_removed(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "agents")
        await tab_to(pilot, screen, "agent_group_ids")
        await toggle(pilot, "Support")  # add
        await toggle(pilot, "Kundtjänst")  # remove
        await tab_to(pilot, screen, "supervisor_ids")
        await toggle(pilot, "Alva Admin")
        preview = await save(pilot, screen)
        assert "Agent groups: Kundtjänst → Support" in preview
        assert "Supervisors: Sam Supervisor → Sam Supervisor, Alva Admin" in preview
        group = backend_group(server, KUNDTJANST)
        assert group["agent_group_ids"] == [3]
        assert sorted(group["supervisor_ids"]) == [1, 2]


async def test_ai_support_agent_and_its_knowledge(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "ai_agent")
        await tab_to(pilot, screen, "ai_agent.enabled")
        before = backend_group(server, KUNDTJANST)["ai_agent"]
        await pilot.press("space")
        await tab_to(pilot, screen, "ai_agent.knowledge_source_ids")
        await toggle(pilot, "Produktblad")
        await save(pilot, screen)
        after = backend_group(server, KUNDTJANST)["ai_agent"]
        assert after["enabled"] is (not before["enabled"])
        assert (2 in after["knowledge_source_ids"]) is (2 not in before["knowledge_source_ids"])


async def test_outgoing_caller_id_for_chosen_users(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "outgoing")
        await tab_to(pilot, screen, "outgoing.caller_id.user_ids")
        await toggle(pilot, "Anna Lind")
        await toggle(pilot, "Björn Ek")
        preview = await save(pilot, screen)
        assert "Caller ID for these users: none chosen → Anna Lind, Björn Ek" in preview
        assert backend_group(server, KUNDTJANST)["outgoing"]["caller_id"]["user_ids"] == [4, 5]


async def test_overflow_to_another_group(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "queue")
        await tab_to(pilot, screen, "overflow.destination.kind")
        await pick(pilot, "another group")
        await tab_to(pilot, screen, "overflow.destination.group_id")
        await pick(pilot, "Jour")
        preview = await save(pilot, screen)
        assert "Overflow group: none → Jour" in preview
        destination = backend_group(server, KUNDTJANST)["overflow"]["destination"]
        assert destination["kind"] == "group" and destination["group_id"] == 6


async def test_conversation_intelligence_asks_first(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "ci")
        await tab_to(pilot, screen, "conversation_intelligence")
        await pilot.press("space")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert "Conversation Intelligence" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("n")  # declined: nothing drafted, the box unticked again
        await until(pilot, lambda: app.screen is screen)
        await pilot.pause()
        assert not screen.draft.dirty
        assert screen.query_one("#field-conversation_intelligence Checkbox").value is False
        await pilot.press("space")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: screen.draft.edits == {"conversation_intelligence": True})
        await save(pilot, screen)
        assert backend_group(server, KUNDTJANST)["conversation_intelligence"] is True


async def test_cases_connect_asks_first(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "cases")
        await tab_to(pilot, screen, "cases_connected")
        await pilot.press("space")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert "Contact Center" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("y")
        await until(pilot, lambda: screen.draft.edits == {"cases_connected": True})
        await save(pilot, screen)
        assert backend_group(server, KUNDTJANST)["cases_connected"] is True


async def test_close_confirmation_says_how_many_calls_wait(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        with server.client() as api:
            live = (await in_thread(api.get, f"/response-groups/{KUNDTJANST}/live")).json()
            for agent in live["agents"]:
                await in_thread(api.post, f"/response-groups/{KUNDTJANST}/agents/{agent['id']}/logout")
            for caller in ("+46701111101", "+46701111102"):
                await in_thread(api.post, "/pbx/calls", json={"group_id": KUNDTJANST, "caller": caller})
        await until(pilot, lambda: len(app.store.live[KUNDTJANST].waiting) == 2)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert "2 calls are waiting" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("y")
        await until(pilot, lambda: backend_group(server, KUNDTJANST)["temporarily_closed"] is True)
