"""A console that ends with unsaved edits: they are kept under the state dir
and offered when the group is opened by the next console."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from textual.widgets import Input

from tests.console import console, toasts, until
from tests.live_helpers import VAXEL, group_screen, overview_ready, set_name
from tests.server import RunningServer


async def open_with_offer(pilot):  # noqa: ANN001, ANN201
    """Open Växel; the kept edits are offered on top of its screen."""
    app = pilot.app
    await overview_ready(pilot)
    app.open_group(VAXEL)
    await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", message="offered")
    screen = app.screen_stack[-2]
    assert type(screen).__name__ == "GroupScreen"
    return screen


def kept_files(home: Path) -> list[Path]:
    return sorted((home / "state").rglob("*-group-*.json"))


async def test_unsaved_edits_outlive_the_console_and_are_offered_again(server: RunningServer, isolated_home: Path) -> None:
    first = console(server)
    async with first.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        await set_name(pilot, screen, "Växel (ny)")
    # The console is gone without saving (as if killed: the file was written at the edit).
    files = kept_files(isolated_home)
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600, "only the user may read it"

    second = console(server)
    async with second.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: any("Växel" in m and "kept" in m for m in toasts(second)))
        screen = await open_with_offer(pilot)
        await pilot.press("y")
        await until(pilot, lambda: screen.draft.edits == {"name": "Växel (ny)"}, message="brought back")
        assert screen.query_one("#field-name Input", Input).value == "Växel (ny)"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(second.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: not screen.draft.dirty and screen.draft.base.name == "Växel (ny)", message="saved")
    assert kept_files(isolated_home) == [], "a save removes the kept edits"


async def test_declining_the_offer_discards_the_kept_edits(server: RunningServer, isolated_home: Path) -> None:
    first = console(server)
    async with first.run_test(size=(80, 24)) as pilot:
        screen = await group_screen(pilot, VAXEL)
        await set_name(pilot, screen, "Något annat")
    assert len(kept_files(isolated_home)) == 1
    second = console(server)
    async with second.run_test(size=(80, 24)) as pilot:
        screen = await open_with_offer(pilot)
        await pilot.press("n")
        await until(pilot, lambda: kept_files(isolated_home) == [], message="discarded")
        assert not screen.draft.dirty
