"""Pictures of issue 3's own screens at 80x24, against the real backend with a frozen clock.

Regenerate after an intended change with `--snapshot-update`, then look at the SVGs.
"""
from __future__ import annotations

import time

import pytest

from screens.create_group import CreateGroupScreen
from screens.delete_group import DeleteGroupScreen
from screens.group import GroupScreen
from screens.history import HistoryScreen
from screens.overview import OverviewScreen
from screens.schedules import ScheduleEditorScreen
from tests.console import NEVER_STALE, console, until
from tests.server import T0, RunningServer
from widgets.group_board import GroupBoard
from widgets.schedule_state import ScheduleStateLine

LOCAL_NOW = T0 + 5.0


@pytest.fixture
def server(sqlite_server: RunningServer) -> RunningServer:
    """SQLite only: the drawing does not depend on the storage, and the SVGs are named after the test id."""
    return sqlite_server


@pytest.fixture
def stockholm(monkeypatch: pytest.MonkeyPatch) -> None:
    """History times are shown in the console's local zone: make it the same everywhere."""
    monkeypatch.setenv("TZ", "Europe/Stockholm")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def steady_cursor(app) -> None:  # noqa: ANN001
    """A blinking cursor would make the picture depend on the moment it is taken."""
    from textual.widgets import Input

    for field in app.screen.query(Input):
        field.cursor_blink = False


async def overview(pilot) -> None:  # noqa: ANN001
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.query_one(GroupBoard).row_count == 6)
    await until(pilot, lambda: app.connection == "live")


def test_schedule_editor_80x24(server: RunningServer, snap_compare) -> None:  # noqa: ANN001
    with server.client() as api:
        office = next(s["id"] for s in api.get("/schedules").json() if s["name"] == "Kontorstid")
    app = console(server, local_time=lambda: LOCAL_NOW, stale_after_s=NEVER_STALE)

    async def ready(pilot) -> None:  # noqa: ANN001
        await overview(pilot)
        app.open_schedule_editor(office)
        await until(pilot, lambda: isinstance(app.screen, ScheduleEditorScreen) and app.screen.saved is not None)
        line = app.screen.query_one(ScheduleStateLine)
        await until(pilot, lambda: "closes" in str(line.render()))
        await until(pilot, lambda: app.screen.focused is not None and app.screen.focused.id == "sf-name")
        steady_cursor(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_delete_group_80x24(server: RunningServer, snap_compare) -> None:  # noqa: ANN001
    app = console(server, local_time=lambda: LOCAL_NOW, stale_after_s=NEVER_STALE)

    async def ready(pilot) -> None:  # noqa: ANN001
        await overview(pilot)
        app.open_group(6)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
        app.confirm_delete_group(app.store.groups[6])
        await until(pilot, lambda: isinstance(app.screen, DeleteGroupScreen))
        await pilot.press(*"Jou")
        steady_cursor(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_create_group_80x24(server: RunningServer, snap_compare) -> None:  # noqa: ANN001
    app = console(server, local_time=lambda: LOCAL_NOW, stale_after_s=NEVER_STALE)

    async def ready(pilot) -> None:  # noqa: ANN001
        await overview(pilot)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CreateGroupScreen) and app.screen.focused is not None)
        await pilot.press(*"Kvällsjour")
        steady_cursor(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_history_80x24(server: RunningServer, stockholm: None, snap_compare) -> None:  # noqa: ANN001
    with server.client() as api:
        etag = api.get("/response-groups/2").headers["etag"]
        api.patch("/response-groups/2", json={"view": {"wait_warning_s": 45}, "call_waiting": True}, headers={"If-Match": etag})
        server.clock.advance(120)
        api.post("/response-groups/2/close")
    app = console(server, local_time=lambda: LOCAL_NOW + 120, stale_after_s=NEVER_STALE)

    async def ready(pilot) -> None:  # noqa: ANN001
        await overview(pilot)
        app.open_group_history(2)
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.entries)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
