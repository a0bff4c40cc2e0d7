"""Where tokens go: the keyring, or a stated fallback — never a silent plain-text file."""
from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

import tui.secrets as secrets
from tui.secrets import TokenStore

SERVER = "https://vaxel.example.com"


class MemoryKeyring(KeyringBackend):
    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class LockedKeyring(MemoryKeyring):
    """A keyring that waits for an unlock prompt nobody will answer."""

    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(5)
        return None

    set_password = lambda self, *a: time.sleep(5)  # noqa: E731


@pytest.fixture
def restore_keyring():  # noqa: ANN201
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_token_goes_to_the_keyring(tmp_path: Path, restore_keyring: None) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = TokenStore(directory=tmp_path)
    assert store.put(SERVER, "tok") == "keyring"
    assert backend.items[("vaxel", SERVER)] == "tok"
    assert store.get(SERVER) == "tok"
    assert not store.file.exists()
    store.clear(SERVER)
    assert store.get(SERVER) is None


def test_no_keyring_keeps_the_token_for_the_session_only_and_says_why(tmp_path: Path, restore_keyring: None) -> None:
    tmp_path = tmp_path / "state"
    tmp_path.mkdir()
    keyring.set_keyring(fail.Keyring())
    store = TokenStore(directory=tmp_path)
    assert store.put(SERVER, "tok") == "session"
    assert "no keyring" in (store.keyring_problem or "")
    assert not store.file.exists(), "nothing may be written without being asked for"
    assert list(tmp_path.iterdir()) == []


def test_file_fallback_only_when_asked_and_only_readable_by_the_user(tmp_path: Path, restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    store = TokenStore(token_file_allowed=True, directory=tmp_path)
    assert store.put(SERVER, "tok") == "file"
    mode = stat.S_IMODE(os.stat(store.file).st_mode)
    assert mode == 0o600
    assert TokenStore(token_file_allowed=True, directory=tmp_path).get(SERVER) == "tok"
    assert TokenStore(token_file_allowed=False, directory=tmp_path).get(SERVER) is None
    store.clear(SERVER)
    assert TokenStore(token_file_allowed=True, directory=tmp_path).get(SERVER) is None


def test_locked_keyring_is_given_up_on_within_bounds(tmp_path: Path, restore_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "KEYRING_TIMEOUT_S", 0.2)
    keyring.set_keyring(LockedKeyring())
    store = TokenStore(directory=tmp_path)
    started = time.monotonic()
    assert store.put(SERVER, "tok") == "session"
    assert store.get(SERVER) is None
    assert time.monotonic() - started < 2.0
    assert "did not answer" in (store.keyring_problem or "")


def test_environment_token_wins(tmp_path: Path, restore_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    TokenStore(directory=tmp_path).put(SERVER, "stored")
    monkeypatch.setenv("VAXEL_TOKEN", "from-env")
    assert TokenStore(directory=tmp_path).get(SERVER) == "from-env"
