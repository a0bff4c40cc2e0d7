"""§13 Input-insamlare: an ordered list edited by keyboard alone (add, fill in,
move, remove), saved against the real backend; refusals of one item's part
shown beside that part."""
from __future__ import annotations

from tests.console import console, until
from tests.group_keys import backend_group, goto_section, open_group_by_keys, pick, save, tab_to, tab_to_button, type_text
from tests.server import RunningServer
from tui.client import ApiError

KUNDTJANST = 1  # no input collectors in the demo


async def test_collectors_added_filled_moved_and_removed(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        assert backend_group(server, KUNDTJANST)["input_collectors"] == []
        await goto_section(pilot, screen, "collectors")
        await tab_to_button(pilot, "collector-add")
        await pilot.press("enter")  # the new collector's variable gets the focus
        await until(pilot, lambda: screen.query("#field-input_collectors-0-variable"))
        await tab_to(pilot, screen, "input_collectors.0.variable")
        await type_text(pilot, "customer_number")
        await tab_to(pilot, screen, "input_collectors.0.expect.digits_max")
        await type_text(pilot, "8")
        await tab_to(pilot, screen, "input_collectors.0.expect.end_key")
        await pick(pilot, "* (stjärna)")
        await tab_to_button(pilot, "collector-add")
        await pilot.press("enter")
        await until(pilot, lambda: screen.query("#field-input_collectors-1-variable"))
        await tab_to(pilot, screen, "input_collectors.1.variable")
        await type_text(pilot, "order_id")
        await tab_to(pilot, screen, "input_collectors.1.prompt.kind")
        await pick(pilot, "audio file")
        await tab_to(pilot, screen, "input_collectors.1.prompt.audio_id")
        await pick(pilot, "Kundnummer.wav")
        await tab_to_button(pilot, "collector-1-up")
        await pilot.press("enter")  # order_id first
        await until(pilot, lambda: [c["variable"] for c in screen.draft.value("input_collectors")] == ["order_id", "customer_number"])
        assert "●" in screen.query_one("#section-collectors").title
        preview = await save(pilot, screen)
        assert "Collectors, in order: 0 (–) → 2 (order_id, customer_number)" in preview
        saved = backend_group(server, KUNDTJANST)["input_collectors"]
        assert [c["variable"] for c in saved] == ["order_id", "customer_number"]
        assert saved[0]["prompt"]["kind"] == "audio" and saved[0]["prompt"]["audio_id"] == 4
        assert saved[1]["expect"] == {"digits_min": 1, "digits_max": 8, "end_key": "*"}
        # Remove the first: customer_number is left.
        await until(pilot, lambda: screen.query("#collector-0-remove"))
        await tab_to_button(pilot, "collector-0-remove")
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.draft.value("input_collectors")) == 1)
        await save(pilot, screen)
        assert [c["variable"] for c in backend_group(server, KUNDTJANST)["input_collectors"]] == ["customer_number"]


async def test_a_bad_variable_name_is_shown_beside_it_and_nothing_is_lost(server: RunningServer) -> None:
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "collectors")
        await tab_to_button(pilot, "collector-add")
        await pilot.press("enter")
        await until(pilot, lambda: screen.query("#field-input_collectors-0-variable"))
        await tab_to(pilot, screen, "input_collectors.0.variable")
        await type_text(pilot, "Kundnr")
        await tab_to(pilot, screen, "input_collectors.0.retries")
        await type_text(pilot, "4")
        error = screen.query_one("#field-input_collectors-0-variable .field-error")
        await until(pilot, lambda: "must start with a-z" in str(error.render()))
        await pilot.press("ctrl+s")  # refused before sending: nothing valid to send
        await pilot.pause()
        assert app.screen is screen
        assert screen.draft.value("input_collectors")[0]["retries"] == 4
        assert backend_group(server, KUNDTJANST)["input_collectors"] == []


async def test_the_servers_refusal_of_a_list_item_lands_beside_it(server: RunningServer) -> None:
    """What the backend alone can refuse (an audio file not in the organisation)
    comes back with the item's path; the console puts it beside that part."""
    app = console(server)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_group_by_keys(pilot, "Kundtjänst")
        await goto_section(pilot, screen, "collectors")
        await tab_to_button(pilot, "collector-add")
        await pilot.press("enter")
        await until(pilot, lambda: screen.query("#field-input_collectors-0-variable"))
        await tab_to(pilot, screen, "input_collectors.0.variable")
        await type_text(pilot, "order_id")
        await until(pilot, lambda: screen.draft.value("input_collectors")[0]["variable"] == "order_id")
        # The same edit with an audio file id the organisation does not have,
        # sent by the console's own client to the real backend:
        body = screen.draft.patch()
        body["input_collectors"][0]["prompt"].update(kind="audio", audio_id=999)
        try:
            await app.client.patch_group(KUNDTJANST, screen.draft.etag, body)
        except ApiError as exc:
            refusal = exc
        else:
            raise AssertionError("the backend took an unknown audio file")
        assert "input_collectors.0.prompt.audio_id" in refusal.fields
        screen._save_refused(refusal)  # noqa: SLF001 - the screen's handling of that refusal
        await pilot.pause()
        field = screen.query_one("#field-input_collectors-0-prompt-audio_id")
        assert field.has_class("-invalid")
        assert "organisation" in str(field.query_one(".field-error").render())
        assert screen.draft.value("input_collectors")[0]["variable"] == "order_id"  # the edit is kept
        assert "⚠" in screen.query_one("#section-collectors").title
