"""Where Vaxel keeps things (platformdirs; XDG variables are honoured on Linux)."""
from __future__ import annotations

from pathlib import Path

from platformdirs import PlatformDirs

_dirs = PlatformDirs("vaxel", appauthor=False)


def config_dir() -> Path:
    return Path(_dirs.user_config_dir)


def data_dir() -> Path:
    return Path(_dirs.user_data_dir)


def state_dir() -> Path:
    return Path(_dirs.user_state_dir)


def cache_dir() -> Path:
    return Path(_dirs.user_cache_dir)


def log_dir() -> Path:
    return Path(_dirs.user_log_dir)


def config_file() -> Path:
    return config_dir() / "config.toml"
