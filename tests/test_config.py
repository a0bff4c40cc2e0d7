"""The console's config file: bad files name the file and the line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import ConfigError, load_config


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path / "config.toml")
    assert config.server is None and config.wait_alert == "off" and config.token_file is False


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('language = "sv"\nwait_alert = "bell"\n')
    monkeypatch.setenv("VAXEL_WAIT_ALERT", "flash")
    config = load_config(path)
    assert config.language == "sv"
    assert config.wait_alert == "flash"


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('language = "sv"\n\nserver = http://no-quotes\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert "line 3" in str(info.value)


def test_bad_value_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('language = "sv"\nwait_alert = "siren"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"{path}:2: wait_alert" in str(info.value)


def test_unknown_key_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('langauge = "sv"\n')
    with pytest.raises(ConfigError, match=r"config.toml:1: langauge"):
        load_config(path)


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'language = "\xff"\n')
    with pytest.raises(ConfigError, match="config.toml"):
        load_config(path)


def test_vaxel_refuses_to_start_with_a_broken_config(isolated_home: Path) -> None:
    config = isolated_home / "config" / "vaxel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("theme = \n")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("vaxel"))], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert str(config) in result.stderr and "line 1" in result.stderr
