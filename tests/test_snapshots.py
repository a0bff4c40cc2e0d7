"""Pictures of the console at 80x24, with a frozen clock, checked pixel for pixel.

Regenerate after an intended change: `make test PYTEST_ARGS="tests/test_snapshots.py --snapshot-update"`,
then look at the new SVGs before committing them.
"""
from __future__ import annotations

import httpx
import pytest

from screens.group import GroupScreen
from screens.overview import OverviewScreen
from tests.console import NEVER_STALE, console, until
from tests.server import T0, RunningServer
from widgets.group_board import GroupBoard
from widgets.waiting_calls import WaitingCallsTable


@pytest.fixture
def server(sqlite_server: RunningServer) -> RunningServer:
    """SQLite only: the drawing does not depend on the storage, and the SVGs are named after the test id."""
    return sqlite_server

LOCAL_NOW = T0 + 95.0  # the console's frozen clock: 95 s after the calls below began


def queue_calls(server: RunningServer) -> None:
    """Växel (id 2): its agents logged out, three callers waiting 95, 40 and 5 s."""
    with server.client() as api:
        for agent in api.get("/response-groups/2/live").json()["agents"]:
            api.post(f"/response-groups/2/agents/{agent['id']}/logout")
        for delay, caller in ((0, "+46701234501"), (55, "+46701234502"), (90, "+46701234503")):
            at = T0 + delay
            response = api.post("/pbx/calls", json={"group_id": 2, "caller": caller, "at": _iso(at)})
            assert response.status_code == 201, response.text
        server.clock.set(T0 + 95)


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat()


@pytest.fixture
def queued(server: RunningServer) -> RunningServer:
    queue_calls(server)
    return server


def test_overview_80x24(queued: RunningServer, snap_compare) -> None:  # noqa: ANN001
    app = console(queued, local_time=lambda: LOCAL_NOW, stale_after_s=NEVER_STALE)

    async def ready(pilot) -> None:  # noqa: ANN001
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
        await until(pilot, lambda: app.connection == "live")
        await until(pilot, lambda: app.screen.query_one(GroupBoard).cell(2, "longest").text == "! 1:35")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_group_screen_80x24(queued: RunningServer, snap_compare) -> None:  # noqa: ANN001
    app = console(queued, local_time=lambda: LOCAL_NOW, stale_after_s=NEVER_STALE)

    async def ready(pilot) -> None:  # noqa: ANN001
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
        app.open_group(2)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.query_one(WaitingCallsTable).row_count == 3)
        await until(pilot, lambda: app.connection == "live")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
