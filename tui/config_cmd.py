"""`vaxel config path` and `vaxel config show [--reference]`."""
from __future__ import annotations

import json
import sys

from tui.config import TABLE_FIELDS, ConfigError, ConsoleConfig, Source, load_config_with_sources, reference
from tui.i18n import t
from tui.logs import log_file
from tui.paths import config_file


def _value(value: object) -> str:
    if value is None:
        return "–"
    return json.dumps(value, ensure_ascii=False)


def show_lines(config: ConsoleConfig, sources: dict[str, Source]) -> list[str]:
    lines = []
    for name in ConsoleConfig.model_fields:
        value = getattr(config, name)
        if name in TABLE_FIELDS:
            items = value.items() if isinstance(value, dict) else []
            if not value:
                lines.append(f"{name} = {{}}  ({sources[name]})")
            for key, inner in items:
                shown = _value(inner.model_dump(exclude_defaults=True)) if hasattr(inner, "model_dump") else _value(inner)
                lines.append(f"{name}.{json.dumps(key) if '.' in key else key} = {shown}  ({sources.get(f'{name}.{key}', sources[name])})")
        else:
            lines.append(f"{name} = {_value(value)}  ({sources[name]})")
    return lines


def run_config(action: str, reference_only: bool = False) -> int:
    if action == "path":
        print(config_file())
        return 0
    if reference_only:
        sys.stdout.write(reference())
        return 0
    try:
        config, sources = load_config_with_sources()
    except ConfigError as exc:
        print(t("config.invalid", problem=str(exc)), file=sys.stderr)
        return 1
    print(t("config.file_is", path=str(config_file())) + ("" if config_file().exists() else " " + t("config.no_file")))
    print(t("config.log_is", path=str(log_file())))
    print()
    for line in show_lines(config, sources):
        print(line)
    return 0
