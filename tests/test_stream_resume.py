"""The console's stream through a loopback proxy the test can cut, silence or repoint.

The backend is real (uvicorn, SQLite, engine on a FakeClock); only the network
between console and backend misbehaves.
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from tests.console import in_thread
from tests.live_helpers import KUNDTJANST, VAXEL, call, eventually, group_screen, log_out_everyone, overview_ready
from tests.proxy import CuttableProxy
from tests.server import RunningServer
from tui.app import VaxelApp
from tui.client import VaxelClient
from tui.stream import Backoff, EventStream
from widgets.group_board import GroupBoard
from widgets.live_panel import GroupLivePanel
from widgets.waiting_calls import WaitingCallsTable


@pytest.fixture
def proxy(server: RunningServer) -> Iterator[CuttableProxy]:
    running = CuttableProxy(server.port).start()
    yield running
    running.stop()


def proxied_console(proxy: CuttableProxy, *, stale_after_s: float = 8.0) -> VaxelApp:
    client = VaxelClient(proxy.url)

    def quick_stream(c: VaxelClient) -> EventStream:
        # Reconnect within a second in tests; the jitter stays.
        return EventStream(c, backoff=Backoff(base=0.1, cap=0.5))

    return VaxelApp(
        client, credentials=("admin", "admin"), server_label="test", stream_factory=quick_stream, stale_after_s=stale_after_s
    )


def last_event_ids(proxy: CuttableProxy) -> list[int | None]:
    out = []
    for head in proxy.stream_requests():
        found = re.search(r"(?im)^last-event-id:\s*(\d+)", head)
        out.append(int(found.group(1)) if found else None)
    return out


async def test_cut_stream_resumes_with_last_event_id_and_misses_nothing(server: RunningServer, proxy: CuttableProxy) -> None:
    app = proxied_console(proxy)
    with server.client() as api:
        await in_thread(log_out_everyone, api, VAXEL)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        table = screen.query_one(WaitingCallsTable)
        with server.client() as api:
            await in_thread(call, api, VAXEL, "+46700000001")
        await eventually(pilot, lambda: app.store.live[VAXEL].waiting, "first call seen")
        seen_before_cut = app.stream.last_event_id
        loads_before = len([h for h in proxy.requests if b"/live " in h])

        proxy.cut()
        await eventually(pilot, lambda: app.connection == "reconnecting", "noticed the cut")
        # While the console is cut off: two calls arrive, one of them is answered and ends.
        with server.client() as api:
            await in_thread(call, api, VAXEL, "+46700000002")
            third = await in_thread(call, api, VAXEL, "+46700000003")
            await in_thread(api.post, f"/pbx/calls/{third}/hangup", json={})
            await in_thread(call, api, KUNDTJANST, "+46700000004")
        server.flush_events()
        assert app.stream.last_event_id == seen_before_cut  # nothing came through the cut

        proxy.restore()
        await eventually(pilot, lambda: app.connection == "live", "reconnected")
        await eventually(pilot, lambda: app.stream.last_event_id == server.state.bus.last_id, "caught up")
        callers = sorted(c.caller for c in app.store.live[VAXEL].waiting.values())
        assert callers == ["+46700000001", "+46700000002"]
        # The table draws when the screen takes the store's change, a message
        # after the store itself: wait for it (a busy machine shows the gap).
        await eventually(
            pilot,
            lambda: sorted(table.cell(k, "caller").text for k in table._keys) == callers,  # noqa: SLF001
            "the table shows both calls",
        )
        # The first connection started after the overview's snapshot; the reconnect
        # carried the last id it had, and no snapshot was fetched again.
        ids = last_event_ids(proxy)
        assert ids[0] is not None and ids[0] <= seen_before_cut and seen_before_cut in ids[1:]
        assert len([h for h in proxy.requests if b"/live " in h]) == loads_before
        # The overview's figures for the other group came through too (its call rings at an agent).
        assert app.store.summaries[KUNDTJANST].waiting == 1
        assert app.store.summaries[VAXEL].waiting == 2


async def test_silent_link_marks_the_live_figures_stale_until_it_speaks_again(server: RunningServer, proxy: CuttableProxy) -> None:
    app = proxied_console(proxy, stale_after_s=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await overview_ready(pilot)
        board = screen.query_one(GroupBoard)
        assert not board.stale
        proxy.silence()
        await eventually(pilot, lambda: app.stale and board.stale, "stale after a silent second", timeout=8)
        hint = str(screen.query_one("#overview-hint").render())
        assert "STALE since" in hint
        assert app.connection == "stale"
        proxy.restore()  # what the server said meanwhile (pings) arrives
        await eventually(pilot, lambda: not app.stale and not board.stale, "fresh again", timeout=10)
        assert "STALE" not in str(screen.query_one("#overview-hint").render())


async def test_group_panel_is_marked_stale_too(server: RunningServer, proxy: CuttableProxy) -> None:
    app = proxied_console(proxy, stale_after_s=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        panel = screen.query_one(GroupLivePanel)
        proxy.silence()
        await eventually(pilot, lambda: panel.query_one(WaitingCallsTable).stale, "stale", timeout=8)
        assert "STALE since" in str(panel.query_one("#live-tabs").render())
        assert panel.query_one("#live-sl").has_class("-stale")
        proxy.restore()
        await eventually(pilot, lambda: not panel.query_one(WaitingCallsTable).stale, "fresh", timeout=10)


@pytest.mark.storages("sqlite")  # a restored backup is modelled with sqlite3's online backup
async def test_a_server_that_cannot_resume_makes_the_console_reload_its_snapshots(
    server: RunningServer, proxy: CuttableProxy, tmp_path  # noqa: ANN001
) -> None:
    app = proxied_console(proxy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        # A copy of the database as it is now (the console's token is in it)...
        server.flush_events()
        copy = tmp_path / "restored.db"
        with sqlite3.connect(server.database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        # ...then the first server goes on, so the console sees ids the copy never had.
        with server.client() as api:
            for n in range(10):
                await in_thread(call, api, KUNDTJANST, f"+467000001{n:02d}")
        server.flush_events()
        await eventually(pilot, lambda: app.stream.last_event_id == server.state.bus.last_id)

        # The server is "restored from a backup" behind the same address: it cannot resume us.
        other = RunningServer(copy).start()
        try:
            with other.client() as api:
                await in_thread(log_out_everyone, api, VAXEL)
                await in_thread(call, api, VAXEL, "+46700000999")
            other.flush_events()
            assert other.state.bus.last_id < app.stream.last_event_id
            proxy.set_upstream(other.port)
            proxy.cut()
            proxy.restore()
            # It answers our Last-Event-ID with `resync`: everything is fetched again.
            await eventually(
                pilot,
                lambda: [c.caller for c in app.store.live[VAXEL].waiting.values()] == ["+46700000999"],
                "group snapshot reloaded",
                timeout=10,
            )
            await eventually(pilot, lambda: app.store.summaries[VAXEL].waiting == 1, "summaries reloaded")
            assert app.store.summaries[KUNDTJANST].waiting == 0
            table = screen.query_one(WaitingCallsTable)
            await eventually(pilot, lambda: table.row_count == 1)
            assert app.connection == "live"
        finally:
            other.stop()
