"""What the script commands share: config, the chosen server, its token, a client."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tui.client import ApiError, NotVaxelServer, TlsConfigError, Unreachable, VaxelClient, tls_verification
from tui.config import ConfigError, ConsoleConfig, load_config
from tui.i18n import t
from tui.profiles import ChooseProfile, Target, resolve
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

    @property
    def url(self) -> str:
        assert self.target.url is not None
        return self.target.url

    def client(self, token: str | None = None) -> VaxelClient:
        try:
            verify = tls_verification(self.target.ca_bundle)
        except TlsConfigError as exc:
            raise CommandFailed(t("config.invalid", problem=str(exc))) from exc
        return VaxelClient(self.url, token if token is not None else self.tokens.get(self.url), verify=verify)


def open_session(server: str | None, profile: str | None) -> Session:
    """The server a script command talks to; the embedded demo is not one."""
    try:
        config = load_config()
        target = resolve(config, server, profile)
    except ConfigError as exc:
        raise CommandFailed(t("config.invalid", problem=str(exc))) from exc
    except ChooseProfile as exc:
        raise CommandFailed(t("script.choose_profile", names=", ".join(exc.names))) from exc
    if target.url is None:
        raise CommandFailed(t("script.no_server"))
    return Session(config, target, TokenStore(token_file_allowed=config.token_file))


def run_api(session: Session, work: Callable[[VaxelClient], Awaitable[T]]) -> T:
    """Run `work` with a client; connection and auth problems become clear messages."""

    async def go() -> T:
        client = session.client()
        if client.token is None:
            raise CommandFailed(t("script.not_signed_in", server=session.url))
        try:
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
            raise CommandFailed(t("script.token_refused", server=session.url)) from exc
        raise CommandFailed(t("script.refused", status=exc.status, reason=exc.message)) from exc


def fail(exc: CommandFailed) -> int:
    print(str(exc), file=sys.stderr)
    return exc.code
