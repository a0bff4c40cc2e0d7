"""The console's settings: one TOML file, overridden by `VAXEL_<FIELD>` variables.

File: `vaxel config path` shows where (platformdirs' config dir + config.toml).
`vaxel config show` prints each effective value and where it came from;
`vaxel config show --reference` prints the reference generated from this model
(docs/config.md is that output; a test keeps them equal).

A plain pydantic model rather than pydantic-settings: the console reads its
config on every start, and pydantic-settings' import alone cost a quarter of a
second of start-up on the reference machine (the backend still uses it).
"""
from __future__ import annotations

import os
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tui.paths import config_file

ENV_PREFIX = "VAXEL_"


class ConfigError(Exception):
    """The config file cannot be used; the message names the file and the line."""


class Profile(BaseModel):
    """A saved server: `[profiles.NAME]` with `server = "https://…"`."""

    model_config = ConfigDict(extra="forbid")

    server: str = Field(description="The backend's URL, e.g. https://vaxel.example.com.")
    ca_bundle: str | None = Field(None, description="Extra CA certificates (PEM) for this server only.")
    description: str = Field("", description="Shown beside the name in the chooser at start.")


class ConsoleConfig(BaseModel):
    """Console settings. Every scalar field can be set in config.toml or as VAXEL_<FIELD>."""

    model_config = ConfigDict(extra="forbid")

    server: str | None = Field(
        None, description="Backend URL; empty: a saved profile, or the embedded demo backend."
    )
    profile: str | None = Field(
        None,
        description="Name of the saved server (a [profiles.NAME] table) to use when --server and "
        "--profile are not given; empty with several profiles: ask at start.",
    )
    language: Literal["sv", "en"] | None = Field(None, description="sv or en; empty: from the locale.")
    theme: str = Field(
        "textual-dark",
        description="Colour theme: vaxel-high-contrast, or any Textual theme (textual-dark, "
        "textual-light, nord, gruvbox, …). Also from the command palette (ctrl+p).",
    )
    wait_alert: Literal["off", "bell", "flash"] = Field(
        "off", description="Alert when a group crosses its wait-warning threshold: off, bell or flash."
    )
    token_file: bool = Field(
        False,
        description="Where no keyring exists, keep the token in a 0600 file in the state dir "
        "(off: the token lasts for the session only).",
    )
    ca_bundle: str | None = Field(None, description="Extra CA certificates (PEM) for a private backend.")
    debug: bool = Field(False, description="Write debug-level logs (as --debug does).")
    profiles: dict[str, Profile] = Field(
        default_factory=dict,
        description="Saved servers, one table each: [profiles.work] server = \"https://…\". "
        "Chosen with --profile NAME, `profile = NAME`, or at start.",
    )
    keys: dict[str, str] = Field(
        default_factory=dict,
        description="Key bindings by id: [keys] \"group.save\" = \"ctrl+s\" (several keys: \"ctrl+s,f2\"). "
        "`vaxel keys` lists every id with its key.",
    )


#: Fields that are tables in the file; the environment does not set them.
TABLE_FIELDS = ("profiles", "keys")


@dataclass(frozen=True)
class Source:
    """Where a setting's value came from, for `vaxel config show` and errors."""

    kind: Literal["default", "file", "env", "option"]
    where: str = ""  # "path:line", the variable's name, or the option

    def __str__(self) -> str:
        return self.kind if self.kind == "default" else f"{self.kind} {self.where}"


def read_toml(path: Path) -> dict[str, Any]:
    try:
        f = path.open("rb")
    except FileNotFoundError:
        return {}
    import tomllib  # only when there is a file: most starts have none

    try:
        with f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def _split_dotted(text: str) -> list[str]:
    """`profiles.work` or `profiles."my server"` as its parts."""
    parts = re.findall(r""""((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+)""", text)
    return [a or b or c for a, b, c in parts]


def key_lines(path: Path) -> dict[str, int]:
    """The line of every key in the file, by dotted path ("keys.group.save" → 12).

    Good enough for the simple files people write by hand (tables and
    key = value lines); a key it cannot place is reported without a line.
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    found: dict[str, int] = {}
    table: list[str] = []
    for number, text in enumerate(lines, 1):
        header = _HEADER.match(text)
        if header:
            table = _split_dotted(header.group(1))
            found.setdefault(".".join(table), number)
            continue
        key = _KEY.match(text)
        if key:
            raw = key.group(1)
            parts = [raw[1:-1]] if raw[0] in "\"'" else raw.split(".")
            found.setdefault(".".join([*table, *parts]), number)
    return found


def _where(path: Path, lines: dict[str, int], dotted: str) -> str:
    line = lines.get(dotted)
    return f"{path}:{line}" if line else str(path)


def load_config_with_sources(path: Path | None = None) -> tuple[ConsoleConfig, dict[str, Source]]:
    """The file's values, the environment's over them; and where each came from.

    Sources are keyed by field name, and for table fields also by dotted path
    ("keys.group.save", "profiles.work") so errors and keymaps can name lines.
    """
    path = path or config_file()
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    data = read_toml(path)
    lines = key_lines(path) if data else {}
    for key, value in data.items():
        values[key] = value
        sources[key] = Source("file", _where(path, lines, key))
        if key in TABLE_FIELDS and isinstance(value, dict):
            for inner in value:
                dotted = f"{key}.{inner}"
                sources[dotted] = Source("file", _where(path, lines, dotted))
    for name in ConsoleConfig.model_fields:
        variable = ENV_PREFIX + name.upper()
        if name not in TABLE_FIELDS and variable in os.environ:
            raw = os.environ[variable]
            values[name] = None if raw == "" else raw
            sources[name] = Source("env", variable)
    try:
        config = ConsoleConfig(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]] or ["?"]
            where = str(path)
            for depth in range(len(loc), 0, -1):
                dotted = ".".join(loc[:depth])
                source = sources.get(dotted)
                if source is not None and source.kind == "env":
                    where = source.where
                    break
                if dotted in lines:
                    where = f"{path}:{lines[dotted]}"
                    break
            problems.append(f"{where}: {'.'.join(loc)}: {error['msg']}")
        raise ConfigError("\n".join(problems)) from exc
    for name in ConsoleConfig.model_fields:
        sources.setdefault(name, Source("default"))
    return config, sources


def load_config(path: Path | None = None) -> ConsoleConfig:
    return load_config_with_sources(path)[0]


# ---------------------------------------------------------------- reference


def _type_name(annotation: Any) -> str:
    """A type as the reference shows it: `"sv" or "en" or none`, `table of Profile`."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in args)
    if origin is Literal:
        return " or ".join(f'"{arg}"' for arg in args)
    if origin is dict:
        return f"table of {_type_name(args[1])}"
    if annotation is type(None):
        return "none"
    return {"str": "text", "bool": "true/false", "int": "whole number"}.get(annotation.__name__, annotation.__name__)


def _toml_value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def reference() -> str:
    """docs/config.md: every field of the config file, from the model itself."""
    out = [
        "# Console configuration reference",
        "",
        "<!-- Generated by `vaxel config show --reference`; tests/test_config_cli.py keeps it equal. -->",
        "",
        "One TOML file: `vaxel config path` prints where (the platformdirs config dir, e.g.",
        "`~/.config/vaxel/config.toml` on Linux). Every scalar field can also be set by an",
        "environment variable `VAXEL_<FIELD>` (upper case), which wins over the file; an empty",
        "variable means \"not set\". `vaxel config show` prints the effective values and where",
        "each came from. Mistakes are reported with the file and the line.",
        "",
        "| Field | Type | Default | Variable | Meaning |",
        "|---|---|---|---|---|",
    ]
    for name, info in ConsoleConfig.model_fields.items():
        default = "`{}`" if info.default_factory is not None else _toml_value(info.default)
        variable = "–" if name in TABLE_FIELDS else f"`{ENV_PREFIX}{name.upper()}`"
        out.append(f"| `{name}` | {_type_name(info.annotation)} | {default} | {variable} | {info.description} |")
    out += ["", "## `[profiles.NAME]`", "", Profile.__doc__ or "", "", "| Field | Type | Default | Meaning |", "|---|---|---|---|"]
    for name, info in Profile.model_fields.items():
        default = "required" if info.is_required() else _toml_value(info.default)
        out.append(f"| `{name}` | {_type_name(info.annotation)} | {default} | {info.description} |")
    out += [
        "",
        "## Example",
        "",
        "```toml",
        'language = "sv"',
        'theme = "vaxel-high-contrast"',
        'wait_alert = "bell"',
        'profile = "work"',
        "",
        "[profiles.work]",
        'server = "https://vaxel.example.com"',
        "",
        "[profiles.test]",
        'server = "https://vaxel-test.example.com"',
        'ca_bundle = "/etc/ssl/private-ca.pem"',
        "",
        "[keys]",
        '"group.save" = "ctrl+s,f2"',
        '"overview.sort_wait" = "v"',
        "```",
        "",
    ]
    return "\n".join(out)
