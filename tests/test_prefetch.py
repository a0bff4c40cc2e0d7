"""The overview's first figures, asked for at start (tui/prefetch.py), against the real backend."""
from __future__ import annotations

import asyncio

from screens.overview import OverviewScreen
from tests.console import in_thread, until
from tests.live_helpers import VAXEL, call, log_out_everyone
from tests.server import RunningServer
from tests.test_console import row_texts
from tui.app import VaxelApp
from tui.client import VaxelClient
from tui.prefetch import Prefetch
from widgets.group_board import GroupBoard


async def settled(prefetch: Prefetch) -> None:
    await asyncio.wait_for(prefetch.wait(), 10)
    assert prefetch.done


async def test_prefetched_figures_are_the_clients(server: RunningServer) -> None:
    token = server.token("admin")
    prefetch = Prefetch(server.url, token)
    await settled(prefetch)
    client = VaxelClient(server.url, token)
    try:
        figures = prefetch.figures(client.clock)
        assert figures is not None
        me, summaries, as_of = figures
        assert client.clock.measured  # the server's time came with the answers
        assert me.username == "admin" and me.can_edit_settings
        fetched, fetched_as_of = await client.group_summaries()
        assert [(s.id, s.name, s.waiting) for s in summaries] == [(s.id, s.name, s.waiting) for s in fetched]
        assert 0 <= as_of <= fetched_as_of
    finally:
        await client.aclose()


async def test_a_refused_token_gives_no_figures(server: RunningServer) -> None:
    prefetch = Prefetch(server.url, "not-a-token")
    await settled(prefetch)
    assert prefetch.figures(VaxelClient(server.url).clock) is None


async def test_a_server_that_is_not_there_gives_no_figures() -> None:
    prefetch = Prefetch("http://127.0.0.1:9", "token")
    await settled(prefetch)
    assert all(isinstance(answer, OSError) for answer in prefetch.answers.values())
    assert prefetch.figures(VaxelClient("http://127.0.0.1:9").clock) is None


async def test_the_overview_starts_from_prefetched_figures_and_misses_no_change(server: RunningServer) -> None:
    token = server.token("admin")
    prefetch = Prefetch(server.url, token)
    await settled(prefetch)
    # A change after the figures were taken: the stream must bring it.
    admin = server.client("admin")
    try:
        group = admin.get(f"/response-groups/{VAXEL}")
        renamed = admin.patch(f"/response-groups/{VAXEL}", json={"name": "Växel efter"}, headers={"If-Match": group.headers["etag"]})
        assert renamed.status_code == 200, renamed.text
        log_out_everyone(admin, VAXEL)  # calls stay waiting
    finally:
        admin.close()
    app = VaxelApp(VaxelClient(server.url, token), server_label="test", prefetch=prefetch)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
        assert app._start_figures is None  # noqa: SLF001 - taken by the first session
        board = app.screen.query_one(GroupBoard)
        await until(pilot, lambda: "Växel efter" in [row[0] for row in row_texts(board)], message="the change after the prefetch")
        # And the stream goes on: a new call shows in the waiting count.
        await in_thread(lambda: call(server.client("admin"), VAXEL, "+46701234567"))
        await until(pilot, lambda: any(row[0] == "Växel efter" and row[1] == "1" for row in row_texts(board)), message="a call after the start")
