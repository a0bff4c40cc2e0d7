"""The console meets a server that is not a Vaxel server (issue 13, hole 8):
an HTML page, JSON of another shape, or a redirect, at start or mid-session.
It says so in a plain sentence and keeps running; it never dies with a traceback.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.console import toasts, until
from tests.live_helpers import VAXEL, overview_ready
from tests.not_vaxel import NotVaxel
from tests.proxy import CuttableProxy
from tests.server import RunningServer
from tui.app import VaxelApp
from tui.client import VaxelClient
from tui.i18n import set_language

pytestmark = pytest.mark.storages("sqlite")


@pytest.fixture
def proxy(server: RunningServer) -> Iterator[CuttableProxy]:
    running = CuttableProxy(server.port).start()
    yield running
    running.stop()


def said(app: VaxelApp, url: str, words: str = "answered something that is not a Vaxel server") -> bool:
    return any(f"{url} {words}" in message for message in toasts(app))


@pytest.mark.parametrize("kind", ["html", "shape", "redirect", "json-html"])
async def test_at_start_it_is_told_and_the_console_lives_on(kind: str) -> None:
    other = NotVaxel(kind).start()
    try:
        app = VaxelApp(VaxelClient(other.url, "a-token"), server_label=other.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: said(app, other.url), message="told")
            assert app.connection == "offline"
            await pilot.pause(0.3)
            assert app.is_running and app.return_code is None
    finally:
        other.stop()


async def test_the_demo_sign_in_answered_with_another_shape(isolated_home: object) -> None:
    """The embedded demo signs itself in: an answer without access_token is told, not a KeyError."""
    set_language("sv")
    other = NotVaxel("shape").start()
    try:
        app = VaxelApp(VaxelClient(other.url), credentials=("admin", "admin"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: said(app, other.url, "svarade med något som inte är en Vaxel-server"))
            assert app.is_running
    finally:
        other.stop()
        set_language("en")


async def test_mid_session_a_wrong_server_behind_the_same_address(server: RunningServer, proxy: CuttableProxy) -> None:
    """Signed in and live; then the address leads elsewhere (a proxy re-pointed):
    opening a group says what answered, the stream keeps trying, nothing dies."""
    other = NotVaxel("html").start()
    try:
        app = VaxelApp(VaxelClient(proxy.url), credentials=("admin", "admin"), server_label="test")
        async with app.run_test(size=(80, 24)) as pilot:
            await overview_ready(pilot)
            proxy.set_upstream(other.port)
            proxy.cut()  # the connections in use end; the next ones reach the other server
            proxy.restore()
            app.open_group(VAXEL)
            await until(pilot, lambda: said(app, proxy.url), timeout=20, message="the group screen says what answered")
            await until(pilot, lambda: "Vaxel" in app.connection_detail, timeout=20, message="the stream says it too")
            assert app.is_running and app.return_code is None
            assert type(app.screen).__name__ == "GroupScreen"
    finally:
        other.stop()
