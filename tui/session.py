"""What the script commands share: config, the chosen server, its token, a client.

With no server named (no --server, --profile, `server` or `profile` in the
config), a script talks to the server last signed in to, else to the embedded
demo backend — a running one, else one started as the console does — and
says on stderr which it chose, so that `vaxel status` works right after
`make run`.
"""
from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tui.client import ApiError, NotVaxelServer, TlsConfigError, Unreachable, VaxelClient, tls_verification
from tui.config import ConfigError, ConsoleConfig, load_config
from tui.i18n import t
from tui.last_server import LastServer
from tui.profiles import EMBEDDED, LAST, PROFILE, ChooseProfile, Target, resolve
from tui.secrets import TokenStore

T = TypeVar("T")


class CommandFailed(Exception):
    """A script command cannot go on; the message says why (already translated)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Session:
    config: ConsoleConfig
    target: Target
    tokens: TokenStore
    #: The embedded demo's URL (the target names none) and its demo sign-in.
    embedded_url: str | None = None
    credentials: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        url = self.target.url or self.embedded_url
        assert url is not None
        return url

    def login_command(self) -> str:
        """The command that signs in to this server again, quoted for a shell."""
        if self.target.profile and self.target.source == PROFILE:
            return f"vaxel login --profile {shlex.quote(self.target.profile)}"
        return f"vaxel login --server {shlex.quote(self.url)}"

    def client(self, token: str | None = None) -> VaxelClient:
        try:
            verify = tls_verification(self.target.ca_bundle)
        except TlsConfigError as exc:
            raise CommandFailed(t("config.invalid", problem=str(exc))) from exc
        if token is None:
            token = None if self.credentials else self.tokens.get(self.url)
        return VaxelClient(self.url, token, verify=verify)


def open_session(server: str | None, profile: str | None, *, signing_in: bool = False) -> Session:
    """The server a script command talks to (see the module's docstring).

    `signing_in`: for `vaxel login`, which needs a real server: the embedded
    demo signs itself in."""
    try:
        config = load_config()
        target = resolve(config, server, profile, last=LastServer().recall())
    except ConfigError as exc:
        raise CommandFailed(t("config.invalid", problem=str(exc))) from exc
    except ChooseProfile as exc:
        raise CommandFailed(t("script.choose_profile", names=", ".join(exc.names))) from exc
    tokens = TokenStore(token_file_allowed=config.token_file)
    if target.source == LAST:
        print(t("script.using_last", server=target.label), file=sys.stderr)
    if target.source != EMBEDDED:
        return Session(config, target, tokens)
    if signing_in:
        raise CommandFailed(t("script.no_server"), code=64)
    return Session(config, target, tokens, embedded_url=_embedded(), credentials=_demo_credentials())


def _embedded() -> str:
    from tui.embedded import EmbeddedError, ensure_backend, running_backend

    url = running_backend()
    if url is not None:
        print(t("script.using_embedded", server=url), file=sys.stderr)
        return url
    print(t("script.starting_embedded"), file=sys.stderr, flush=True)
    try:
        url = ensure_backend()
    except EmbeddedError as exc:
        raise CommandFailed(t("embedded.failed", reason=str(exc))) from exc
    print(t("script.started_embedded", server=url), file=sys.stderr)
    return url


def _demo_credentials() -> tuple[str, str]:
    from tui.embedded import DEMO_PASSWORD, DEMO_USERNAME

    return DEMO_USERNAME, DEMO_PASSWORD


def run_api(session: Session, work: Callable[[VaxelClient], Awaitable[T]]) -> T:
    """Run `work` with a client; connection and auth problems become clear messages."""

    async def go() -> T:
        client = session.client()
        try:
            if session.credentials is not None:
                await client.login(*session.credentials)  # the embedded demo signs itself in
            if client.token is None:
                raise CommandFailed(t("script.not_signed_in", server=session.url, command=session.login_command()))
            return await work(client)
        finally:
            await client.aclose()

    try:
        return asyncio.run(go())
    except NotVaxelServer as exc:  # it answered, but not as Vaxel does: its own sentence
        raise CommandFailed(str(exc)) from exc
    except Unreachable as exc:
        raise CommandFailed(t("script.unreachable", server=session.url, reason=str(exc))) from exc
    except ApiError as exc:
        if exc.status == 401:
            raise CommandFailed(t("script.token_refused", server=session.url, command=session.login_command())) from exc
        raise CommandFailed(t("script.refused", status=exc.status, reason=exc.message)) from exc


def fail(exc: CommandFailed) -> int:
    print(str(exc), file=sys.stderr)
    return exc.code

