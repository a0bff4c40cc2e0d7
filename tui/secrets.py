"""Where the access token is kept: the OS keyring, or a stated fallback.

Order when reading: VAXEL_TOKEN in the environment, then the keyring, then the
0600 token file (only when the user turned `token_file` on). A host without a
keyring (every headless SSH host) gets a clear message and keeps the token for
the session only, unless the user chose the file; nothing is written in plain
text without being asked for. Keyring calls are bounded: a locked keyring that
would wait for an unlock prompt is given up on after a few seconds.
"""
from __future__ import annotations

import concurrent.futures
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tui.paths import state_dir
from tui.private_files import read_private, write_private

SERVICE = "vaxel"
KEYRING_TIMEOUT_S = 3.0


class KeyringUnavailable(Exception):
    pass


def _bounded(fn, *args):  # noqa: ANN001, ANN202
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn, *args).result(timeout=KEYRING_TIMEOUT_S)
    except concurrent.futures.TimeoutError as exc:
        raise KeyringUnavailable("the keyring did not answer (locked?)") from exc
    finally:
        pool.shutdown(wait=False)


@dataclass
class TokenStore:
    token_file_allowed: bool = False
    directory: Path | None = None
    #: Why the keyring could not be used, for the console to say (None: it could).
    keyring_problem: str | None = None

    @property
    def file(self) -> Path:
        return (self.directory or state_dir()) / "tokens.json"

    def _keyring(self):  # noqa: ANN202
        try:
            import keyring
            from keyring.backends import fail
        except Exception as exc:  # noqa: BLE001
            raise KeyringUnavailable(f"keyring cannot be loaded: {exc}") from exc
        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
            raise KeyringUnavailable("no keyring backend on this host")
        return keyring

    def get(self, server: str) -> str | None:
        """The token to use: VAXEL_TOKEN when set (for scripts), else the stored one."""
        env = os.environ.get("VAXEL_TOKEN")
        if env:
            return env
        return self.stored(server)

    def stored(self, server: str) -> str | None:
        """The token kept for `server` in the keyring or the file (VAXEL_TOKEN aside)."""
        try:
            token = _bounded(self._keyring().get_password, SERVICE, server)
            if token:
                return token
        except KeyringUnavailable as exc:
            self.keyring_problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - a broken keyring must not stop the console
            self.keyring_problem = str(exc)
        if self.token_file_allowed:
            return self._read_file().get(server)
        return None

    def put(self, server: str, token: str) -> str:
        """Store the token; return where: 'keyring', 'file' or 'session'."""
        try:
            _bounded(self._keyring().set_password, SERVICE, server, token)
            self.keyring_problem = None
            return "keyring"
        except Exception as exc:  # noqa: BLE001
            self.keyring_problem = str(exc)
        if self.token_file_allowed:
            tokens = self._read_file()
            tokens[server] = token
            try:
                self._write_file(tokens)
            except OSError as exc:  # e.g. a state dir others can write to (NotPrivate)
                self.keyring_problem = f"{self.keyring_problem}; {exc}" if self.keyring_problem else str(exc)
                return "session"
            return "file"
        return "session"

    def clear(self, server: str | None = None) -> None:
        """Forget the token for `server` (or every token) in every store."""
        try:
            keyring = self._keyring()
            servers = [server] if server else list(self._read_file())
            for name in servers:
                try:
                    _bounded(keyring.delete_password, SERVICE, name)
                except Exception:  # noqa: BLE001 - not stored there
                    pass
        except KeyringUnavailable:
            pass
        tokens = self._read_file()
        if server is None:
            tokens = {}
        else:
            tokens.pop(server, None)
        if self.file.exists():
            self._write_file(tokens)

    def known_servers(self) -> set[str]:
        """Servers with a token in the file (the keyring cannot be listed)."""
        return set(self._read_file())

    def clear_all(self, servers: set[str] | list[str]) -> None:
        """Forget the tokens of `servers` in the keyring, and every token in the file."""
        for server in servers:
            self.clear(server)
        self.clear(None)

    def _read_file(self) -> dict[str, str]:
        try:
            tokens = json.loads(read_private(self.file))
        except (OSError, ValueError):  # absent, unreadable, not ours (NotPrivate), or not JSON
            return {}
        return tokens if isinstance(tokens, dict) else {}

    def _write_file(self, tokens: dict[str, str]) -> None:
        # A fresh file renamed into place (tui/private_files.py): a leftover
        # tokens.tmp readable by others once left the token file so too.
        write_private(self.file, json.dumps(tokens).encode(), durable=True)
