"""`vaxel login` and `vaxel logout`: the token store from the command line.

`login` asks for the username and password (or reads the password from
stdin when it is not a terminal, for provisioning scripts), signs in and keeps
the token where the console looks for it (keyring; the 0600 file only with
`token_file = true`). `logout` revokes the token on the server when it can and
clears it from every store. VAXEL_TOKEN, when set, wins over any stored token.
`login` also remembers the server (tui/last_server.py), so the next commands
need no --server; `logout` forgets it.
"""
from __future__ import annotations

import asyncio
import getpass
import os
import sys

from tui.client import ApiError, NotVaxelServer, Unreachable
from tui.i18n import t
from tui.last_server import LastServer
from tui.session import CommandFailed, fail, open_session


def _ask(username: str | None) -> tuple[str, str]:
    if username is None:
        print(t("login.username") + ": ", end="", file=sys.stderr, flush=True)
        username = sys.stdin.readline().strip()
    if sys.stdin.isatty():
        password = getpass.getpass(t("login.password") + ": ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not username or not password:
        raise CommandFailed(t("login.fill_both"))
    return username, password


def run_login(server: str | None, profile: str | None, username: str | None) -> int:
    try:
        session = open_session(server, profile, signing_in=True)
        name, password = _ask(username)

        async def sign_in() -> str:
            client = session.client(token="")
            try:
                return await client.login(name, password)
            finally:
                await client.aclose()

        try:
            token = asyncio.run(sign_in())
        except ApiError as exc:
            raise CommandFailed(t("login.refused") if exc.status == 401 else exc.message) from exc
        except NotVaxelServer as exc:
            raise CommandFailed(str(exc)) from exc
        except Unreachable as exc:
            raise CommandFailed(t("script.unreachable", server=session.url, reason=str(exc))) from exc
    except CommandFailed as exc:
        return fail(exc)
    where = session.tokens.put(session.url, token)
    LastServer().remember(session.url)
    if where == "keyring":
        print(t("account.stored_keyring", server=session.url))
    elif where == "file":
        print(t("account.stored_file", server=session.url, path=str(session.tokens.file)))
    else:
        print(t("account.not_stored", reason=session.tokens.keyring_problem or ""), file=sys.stderr)
        print(f"VAXEL_TOKEN={token}")
    return 0


def run_logout(server: str | None, profile: str | None) -> int:
    """Revoke and forget the token of one server, or of every known one."""
    try:
        session = open_session(server, profile, signing_in=True) if (server or profile) else None
    except CommandFailed as exc:
        return fail(exc)
    if session is None:
        from tui.config import ConfigError, load_config
        from tui.secrets import TokenStore

        try:
            config = load_config()
        except ConfigError as exc:
            return fail(CommandFailed(t("config.invalid", problem=str(exc))))
        tokens = TokenStore(token_file_allowed=config.token_file)
        servers = {p.server.rstrip("/") for p in config.profiles.values()}
        if config.server:
            servers.add(config.server.rstrip("/"))
        servers |= tokens.known_servers()
        last = LastServer().recall()
        if last:  # its token may be in the keyring, which cannot be listed
            servers.add(last)
        for url in sorted(servers):
            _revoke(url, tokens.stored(url), config.ca_bundle)
        tokens.clear_all(servers)
        LastServer().forget()
        print(t("account.logged_out_all", count=len(servers)))
    else:
        _revoke(session.url, session.tokens.stored(session.url), session.target.ca_bundle)
        session.tokens.clear(session.url)
        LastServer().forget(session.url)
        print(t("account.logged_out", server=session.url))
    if os.environ.get("VAXEL_TOKEN"):
        print(t("account.env_token_still_set"), file=sys.stderr)
    return 0


def _revoke(url: str, token: str | None, ca_bundle: str | None) -> None:
    """Best effort: the server forgets the token too (offline: it still expires)."""
    if not token:
        return
    from tui.client import TlsConfigError, VaxelClient, tls_verification

    async def go() -> None:
        client = VaxelClient(url, token, verify=tls_verification(ca_bundle), timeout=5.0)
        try:
            await client.logout()
        finally:
            await client.aclose()

    try:
        asyncio.run(go())
    except (ApiError, Unreachable, TlsConfigError):
        pass
