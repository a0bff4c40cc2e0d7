"""The backend dies mid-save or mid-edit, and the link slows: nothing is lost.

Between console and the real backend stands a loopback proxy (tests/proxy.py)
that loses the server's answers (the backend did the work, then died), refuses
connections (the backend is down), or trickles bytes (a slow proxy).
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from textual.widgets import Input, Static

from backend.db.models import AuditEntry
from screens.group import GroupScreen
from screens.schedules import ScheduleEditorScreen
from tests.console import in_thread, toasts, until
from tests.live_helpers import VAXEL, call, eventually, group_screen, overview_ready, set_name
from tests.proxy import CuttableProxy
from tests.server import RunningServer
from tui.app import VaxelApp
from tui.client import VaxelClient
from tui.stream import Backoff, EventStream, StreamEvent
from widgets.group_board import GroupBoard
from widgets.header import ScreenHeader
from widgets.waiting_calls import WaitingCallsTable
from widgets.schedule_form import ScheduleForm


@pytest.fixture
def proxy(server: RunningServer) -> Iterator[CuttableProxy]:
    running = CuttableProxy(server.port).start()
    yield running
    running.stop()


def proxied_console(proxy: CuttableProxy, *, write_retry_s: float = 8.0, seen: list[int] | None = None) -> VaxelApp:
    client = VaxelClient(proxy.url)
    client.write_retry_s = write_retry_s

    class RecordingStream(EventStream):
        async def __aiter__(self):  # noqa: ANN204
            async for item in super().__aiter__():
                if seen is not None and isinstance(item, StreamEvent):
                    seen.append(item.id)
                yield item

    def quick_stream(c: VaxelClient) -> EventStream:
        return RecordingStream(c, backoff=Backoff(base=0.1, cap=0.5))

    return VaxelApp(client, credentials=("admin", "admin"), server_label="test", stream_factory=quick_stream)


async def updates_of(server: RunningServer, group_id: int) -> list[AuditEntry]:
    async def read() -> list[AuditEntry]:
        async with server.state.db.session() as session:
            query = select(AuditEntry).where(
                AuditEntry.action == "update", AuditEntry.object_type == "response_group", AuditEntry.object_id == group_id
            )
            return list((await session.scalars(query)).all())

    return await server.acall(read)


async def confirm_save(pilot) -> None:  # noqa: ANN001
    await pilot.press("ctrl+s")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "ConfirmScreen")
    await pilot.press("y")


def idempotency_keys(proxy: CuttableProxy, path: str) -> list[str]:
    keys = []
    for head in proxy.request_heads("PATCH", path):
        for line in head.split("\r\n"):
            if line.lower().startswith("idempotency-key:"):
                keys.append(line.split(":", 1)[1].strip())
    return keys


async def test_backend_dies_after_applying_a_save_the_retry_applies_it_once(server: RunningServer, proxy: CuttableProxy) -> None:
    app = proxied_console(proxy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        version = screen.draft.base.version
        await set_name(pilot, screen, "Växeln")
        proxy.lose_answers()
        await confirm_save(pilot)
        # The server did the work; the console heard nothing back.
        for _ in range(100):
            if await updates_of(server, VAXEL):
                break
            await pilot.pause(0.05)
        assert len(await updates_of(server, VAXEL)) == 1
        assert screen.draft.dirty, "the edit is kept while the outcome is unknown"
        proxy.restore()
        await eventually(pilot, lambda: not screen.draft.dirty and screen.draft.base.name == "Växeln", "saved", timeout=12)
        assert screen.draft.base.version == version + 1
        assert len(await updates_of(server, VAXEL)) == 1, "applied once"
        # Every attempt carried the first request's key. (Whether the console
        # learnt the outcome from a retry's replayed answer or from the stream's
        # group.updated first depends on timing; either way it is applied once.)
        keys = idempotency_keys(proxy, f"/api/v1/response-groups/{VAXEL}")
        assert keys and len(set(keys)) == 1, keys


async def test_backend_down_for_longer_than_the_retries_the_outcome_is_reported_honestly(
    server: RunningServer, proxy: CuttableProxy
) -> None:
    app = proxied_console(proxy, write_retry_s=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        await set_name(pilot, screen, "Växeln")
        proxy.lose_answers()
        await confirm_save(pilot)
        await eventually(
            pilot,
            lambda: any("not known whether" in m for m in toasts(app)),
            "told that the outcome is unknown",
        )
        assert screen.draft.edits == {"name": "Växeln"}, "every edit kept"
        assert screen.query_one("#field-name Input", Input).value == "Växeln"
        # The server is back: the stream resumes, the group as it is there shows,
        # and the edit, now equal to it, is no longer unsaved.
        proxy.restore()
        await eventually(pilot, lambda: app.connection == "live", "reconnected", timeout=12)
        await eventually(pilot, lambda: screen.draft.base.name == "Växeln" and not screen.draft.dirty, "the saved group")
        assert len(await updates_of(server, VAXEL)) == 1


async def test_edits_survive_the_backend_being_down_and_save_when_it_is_back(server: RunningServer, proxy: CuttableProxy) -> None:
    app = proxied_console(proxy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        proxy.cut()
        await eventually(pilot, lambda: app.connection == "reconnecting", "shows that it is disconnected")
        await set_name(pilot, screen, "Växel 2")
        assert type(app.screen).__name__ == "GroupScreen", "the screen stays usable"
        proxy.restore()
        await eventually(pilot, lambda: app.connection == "live", "reconnected", timeout=12)
        assert screen.draft.edits == {"name": "Växel 2"}
        await confirm_save(pilot)
        await eventually(pilot, lambda: not screen.draft.dirty and screen.draft.base.name == "Växel 2", "saved")
        with server.client() as api:
            assert (await in_thread(api.get, f"/response-groups/{VAXEL}")).json()["name"] == "Växel 2"


async def test_a_slow_proxy_delivers_every_event_once_in_order(server: RunningServer, proxy: CuttableProxy) -> None:
    seen: list[int] = []
    app = proxied_console(proxy, seen=seen)
    async with app.run_test(size=(80, 24)) as pilot:
        await group_screen(pilot, VAXEL)
        await eventually(pilot, lambda: app.connection == "live", "live")
        start = server.state.bus.last_id
        proxy.slow(piece=5, pause=0.002)
        with server.client() as api:
            for n in range(6):
                await in_thread(call, api, VAXEL, f"+4670555000{n}")
        server.flush_events()
        end = server.state.bus.last_id
        assert end > start
        await eventually(pilot, lambda: app.stream.last_event_id == end, "caught up through the slow link", timeout=20)
        after = [i for i in seen if i > start]
        assert after == sorted(set(after)), "in order, no duplicates"
        assert after == list(range(start + 1, end + 1)), "no gaps"
        with server.client() as api:
            live = (await in_thread(api.get, f"/response-groups/{VAXEL}/live")).json()
        assert sorted(c.caller for c in app.store.live[VAXEL].waiting.values()) == sorted(c["caller"] for c in live["waiting"])


async def test_the_client_retries_a_lost_write_with_the_same_key(server: RunningServer, proxy: CuttableProxy) -> None:
    import asyncio

    client = VaxelClient(proxy.url)
    await client.login("admin", "admin")
    try:
        first = await client.group(VAXEL)
        proxy.lose_answers()
        saving = asyncio.create_task(client.patch_group(VAXEL, first.etag, {"view": {"wait_warning_s": 47}}))
        for _ in range(200):
            if await updates_of(server, VAXEL):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.6)  # at least one retry is lost as well
        proxy.restore()
        saved = await asyncio.wait_for(saving, 15)
        assert saved.group.view.wait_warning_s == 47
        assert saved.group.version == first.group.version + 1
        assert len(await updates_of(server, VAXEL)) == 1, "applied once"
        keys = idempotency_keys(proxy, f"/api/v1/response-groups/{VAXEL}")
        assert len(keys) >= 2 and len(set(keys)) == 1, keys
    finally:
        await client.aclose()


async def test_the_highlighted_group_is_fetched_ahead_and_opens_while_the_server_is_silent(
    server: RunningServer, proxy: CuttableProxy
) -> None:
    app = proxied_console(proxy)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        board = app.screen.query_one(GroupBoard)
        await eventually(pilot, lambda: int(board.cursor_key) in app.store.groups, "the first row fetched ahead")
        await pilot.press("down")
        second = int(board.cursor_key)
        await eventually(pilot, lambda: second in app.store.groups, "the highlighted row fetched ahead")
        assert len(proxy.request_heads("GET", f"/api/v1/response-groups/{second} ")) == 1
        proxy.silence()  # the server answers nothing from here on
        await pilot.press("enter")

        def name_shown() -> bool:
            screen = app.screen
            return isinstance(screen, GroupScreen) and screen.query_one("#field-name Input", Input).value == app.store.summaries[second].name

        await eventually(pilot, name_shown, "the group shown from what was fetched ahead")
        assert second not in app.store.live, "its live figures have not come: the server is silent"
        proxy.restore()
        await eventually(pilot, lambda: second in app.store.live, "the live figures follow")


async def test_a_group_whose_fetch_failed_is_fetched_again_once_the_server_is_back(
    server: RunningServer, proxy: CuttableProxy
) -> None:
    app = proxied_console(proxy)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        proxy.cut()  # the server is down: the group cannot be fetched
        app.open_group(VAXEL)
        await eventually(
            pilot,
            lambda: any("Cannot reach the server" in m for m in toasts(app)),
            "told the group could not be fetched",
        )
        screen = app.screen
        assert isinstance(screen, GroupScreen) and VAXEL not in app.store.live
        waiting = screen.query_one(WaitingCallsTable)
        assert waiting.render_line(1).text.strip() == "Loading…", "not 'No calls waiting.': nothing is known yet"
        if screen.draft is None:  # not fetched ahead: the header says what happens next
            where = str(screen.query_one(ScreenHeader).query_one("#where", Static).content)
            assert "trying again" in where
            seconds = int(where.split("trying again in ")[1].split(" s")[0])
            assert 1 <= seconds <= 15, where  # whole seconds, never "in 0 s"
        proxy.restore()
        # Nothing pressed: the screen fetches the group again by itself.
        await eventually(pilot, lambda: VAXEL in app.store.live and screen.draft is not None, "fetched again", timeout=20)
        await eventually(pilot, lambda: screen.query_one("#field-name Input", Input).value == app.store.groups[VAXEL].name)
        await eventually(pilot, lambda: waiting.render_line(1).text.strip() == "No calls waiting.")
        assert len([m for m in toasts(app) if "Cannot reach" in m]) == 1, "said once"


async def test_the_schedule_editor_says_it_is_loading_and_keys_wait_for_the_schedule(
    server: RunningServer, proxy: CuttableProxy
) -> None:
    app = proxied_console(proxy)
    async with app.run_test(size=(80, 24)) as pilot:
        await overview_ready(pilot)
        proxy.silence()
        app.open_schedule_editor(None)
        await eventually(pilot, lambda: isinstance(app.screen, ScheduleEditorScreen) and app.screen.query("#sched-loading"), "the editor opened")
        screen = app.screen
        assert "Loading the schedules" in str(screen.query_one("#sched-loading", Static).render())
        assert not screen.query_one(ScheduleForm).display, "no empty form that looks like a schedule"
        await pilot.press("ctrl+s", "ctrl+b")  # nothing to save or add to yet
        await pilot.pause()
        assert proxy.request_heads("POST", "/api/v1/schedules") == [] and not screen.dirty
        proxy.restore()
        await eventually(pilot, lambda: screen.loaded and screen.query_one(ScheduleForm).display, "the schedule shown")
        assert not screen.query_one("#sched-loading").display and screen.form.doc["name"] == "Dygnet runt"
