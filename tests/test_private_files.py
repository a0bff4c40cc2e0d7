"""Issue 13, hole 10: files only the user may read stay so, whatever was left
in the directory before (a leftover `.tmp` of another mode, a file of an older
version). `os.open(…, 0o600)` does not change the mode of a file that exists,
so every write goes to a fresh, unique file that is then renamed into place.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.server import RunningServer
from tests.test_scripts import vaxel
from tui.drafts import DraftStore
from tui.private_files import NotPrivate, write_private
from tui.secrets import TokenStore


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def leftover(path: Path, text: str = "left over") -> Path:
    """A world-readable file left where a careless writer would reuse it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o644)
    return path


def test_a_leftover_world_readable_tmp_does_not_make_the_token_file_readable(tmp_path: Path, no_keyring: None) -> None:
    state = tmp_path / "state"
    old_tmp = leftover(state / "tokens.tmp")
    store = TokenStore(token_file_allowed=True, directory=state)
    assert store.put("https://vaxel.example.com", "secret-token") == "file"
    assert mode(state / "tokens.json") == 0o600
    assert json.loads((state / "tokens.json").read_text()) == {"https://vaxel.example.com": "secret-token"}
    # The leftover is no one's business: it is neither reused nor filled with the token.
    assert old_tmp.read_text() == "left over"
    assert sorted(p.name for p in state.iterdir()) == ["tokens.json", "tokens.tmp"], "no temporary file left behind"


def test_a_token_file_readable_by_others_is_made_private_before_it_is_used(tmp_path: Path, no_keyring: None) -> None:
    leftover(tmp_path / "tokens.json", json.dumps({"https://a": "t"}))
    store = TokenStore(token_file_allowed=True, directory=tmp_path)
    assert store.get("https://a") == "t"
    assert mode(tmp_path / "tokens.json") == 0o600


def test_a_leftover_draft_tmp_does_not_make_the_kept_draft_readable(tmp_path: Path) -> None:
    store = DraftStore("http://a", tmp_path)
    path = store.path(2)
    leftover(path.with_suffix(".tmp"))
    leftover(path, "{}")  # and the draft itself, from an older version, readable by all
    store.save(2, "Växel", 3, {"name": "Växeln"})
    assert mode(path) == 0o600
    assert store.load(2).edits == {"name": "Växeln"}


def test_write_private_refuses_to_follow_a_planted_symlink(tmp_path: Path) -> None:
    """The file is replaced, never written through: a link planted at its name is replaced, not followed."""
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    (tmp_path / "tokens.json").symlink_to(target)
    write_private(tmp_path / "tokens.json", b"{}")
    assert target.read_text() == "keep"
    assert not (tmp_path / "tokens.json").is_symlink() and mode(tmp_path / "tokens.json") == 0o600


def test_a_directory_others_can_write_to_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(NotPrivate, match="others can write"):
        write_private(shared / "tokens.json", b"{}")


def test_vaxel_login_with_a_leftover_tmp_keeps_the_token_file_private(server: RunningServer, isolated_home: Path) -> None:
    """The probe's own steps: a 0644 tokens.tmp in the state dir, then `vaxel login` with the token file on."""
    config = isolated_home / "config" / "vaxel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("token_file = true\n")
    leftover(isolated_home / "state" / "vaxel" / "tokens.tmp")
    result = vaxel("login", "--server", server.url, stdin="admin\nadmin\n")
    assert result.returncode == 0, result.stderr
    assert "readable by you only" in result.stdout
    assert mode(isolated_home / "state" / "vaxel" / "tokens.json") == 0o600
