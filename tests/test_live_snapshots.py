"""Snapshots of the group screen's live panel with its flowchart, at 80x24 and 160x48.

Deterministic: the server's engine runs on a FakeClock and the console's local
clock is fixed, so wait times and clock offsets are the same on every run. The
panel is shown alone (the "live only" key), so the settings sections, which
change for their own reasons, do not move these pictures.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.console import NEVER_STALE, console, until
from tests.live_helpers import VAXEL, call, log_out_everyone
from tests.server import RunningServer
from widgets.waiting_calls import WaitingCallsTable


@pytest.fixture
def server(sqlite_server: RunningServer) -> RunningServer:
    """SQLite only: the drawing does not depend on the storage, and the SVGs are named after the test id."""
    return sqlite_server


def busy_vaxel(server: RunningServer) -> Callable[[], float]:
    """Växel with one agent on a call, one in wrap-up and two callers waiting, one past the warning."""
    with server.client() as api:
        agents = log_out_everyone(api, VAXEL)
        for agent in agents:
            api.post(f"/response-groups/{VAXEL}/agents/{agent['id']}/login")
        first = call(api, VAXEL, "+46701000001")
        second = call(api, VAXEL, "+46701000002")
        live = api.get(f"/response-groups/{VAXEL}/live").json()
        ringing = {a["id"] for a in live["agents"] if a["state"] == "offered"}
        elin, fredrik = sorted(ringing)
        server.clock.advance(10)
        assert api.post(f"/pbx/calls/{first}/answer", json={"agent_id": elin}).status_code == 200
        server.clock.advance(18)
        # 15 s of wrap-up; the call goes back to the queue, and nobody else is free.
        assert api.post(f"/pbx/calls/{second}/reject", json={"agent_id": fredrik}).status_code == 200
        server.clock.advance(4)
        call(api, VAXEL, "+46701000003")
        server.clock.advance(6)  # the second caller has waited 38 s: past Växel's 30-s warning
    local = 1_700_000_000.0
    return lambda: local


async def _live_only(pilot: Pilot) -> None:
    from screens.group import GroupScreen

    app = pilot.app
    await until(pilot, lambda: type(app.screen).__name__ == "OverviewScreen" and app.connection == "live")
    app.open_group(VAXEL)
    await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
    await until(pilot, lambda: app.screen.query_one(WaitingCallsTable).row_count == 2)
    await pilot.press("ctrl+o")
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_flowchart_snapshot(server: RunningServer, snap_compare, size: tuple[int, int]) -> None:  # noqa: ANN001
    app = console(server, local_time=busy_vaxel(server), stale_after_s=NEVER_STALE)
    assert snap_compare(app, terminal_size=size, run_before=_live_only)
