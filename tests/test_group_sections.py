"""Each settings section edited and saved by keyboard alone, against the real
backend; then the backend is asked for the value. Sections that pick from the
organisation's catalogs are in test_group_catalog_sections.py, §13 in
test_group_collectors.py."""
from __future__ import annotations

from tests.console import console
from tests.group_keys import backend_group, goto_section, open_group_by_keys, pick, save, tab_to, type_text
from tests.server import RunningServer

VAXEL = 2  # the demo's "Växel"


async def test_ai_background_is_several_lines(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Växel")
        await goto_section(pilot, screen, "ai_info")
        await tab_to(pilot, screen, "ai_info")
        await pilot.press("ctrl+a", *"Vi svarar", "enter", *"om fakturor")  # Ctrl+A: start of the line
        await pilot.pause()
        preview = await save(pilot, screen)
        assert "Background text:" in preview
        assert backend_group(server, VAXEL)["ai_info"].startswith("Vi svarar\nom fakturor")


async def test_name(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Växel")
        await goto_section(pilot, screen, "name")
        await tab_to(pilot, screen, "name")
        await type_text(pilot, "Växeln")
        preview = await save(pilot, screen)
        assert preview == "Name: Växel → Växeln"
        assert backend_group(server, VAXEL)["name"] == "Växeln"


async def test_queue_message_and_overflow_to_an_external_number(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Växel")
        await goto_section(pilot, screen, "queue")
        await tab_to(pilot, screen, "queue_message.enabled")
        before = backend_group(server, VAXEL)
        want_queue_message = not before["queue_message"]["enabled"]
        await pilot.press("space")
        await tab_to(pilot, screen, "queue_message.interval_s")
        await type_text(pilot, "45")
        await tab_to(pilot, screen, "overflow.enabled")
        if not before["overflow"]["enabled"]:
            await pilot.press("space")
        await tab_to(pilot, screen, "overflow.max_waiting")
        await type_text(pilot, "12")
        await tab_to(pilot, screen, "overflow.max_wait_s")
        await type_text(pilot, "")  # empty: no limit
        await tab_to(pilot, screen, "overflow.destination.kind")
        await pick(pilot, "an external number")
        await tab_to(pilot, screen, "overflow.destination.number")
        await type_text(pilot, "+46701234567")
        preview = await save(pilot, screen)
        assert "Overflow to: " in preview and "→ an external number" in preview
        after = backend_group(server, VAXEL)
        assert after["queue_message"] == {"enabled": want_queue_message, "interval_s": 45}
        assert after["overflow"]["enabled"] is True
        assert after["overflow"]["max_waiting"] == 12
        assert after["overflow"]["max_wait_s"] is None
        destination = after["overflow"]["destination"]
        assert (destination["kind"], destination["number"]) == ("external", "+46701234567")


async def test_wrap_up_times(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")  # keeps the seed's defaults
        group_id = screen.group_id
        assert backend_group(server, group_id)["wrap_up"] == {"answered_s": None, "rejected_s": 15, "missed_s": 15}
        await goto_section(pilot, screen, "wrap_up")
        await tab_to(pilot, screen, "wrap_up.answered_s")
        await type_text(pilot, "30")
        await tab_to(pilot, screen, "wrap_up.rejected_s")
        await type_text(pilot, "20")
        await tab_to(pilot, screen, "wrap_up.missed_s")
        await type_text(pilot, "0")
        preview = await save(pilot, screen)
        assert "After an answered call: off → 30 s" in preview
        assert backend_group(server, group_id)["wrap_up"] == {"answered_s": 30, "rejected_s": 20, "missed_s": 0}


async def test_voicemail_greeting_by_speech(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        group_id = screen.group_id
        await goto_section(pilot, screen, "voicemail")
        await tab_to(pilot, screen, "voicemail.greeting.language")
        await pick(pilot, "English (UK)")
        await tab_to(pilot, screen, "voicemail.greeting.text")
        await type_text(pilot, "Please leave a message")
        await tab_to(pilot, screen, "voicemail.transcribe")
        await pilot.press("space")
        await tab_to(pilot, screen, "voicemail.notify")
        await pilot.press("space")
        await save(pilot, screen)
        voicemail = backend_group(server, group_id)["voicemail"]
        assert voicemail["greeting"]["kind"] == "tts"
        assert voicemail["greeting"]["language"] == "en-GB"
        assert voicemail["greeting"]["text"] == "Please leave a message"
        assert voicemail["transcribe"] is True and voicemail["notify"] is True


async def test_priority_call_waiting_and_vip(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        group_id = screen.group_id
        await goto_section(pilot, screen, "routing")
        await tab_to(pilot, screen, "priority")
        await pick(pilot, "highest – always first")
        await tab_to(pilot, screen, "call_waiting")
        await pilot.press("space")
        await tab_to(pilot, screen, "vip.return_failed_transfers")
        await pilot.press("space")
        await tab_to(pilot, screen, "vip.message")
        await type_text(pilot, "Du har förtur")
        preview = await save(pilot, screen)
        assert "Priority (Prioritetsnivå): none – turn order → highest – always first" in preview
        group = backend_group(server, group_id)
        assert group["priority"] == "highest" and group["call_waiting"] is True
        assert group["vip"] == {"return_failed_transfers": True, "message": "Du har förtur"}


async def test_callback(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        group_id = screen.group_id
        await goto_section(pilot, screen, "callback")
        await tab_to(pilot, screen, "callback.enabled")
        await pilot.press("space")
        for path, value in (("callback.offer_after_s", "90"), ("callback.attempts", "4"), ("callback.spacing_s", "300")):
            await tab_to(pilot, screen, path)
            await type_text(pilot, value)
        await tab_to(pilot, screen, "callback.voicemail_last_step")
        await pilot.press("space")
        await save(pilot, screen)
        assert backend_group(server, group_id)["callback"] == {
            "enabled": True, "offer_after_s": 90, "attempts": 4, "spacing_s": 300, "voicemail_last_step": True,
        }  # fmt: skip


async def test_view_and_service_level(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        group_id = screen.group_id
        await goto_section(pilot, screen, "view")
        await tab_to(pilot, screen, "view.flowchart")
        await pilot.press("space")
        await tab_to(pilot, screen, "view.wait_warning_s")
        await type_text(pilot, "45")
        await goto_section(pilot, screen, "service_level")
        for path, value in (("service_level.threshold_s", "60"), ("service_level.early_hangup_s", "5"),
                            ("service_level.target_pct", "85")):  # fmt: skip
            await tab_to(pilot, screen, path)
            await type_text(pilot, value)
        await tab_to(pilot, screen, "service_level.show_target")
        await pilot.press("space")
        await save(pilot, screen)
        group = backend_group(server, group_id)
        assert group["view"] == {"flowchart": False, "wait_warning_s": 45}
        assert group["service_level"] == {"threshold_s": 60, "early_hangup_s": 5, "target_pct": 85, "show_target": True}


async def test_outgoing_sms_and_caller_id_flags(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        group_id = screen.group_id
        await goto_section(pilot, screen, "outgoing")
        for path in ("outgoing.sms_from_group_number", "outgoing.caller_id.all_agents"):
            await tab_to(pilot, screen, path)
            await pilot.press("space")
        await save(pilot, screen)
        outgoing = backend_group(server, group_id)["outgoing"]
        assert outgoing["sms_from_group_number"] is True
        assert outgoing["caller_id"]["all_agents"] is True and outgoing["caller_id"]["all_supervisors"] is False


async def test_agents_may_log_themselves_in_and_out(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        group_id = screen.group_id
        assert backend_group(server, group_id)["agents_may_toggle_login"] is True
        await goto_section(pilot, screen, "permissions")
        await tab_to(pilot, screen, "agents_may_toggle_login")
        await pilot.press("space")
        await save(pilot, screen)
        assert backend_group(server, group_id)["agents_may_toggle_login"] is False
