"""Sign in to a backend (vaxel --server URL, or when a token has expired)."""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from tui.client import ApiError, Unreachable, VaxelClient
from tui.i18n import t
from widgets.header import ScreenHeader
from widgets.key_footer import KeyFooter


class LoginScreen(Screen[str | None]):
    BINDINGS = [Binding("escape", "app.quit", t("key.quit"), id="login.quit")]

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen > Vertical { width: 60; max-width: 100%; height: auto; border: round $accent; padding: 1 2; }
    LoginScreen Label { padding-top: 1; }
    LoginScreen #login-error { color: $error; height: auto; padding-top: 1; }
    LoginScreen #login-message { color: $warning; height: auto; }
    """

    def __init__(self, server_label: str, message: str = "") -> None:
        super().__init__()
        self.server_label = server_label
        self.message = message

    def compose(self) -> ComposeResult:
        yield ScreenHeader(t("login.where", server=self.server_label))
        with Vertical():
            yield Static(t("login.title", server=self.server_label), markup=False)
            yield Static(self.message, id="login-message", markup=False)
            yield Label(t("login.username"))
            yield Input(id="username", compact=True)
            yield Label(t("login.password"))
            yield Input(id="password", password=True, compact=True)
            yield Static("", id="login-error", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self.query_one("#login-error", Static).update(t("login.fill_both"))
            return
        self.log_in(username, password)

    @work(exclusive=True)
    async def log_in(self, username: str, password: str) -> None:
        from tui.app import VaxelApp

        app = self.app
        assert isinstance(app, VaxelApp)
        client: VaxelClient = app.client
        error = self.query_one("#login-error", Static)
        error.update(t("login.signing_in"))
        try:
            token = await client.login(username, password)
        except ApiError as exc:
            error.update(t("login.refused") if exc.status == 401 else exc.message)
            return
        except Unreachable as exc:
            error.update(t("conn.cannot_reach", reason=str(exc)))
            return
        if app.tokens is not None:
            where = app.tokens.put(client.base_url, token)
            if where == "session":
                app.notify(t("token.session_only", reason=app.tokens.keyring_problem or ""), severity="warning", timeout=15)
            elif where == "file":
                app.notify(t("token.in_file", path=str(app.tokens.file)), severity="warning", timeout=10)
        self.dismiss(token)
