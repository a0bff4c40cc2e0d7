"""The script commands against the real backend: status, export, apply, login, logout.

Each runs the installed `vaxel` command in a subprocess (its own process, as
cron or a shell would run it) with an isolated home.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from tests.live_helpers import call, log_out_everyone
from tests.server import RunningServer

VAXEL = str(Path(sys.executable).with_name("vaxel"))


def vaxel(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **(env or {})}
    return subprocess.run(
        [VAXEL, *args], capture_output=True, text=True, timeout=60, env=full, input=stdin if stdin is not None else ""
    )


@pytest.fixture
def token_env(server: RunningServer) -> dict[str, str]:
    return {"VAXEL_TOKEN": server.token("admin")}


# ---------------------------------------------------------------- status


def test_status_prints_every_group_once_and_exits_0_when_all_is_well(server: RunningServer, admin: httpx.Client, token_env: dict[str, str]) -> None:
    result = vaxel("--server", server.url, "status", env=token_env)
    assert result.returncode == 0, result.stderr
    names = [g["name"] for g in admin.get("/response-groups").json()]
    for name in names:
        assert name in result.stdout
    assert "!" not in result.stdout


def test_status_exits_2_when_a_group_is_past_its_wait_warning(server: RunningServer, admin: httpx.Client, token_env: dict[str, str]) -> None:
    group = admin.get("/response-groups/2").json()
    warning = group["view"]["wait_warning_s"]
    log_out_everyone(admin, 2)
    call(admin, 2, "+46701111111")
    server.flush_events()
    server.clock.advance(warning - 5)
    before = vaxel("--server", server.url, "status", "--json", env=token_env)
    assert before.returncode == 0, before.stderr
    row = next(g for g in json.loads(before.stdout)["groups"] if g["id"] == 2)
    assert row["waiting"] == 1 and row["past_wait_warning"] is False
    assert warning - 7 <= row["longest_wait_s"] <= warning - 3

    server.clock.advance(10)
    after = vaxel("--server", server.url, "status", "--json", env=token_env)
    assert after.returncode == 2, after.stderr
    data = json.loads(after.stdout)
    row = next(g for g in data["groups"] if g["id"] == 2)
    assert row["past_wait_warning"] is True and row["longest_wait_s"] > warning
    assert row["state"] == "open" and row["wait_warning_s"] == warning
    assert [g["id"] for g in data["groups"] if g["past_wait_warning"]] == [2]
    table = vaxel("--server", server.url, "status", env=token_env)
    assert table.returncode == 2
    line = next(text for text in table.stdout.splitlines() if text.startswith(group["name"]))
    assert " !" in line and "1 group(s) past" in table.stdout


def test_status_in_swedish(server: RunningServer, token_env: dict[str, str]) -> None:
    result = vaxel("--lang", "sv", "--server", server.url, "status", env={**token_env, "TZ": "UTC"})
    assert result.returncode == 0
    assert "Namn" in result.stdout and "Öppet" in result.stdout and "serverns tid" in result.stdout
    # The server's clock (FakeClock, 08:00 UTC) on a 24-hour clock, in the local zone (TZ=UTC here).
    assert "Per 08:00:0" in result.stdout


def test_status_exits_1_with_a_clear_message_when_the_server_cannot_be_reached(token_env: dict[str, str]) -> None:
    result = vaxel("--server", "http://127.0.0.1:9", "status", env=token_env)
    assert result.returncode == 1
    assert "Cannot reach http://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_without_a_token_says_how_to_sign_in(server: RunningServer) -> None:
    result = vaxel("--server", server.url, "status")
    assert result.returncode == 1
    assert f"vaxel login --server {server.url}" in result.stderr


def test_status_with_a_refused_token(server: RunningServer) -> None:
    result = vaxel("--server", server.url, "status", env={"VAXEL_TOKEN": "not-a-token"})
    assert result.returncode == 1 and "refused the token" in result.stderr


# ---------------------------------------------------------------- export / apply


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_export_edit_apply_round_trip(server: RunningServer, admin: httpx.Client, token_env: dict[str, str], tmp_path: Path, fmt: str) -> None:
    before = admin.get("/response-groups/3").json()
    path = tmp_path / f"group.{fmt}"
    exported = vaxel("--server", server.url, "export", before["name"], "-o", str(path), env=token_env)
    assert exported.returncode == 0, exported.stderr
    text = path.read_text()
    doc = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    assert doc["vaxel"] == {"group_id": 3, "name": before["name"], "version": before["version"]}
    assert doc["settings"]["service_level"] == before["service_level"]

    # Applying the file unchanged changes nothing.
    same = vaxel("--server", server.url, "apply", str(path), "--yes", env=token_env)
    assert same.returncode == 0 and "Nothing to change" in same.stdout
    assert admin.get("/response-groups/3").json()["version"] == before["version"]

    # Edit two settings in the file, as someone would in version control.
    old_threshold = before["service_level"]["threshold_s"]
    if fmt == "toml":
        text = text.replace(f"threshold_s = {old_threshold}", "threshold_s = 75").replace("call_waiting = false", "call_waiting = true")
    else:
        doc["settings"]["service_level"]["threshold_s"] = 75
        doc["settings"]["call_waiting"] = True
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text)
    applied = vaxel("--server", server.url, "apply", str(path), "--yes", env=token_env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert f"service_level.threshold_s: {old_threshold} → 75" in applied.stdout
    assert "call_waiting: false → true" in applied.stdout
    after = admin.get("/response-groups/3").json()
    assert after["service_level"]["threshold_s"] == 75 and after["call_waiting"] is True
    assert after["version"] == before["version"] + 1
    untouched = {k: v for k, v in after.items() if k not in ("service_level", "call_waiting", "version", "updated_at")}
    assert untouched == {k: v for k, v in before.items() if k not in ("service_level", "call_waiting", "version", "updated_at")}
    # The file now records the version it matches: exporting again gives the same file.
    again = vaxel("--server", server.url, "export", "3", "--format", fmt, env=token_env)
    assert again.stdout == path.read_text()


def test_toml_leaves_unset_settings_out_and_can_unset_one(server: RunningServer, admin: httpx.Client, token_env: dict[str, str], tmp_path: Path) -> None:
    etag = admin.get("/response-groups/3").headers["etag"]
    assert admin.patch("/response-groups/3", json={"wrap_up": {"answered_s": 20}}, headers={"If-Match": etag}).status_code == 200
    path = tmp_path / "g.toml"
    assert vaxel("--server", server.url, "export", "3", "-o", str(path), env=token_env).returncode == 0
    text = path.read_text()
    assert "answered_s = 20" in text and "schedule_id" not in text  # unset: left out
    path.write_text(text.replace("answered_s = 20\n", ""))
    applied = vaxel("--server", server.url, "apply", str(path), "--yes", env=token_env)
    assert applied.returncode == 0, applied.stderr
    assert "wrap_up.answered_s: 20 → –" in applied.stdout
    assert admin.get("/response-groups/3").json()["wrap_up"]["answered_s"] is None


def test_apply_refuses_when_the_group_changed_since_the_export(server: RunningServer, admin: httpx.Client, token_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    assert vaxel("--server", server.url, "export", "3", "-o", str(path), env=token_env).returncode == 0
    etag = admin.get("/response-groups/3").headers["etag"]
    assert admin.patch("/response-groups/3", json={"call_waiting": True}, headers={"If-Match": etag}).status_code == 200
    doc = json.loads(path.read_text())
    doc["settings"]["service_level"]["threshold_s"] = 70
    path.write_text(json.dumps(doc, indent=2))
    kept = path.read_text()
    result = vaxel("--server", server.url, "apply", str(path), "--yes", env=token_env)
    assert result.returncode == 1
    assert "Nothing applied" in result.stderr and "412" in result.stderr and "changed on the server" in result.stderr
    assert path.read_text() == kept
    assert admin.get("/response-groups/3").json()["service_level"]["threshold_s"] != 70


def test_apply_shows_the_servers_reasons_and_applies_nothing(server: RunningServer, admin: httpx.Client, token_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    assert vaxel("--server", server.url, "export", "3", "-o", str(path), env=token_env).returncode == 0
    doc = json.loads(path.read_text())
    doc["settings"]["service_level"]["threshold_s"] = 99999
    path.write_text(json.dumps(doc))
    result = vaxel("--server", server.url, "apply", str(path), "--yes", env=token_env)
    assert result.returncode == 1
    assert "service_level.threshold_s" in result.stderr


def test_apply_asks_and_without_a_terminal_needs_yes(server: RunningServer, token_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    assert vaxel("--server", server.url, "export", "3", "-o", str(path), env=token_env).returncode == 0
    doc = json.loads(path.read_text())
    doc["settings"]["call_waiting"] = not doc["settings"]["call_waiting"]
    path.write_text(json.dumps(doc))
    result = vaxel("--server", server.url, "apply", str(path), env=token_env)
    assert result.returncode == 1 and "--yes" in result.stderr
    assert "call_waiting:" in result.stdout  # the preview was shown


def test_export_of_an_unknown_group_lists_the_groups(server: RunningServer, token_env: dict[str, str]) -> None:
    result = vaxel("--server", server.url, "export", "No such group", env=token_env)
    assert result.returncode == 1 and "No group No such group" in result.stderr


def test_apply_of_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    path.write_text("[vaxel]\ngroup_id = 1\n")
    result = vaxel("--server", "http://127.0.0.1:9", "apply", str(path), "--yes")
    assert result.returncode == 1 and "'settings' table" in result.stderr


# ---------------------------------------------------------------- login / logout


def test_login_stores_the_token_that_status_then_uses_and_logout_clears_it(server: RunningServer, isolated_home: Path) -> None:
    config = isolated_home / "config" / "vaxel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'token_file = true\n\n[profiles.test]\nserver = "{server.url}"\n')
    wrong = vaxel("login", "--username", "admin", stdin="nope\n")
    assert wrong.returncode == 1 and "Wrong username or password" in wrong.stderr
    ok = vaxel("login", stdin="admin\nadmin\n")
    assert ok.returncode == 0, ok.stderr
    stored = json.loads((isolated_home / "state" / "vaxel" / "tokens.json").read_text())
    assert list(stored) == [server.url]
    assert vaxel("status").returncode == 0
    # VAXEL_TOKEN wins over the stored token.
    assert vaxel("status", env={"VAXEL_TOKEN": "bogus"}).returncode == 1
    out = vaxel("logout")
    assert out.returncode == 0, out.stderr
    assert json.loads((isolated_home / "state" / "vaxel" / "tokens.json").read_text()) == {}
    # The server revoked it too.
    revoked = httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {stored[server.url]}"})
    assert revoked.status_code == 401
    after = vaxel("status")
    assert after.returncode == 1 and "vaxel login" in after.stderr


def test_several_profiles_need_a_choice_in_scripts(server: RunningServer, isolated_home: Path, token_env: dict[str, str]) -> None:
    config = isolated_home / "config" / "vaxel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[profiles.live]\nserver = "{server.url}"\n\n[profiles.other]\nserver = "http://127.0.0.1:9"\n')
    unsure = vaxel("status", env=token_env)
    assert unsure.returncode == 1 and "--profile" in unsure.stderr and "live, other" in unsure.stderr
    assert vaxel("--profile", "live", "status", env=token_env).returncode == 0
    other = vaxel("--profile", "other", "status", env=token_env)
    assert other.returncode == 1 and "Cannot reach http://127.0.0.1:9" in other.stderr
    missing = vaxel("--profile", "nope", "status", env=token_env)
    assert missing.returncode == 1 and "'nope'" in missing.stderr


def test_login_to_the_keyring_and_logout_clears_every_store(server: RunningServer, isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """In-process (the keyring backend is the one thing mocked): main() as the command runs it."""
    import io

    import keyring

    from tests.test_secrets import MemoryKeyring
    from tui.cli import main

    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        config = isolated_home / "config" / "vaxel" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f'token_file = true\n[profiles.a]\nserver = "{server.url}"\n[profiles.b]\nserver = "http://127.0.0.1:9"\n')
        monkeypatch.setattr("sys.stdin", io.StringIO("admin\nadmin\n"))
        assert main(["login", "--server", server.url]) == 0
        assert "keyring" in capsys.readouterr().out
        token = backend.items[("vaxel", server.url)]
        # An old token of the other server, left in the file.
        tokens_file = isolated_home / "state" / "vaxel" / "tokens.json"
        tokens_file.parent.mkdir(parents=True, exist_ok=True)
        tokens_file.write_text(json.dumps({"http://127.0.0.1:9": "old"}))
        backend.items[("vaxel", "http://127.0.0.1:9")] = "old"
        assert main(["logout"]) == 0
        assert backend.items == {}
        assert json.loads(tokens_file.read_text()) == {}
        assert httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        keyring.set_keyring(before)
