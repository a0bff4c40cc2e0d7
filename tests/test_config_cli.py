"""`vaxel config`, the generated reference, logs, and the [keys] table's problems."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import ConsoleConfig, Profile, load_config_with_sources, reference
from tui.keymap import by_id, problems

ROOT = Path(__file__).resolve().parent.parent
VAXEL = str(Path(sys.executable).with_name("vaxel"))


def vaxel(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VAXEL, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "vaxel" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_config_path_is_under_the_platform_config_dir(isolated_home: Path) -> None:
    result = vaxel("config", "path")
    assert result.returncode == 0
    assert result.stdout.strip() == str(isolated_home / "config" / "vaxel" / "config.toml")


def test_config_show_names_where_each_value_came_from(isolated_home: Path) -> None:
    path = write_config(
        isolated_home,
        'language = "sv"\n# a comment\nwait_alert = "bell"\n\n[profiles.work]\nserver = "https://v.example.com"\n\n[keys]\n"group.save" = "f2"\n',
    )
    result = vaxel("config", "show", env={"VAXEL_WAIT_ALERT": "flash", "VAXEL_THEME": "nord"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f'language = "sv"  (file {path}:1)' in lines
    assert 'wait_alert = "flash"  (env VAXEL_WAIT_ALERT)' in lines
    assert 'theme = "nord"  (env VAXEL_THEME)' in lines
    assert "token_file = false  (default)" in lines
    assert f'profiles.work = {{"server": "https://v.example.com"}}  (file {path}:5)' in lines
    assert f'keys."group.save" = "f2"  (file {path}:9)' in lines
    assert str(isolated_home / "state" / "vaxel" / "log" / "vaxel.log") in result.stdout


def test_every_field_is_documented() -> None:
    for model in (ConsoleConfig, Profile):
        undocumented = [name for name, info in model.model_fields.items() if not (info.description or "").strip()]
        assert undocumented == [], model.__name__


def test_docs_config_md_is_the_generated_reference() -> None:
    """docs/config.md must be regenerated (`vaxel config show --reference > docs/config.md`) when the model changes."""
    assert (ROOT / "docs" / "config.md").read_text() == reference()
    for name in ConsoleConfig.model_fields:
        assert f"| `{name}` |" in reference()


def test_reference_from_the_command() -> None:
    result = vaxel("config", "show", "--reference")
    assert result.returncode == 0 and result.stdout == reference()


def test_every_scalar_field_has_an_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values = {"server": "http://x", "profile": "p", "language": "en", "theme": "nord", "wait_alert": "bell",
              "token_file": "true", "ca_bundle": "/ca.pem", "debug": "1"}
    assert set(values) == set(ConsoleConfig.model_fields) - {"profiles", "keys"}
    for name, value in values.items():
        monkeypatch.setenv(f"VAXEL_{name.upper()}", value)
    config, sources = load_config_with_sources(tmp_path / "none.toml")
    for name in values:
        assert sources[name].kind == "env" and sources[name].where == f"VAXEL_{name.upper()}"
    assert config.token_file is True and config.debug is True and config.theme == "nord"


def test_a_bad_profile_names_its_line(tmp_path: Path) -> None:
    from tui.config import ConfigError

    path = tmp_path / "c.toml"
    path.write_text('theme = "nord"\n\n[profiles.work]\nserver = "https://a"\nsevrer = "x"\n')
    with pytest.raises(ConfigError, match=rf"{path}:5: profiles.work.sevrer"):
        load_config_with_sources(path)


# ---------------------------------------------------------------- logs


def test_logs_go_to_the_log_dir_and_debug_raises_the_level(isolated_home: Path) -> None:
    log = isolated_home / "state" / "vaxel" / "log" / "vaxel.log"
    assert vaxel("config", "path").returncode == 0
    assert log.exists()
    assert "DEBUG" not in log.read_text()
    assert vaxel("--debug", "config", "path").returncode == 0
    assert "DEBUG vaxel: logging at DEBUG to" in log.read_text()


def test_debug_from_the_config_file(isolated_home: Path) -> None:
    write_config(isolated_home, "debug = true\n")
    assert vaxel("config", "path").returncode == 0
    assert "logging at DEBUG" in (isolated_home / "state" / "vaxel" / "log" / "vaxel.log").read_text()


# ---------------------------------------------------------------- keys


def test_keys_lists_every_binding_id() -> None:
    result = vaxel("keys")
    assert result.returncode == 0, result.stdout
    for binding_id in by_id():
        assert f"  {binding_id} " in result.stdout


def test_unknown_ids_and_conflicts_are_reported_with_file_and_line(isolated_home: Path) -> None:
    path = write_config(
        isolated_home,
        '[keys]\n"group.save" = "f2"\n"group.sav" = "f3"\n"overview.sort_wait" = "n"\n"group.revert" = "escape"\n',
    )
    result = vaxel("keys")
    assert result.returncode == 1
    assert f"{path}:3: keys.group.sav: no key binding has the id group.sav" in result.stdout
    assert f"{path}:4: keys.overview.sort_wait: n is also the key of overview.sort_name" in result.stdout
    assert f"{path}:5: keys.group.revert: escape is also the key of group.back" in result.stdout
    assert "keys.group.save" not in result.stdout.split("Problems")[1]
    # The console does not start with them either, and says why.
    start = vaxel("--server", "http://127.0.0.1:9")
    assert start.returncode == 2 and f"{path}:3: keys.group.sav" in start.stderr


def test_rebinding_two_keys_onto_each_other_is_no_conflict() -> None:
    assert problems({"overview.sort_name": "w", "overview.sort_wait": "n"}) == []
    assert problems({"group.save": "ctrl+q"}) != []  # the app's quit key is active on every screen


def test_a_misspelt_key_name_and_a_key_given_as_its_character() -> None:
    found = problems({"group.save": "ctlr+s", "overview.sort_wait": "?"})
    assert any("keys.group.save: ctlr+s is not a key name" in line for line in found)
    # "?" is the key Textual calls question_mark: F1/? help has it already.
    assert any("keys.overview.sort_wait: question_mark is also the key of app.help" in line for line in found)
    assert problems({"group.save": "f2,ctrl+s", "overview.sort_wait": "v"}) == []


def test_usage_errors_exit_64_not_status_codes() -> None:
    for args in (["status", "--bogus"], ["export"], ["--lang", "xx", "status"]):
        result = vaxel(*args)
        assert result.returncode == 64 and "error:" in result.stderr, args
