"""Helpers for the live-supervision tests: a quiet queue, the group screen, table texts."""
from __future__ import annotations

from collections.abc import Callable

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from screens.group import GroupScreen
from screens.overview import OverviewScreen
from tests.console import until
from tests.server import RunningServer
from tui.app import VaxelApp
from widgets.group_board import GroupBoard
from widgets.live_table import LiveTable

#: Demo group ids (backend/demo.py order).
KUNDTJANST, VAXEL, SUPPORT, FAKTURERING, FORSALJNING, JOUR = 1, 2, 3, 4, 5, 6


def row_texts(table: LiveTable) -> list[list[str]]:
    return [[c.text for c in table.cells_of(key)] for key in table._keys]  # noqa: SLF001


def row_of(table: LiveTable, first_cell: str) -> list[str]:
    return next(row for row in row_texts(table) if row[0] == first_cell)


def log_out_everyone(api: httpx.Client, group_id: int) -> list[dict]:
    """Nobody answers in the group (calls stay waiting); returns its agents."""
    agents = api.get(f"/response-groups/{group_id}/live").json()["agents"]
    for agent in agents:
        assert api.post(f"/response-groups/{group_id}/agents/{agent['id']}/logout").status_code == 200
    return agents


def call(api: httpx.Client, group_id: int, caller: str) -> int:
    response = api.post("/pbx/calls", json={"group_id": group_id, "caller": caller})
    assert response.status_code == 201, response.text
    return response.json()["call_id"]


class Clocks:
    """The server's FakeClock and the console's local clock, moved together."""

    def __init__(self, server: RunningServer, local: float = 1_000_000.0) -> None:
        self.server = server
        self.local = local

    def local_time(self) -> float:
        return self.local

    def advance(self, seconds: float) -> None:
        self.server.clock.advance(seconds)
        self.local += seconds


async def overview_ready(pilot: Pilot, groups: int | None = None) -> OverviewScreen:
    """The overview shows `groups` groups (any, for None) and the stream is live."""
    app = pilot.app

    def ready() -> bool:
        count = app.screen.query_one(GroupBoard).row_count
        return count > 0 if groups is None else count == groups

    await until(
        pilot,
        lambda: isinstance(app.screen, OverviewScreen) and ready(),
        message="overview loaded",
    )
    await until(pilot, lambda: app.connection == "live", message="stream live")
    return app.screen  # type: ignore[return-value]


async def group_screen(pilot: Pilot, group_id: int) -> GroupScreen:
    app = pilot.app
    assert isinstance(app, VaxelApp)
    await overview_ready(pilot)
    app.open_group(group_id)
    await until(
        pilot,
        lambda: isinstance(app.screen, GroupScreen)
        and app.screen.settled
        and group_id in app.store.live,
        message="group screen loaded (its open sections' fields mounted)",
    )
    return app.screen  # type: ignore[return-value]


async def eventually(pilot: Pilot, condition: Callable[[], object], message: str = "", timeout: float = 5.0) -> None:
    await until(pilot, condition, timeout=timeout, message=message)


async def set_name(pilot: Pilot, screen: GroupScreen, name: str) -> None:
    """Put `name` in §6's field (as if typed) and check that the draft has it as its only edit."""
    field = screen.query_one("#field-name Input", Input)
    field.focus()
    field.value = name
    await pilot.pause()
    assert screen.draft is not None and screen.draft.edits == {"name": name}
