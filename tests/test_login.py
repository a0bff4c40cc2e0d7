"""Signing in to a server (vaxel --server URL), and again when the token is refused."""
from __future__ import annotations

import keyring
import pytest
from textual.widgets import Input, Static

from screens.group import GroupScreen
from screens.login import LoginScreen
from screens.overview import OverviewScreen
from tests.console import in_thread, until
from tests.server import RunningServer
from tests.test_secrets import MemoryKeyring
from tui.app import VaxelApp
from tui.client import VaxelClient
from tui.secrets import TokenStore


@pytest.fixture
def memory_keyring():  # noqa: ANN201
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


async def sign_in(pilot, username: str, password: str) -> None:  # noqa: ANN001
    screen = pilot.app.screen
    screen.query_one("#username", Input).value = username
    screen.query_one("#password", Input).value = password
    screen.query_one("#password", Input).focus()
    await pilot.press("enter")


async def test_sign_in_stores_the_token_in_the_keyring(server: RunningServer, memory_keyring: MemoryKeyring, tmp_path) -> None:  # noqa: ANN001
    client = VaxelClient(server.url)
    app = VaxelApp(client, tokens=TokenStore(directory=tmp_path), server_label=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await sign_in(pilot, "admin", "wrong")
        await until(pilot, lambda: "Wrong username or password" in str(app.screen.query_one("#login-error", Static).render()))
        await sign_in(pilot, "admin", "admin")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        assert memory_keyring.items[("vaxel", server.url)] == client.token


async def test_a_refused_token_asks_to_sign_in_again_and_keeps_the_draft(server: RunningServer, memory_keyring: MemoryKeyring, tmp_path) -> None:  # noqa: ANN001
    token = server.token("admin")
    client = VaxelClient(server.url, token)
    app = VaxelApp(client, tokens=TokenStore(directory=tmp_path), server_label=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        app.open_group(2)
        await until(pilot, lambda: isinstance(app.screen, GroupScreen) and app.screen.settled)
        group_screen = app.screen
        group_screen.query_one("#field-name Input", Input).value = "Växel 2"
        await pilot.pause()
        assert group_screen.draft.edits == {"name": "Växel 2"}
        # The token is revoked elsewhere (e.g. an administrator signs the user out).
        import httpx

        await in_thread(httpx.post, f"{server.url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await sign_in(pilot, "admin", "admin")
        await until(pilot, lambda: app.screen is group_screen)
        assert group_screen.draft.edits == {"name": "Växel 2"}, "the edit survives signing in again"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: not group_screen.draft.dirty)
        assert group_screen.draft.base.name == "Växel 2"
