"""Driving the group screen by keyboard alone (Pilot), for the settings tests.

Every helper presses keys only; it reads the screen to know when to stop.
"""
from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Select, SelectionList
from textual.widgets._select import SelectOverlay  # noqa: PLC2701 - read only, to see the highlight

from screens.group import GroupScreen
from screens.overview import OverviewScreen
from tests.console import until
from tests.server import RunningServer
from widgets.fields import SettingField, field_id
from widgets.group_board import GroupBoard
from widgets.settings import SettingsSection


def _inside(widget: Widget | None, ancestor: Widget) -> bool:
    while widget is not None:
        if widget is ancestor:
            return True
        widget = widget.parent  # type: ignore[assignment]
    return False


async def open_group_by_keys(pilot: Pilot, name: str) -> GroupScreen:
    """From the overview: arrow down to the group's row, Enter."""
    app = pilot.app
    def names() -> list[str]:
        board = app.screen.query_one(GroupBoard)
        return [board.cells_of(key)[0].text for key in board._keys]  # noqa: SLF001

    await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and name in names())
    app.screen.query_one(GroupBoard).focus()
    await pilot.press("home", *["down"] * names().index(name), "enter")
    await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
    screen = app.screen
    assert isinstance(screen, GroupScreen) and screen.draft.base.name == name
    await pilot.pause()
    return screen


async def goto_section(pilot: Pilot, screen: GroupScreen, section_id: str) -> SettingsSection:
    """F6 to the section's title; Enter opens it when it is closed."""
    section = screen.query_one(f"#section-{section_id}", SettingsSection)
    for _ in range(25):
        if _inside(pilot.app.focused, section):
            break
        await pilot.press("f6")
    else:
        raise AssertionError(f"F6 never reached section {section_id}")
    if section.collapsed:
        await pilot.press("enter")
    await until(pilot, lambda: section.ready and (section.query(SettingField) or not section.spec.fields),
                message=f"{section_id} built")  # fmt: skip
    await pilot.pause()
    return section


async def tab_to(pilot: Pilot, screen: GroupScreen, path: str) -> SettingField:
    """Tab until the focus is in the field at `path`."""
    field = screen.query_one("#" + field_id(path), SettingField)
    for _ in range(80):
        if _inside(pilot.app.focused, field):
            return field
        await pilot.press("tab")
        await pilot.pause()
    raise AssertionError(f"Tab never reached {path}; focus is on {pilot.app.focused}")


async def type_text(pilot: Pilot, text: str) -> None:
    """Replace the focused box's text: End, Ctrl+U (delete to the start), the keys."""
    await pilot.press("end", "ctrl+u", *[ch if ch != " " else "space" for ch in text])
    await pilot.pause()


async def pick(pilot: Pilot, label: str) -> None:
    """In the focused Select: Enter opens it, arrows to `label`, Enter."""
    select = pilot.app.focused
    assert isinstance(select, Select), f"focus is on {select}"
    await pilot.press("enter")
    overlay = select.query_one(SelectOverlay)
    await until(pilot, lambda: select.expanded)
    await pilot.press("home")
    for _ in range(40):
        option = overlay.get_option_at_index(overlay.highlighted or 0)
        if str(option.prompt) == label:
            await pilot.press("enter")
            await pilot.pause()
            return
        await pilot.press("down")
    raise AssertionError(f"{label!r} not offered; options: {[str(o.prompt) for o in overlay.options]}")


async def toggle(pilot: Pilot, label: str) -> None:
    """In the focused pick-list: arrows to `label`, Space."""
    picker = pilot.app.focused
    assert isinstance(picker, SelectionList), f"focus is on {picker}"
    await pilot.press("home")
    for _ in range(60):
        option = picker.get_option_at_index(picker.highlighted or 0)
        if str(option.prompt) == label:
            await pilot.press("space")
            await pilot.pause()
            return
        await pilot.press("down")
    raise AssertionError(f"{label!r} not in the list")


async def save(pilot: Pilot, screen: GroupScreen) -> str:
    """Ctrl+S, read the preview, y; returns the preview's text once saved."""
    app = pilot.app
    await pilot.press("ctrl+s")
    await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", message="save preview")
    preview = str(app.screen.query_one(".dialog-body").render())
    await pilot.press("y")
    await until(pilot, lambda: screen.draft is not None and not screen.draft.dirty, message="saved")
    return preview


def backend_group(server: RunningServer, group_id: int) -> dict[str, Any]:
    with server.client() as api:
        response = api.get(f"/response-groups/{group_id}")
        assert response.status_code == 200
        return response.json()


def organisation(server: RunningServer) -> dict[str, Any]:
    with server.client() as api:
        response = api.get("/organisation")
        assert response.status_code == 200, response.text
        return response.json()


async def tab_to_button(pilot: Pilot, button_id: str) -> None:
    """Tab until the button `#button_id` has the focus."""
    for _ in range(120):
        focused = pilot.app.focused
        if focused is not None and focused.id == button_id:
            return
        await pilot.press("tab")
        await pilot.pause()
    raise AssertionError(f"Tab never reached #{button_id}")
