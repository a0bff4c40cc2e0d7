"""The group screen with every section expanded, at 80x24 (scrolled through,
so each section is seen once) and at 160x48, frozen clock.

Regenerate after an intended change with `--snapshot-update`, then look at the
SVGs in tests/__snapshots__/test_group_snapshots/ before committing them.
"""
from __future__ import annotations

import pytest

from screens.group import GroupScreen
from screens.overview import OverviewScreen
from tests.console import NEVER_STALE, console, until
from tests.server import RunningServer
from tests.test_snapshots import LOCAL_NOW, queue_calls
from widgets.group_board import GroupBoard
from widgets.settings import SettingsSection
from widgets.waiting_calls import WaitingCallsTable

VAXEL = 2
#: 80x24 shows 11 rows of settings; every section expanded is ~117 rows.
SCROLL_ROWS = 11
PAGES_80x24 = 11


@pytest.fixture
def server(sqlite_server: RunningServer) -> RunningServer:
    """SQLite only: the drawing does not depend on the storage, and the SVGs are named after the test id."""
    return sqlite_server


@pytest.fixture
def prepared(server: RunningServer) -> RunningServer:
    """Växel with a queue and one input collector, so every kind of field shows."""
    queue_calls(server)
    with server.client() as api:
        etag = api.get(f"/response-groups/{VAXEL}").headers["etag"]
        response = api.patch(
            f"/response-groups/{VAXEL}",
            json={"input_collectors": [{"variable": "customer_number"}], "ai_info": "Växeln kopplar vidare."},
            headers={"If-Match": etag},
        )
        assert response.status_code == 200, response.text
    return server


def every_section_open(app, page: int | None = None):  # noqa: ANN001, ANN201
    async def ready(pilot) -> None:  # noqa: ANN001
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
        app.open_group(VAXEL)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.query_one(WaitingCallsTable).row_count == 3, timeout=30)
        await until(pilot, lambda: app.connection == "live")
        screen = app.screen
        for section in screen.query(SettingsSection):
            section.collapsed = False
            section.build()
        await until(pilot, lambda: all(s.ready for s in screen.query(SettingsSection)), timeout=30)
        await until(pilot, lambda: screen.query("#field-input_collectors-0-variable"), timeout=30)
        await pilot.pause()
        if page is not None:
            screen.query_one("#settings").scroll_to(y=page * SCROLL_ROWS, animate=False)
        await pilot.pause()

    return ready


@pytest.mark.parametrize("page", range(PAGES_80x24))
def test_every_section_80x24(prepared: RunningServer, snap_compare, page: int) -> None:  # noqa: ANN001
    app = console(prepared, local_time=lambda: LOCAL_NOW, stale_after_s=NEVER_STALE)
    assert snap_compare(app, terminal_size=(80, 24), run_before=every_section_open(app, page))


@pytest.mark.parametrize("page", range(3))
def test_every_section_160x48(prepared: RunningServer, snap_compare, page: int) -> None:  # noqa: ANN001
    """At 160x48 the settings column holds 46 rows: three pages."""
    app = console(prepared, local_time=lambda: LOCAL_NOW, stale_after_s=NEVER_STALE)

    async def ready(pilot) -> None:  # noqa: ANN001
        await every_section_open(app)(pilot)
        app.screen.query_one("#settings").scroll_to(y=page * 44, animate=False)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=ready)
