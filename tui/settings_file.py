"""`vaxel export GROUP` and `vaxel apply FILE`: a group's settings in version control.

The file holds `[vaxel]` (the group's id and name, and the version it was
exported at) and `[settings]` (every setting, as the API names them). Apply
shows each change as `path: before → after`, asks (or takes --yes), and sends
only the changes with `If-Match` of the exported version: if the group changed
on the server since, nothing is applied and the file is left as it is. After
a successful apply the file's version is moved on, so the next apply of the
same file works.

TOML has no null: an unset setting (e.g. no schedule) is left out of a TOML
file, and a nullable setting missing from a table that is present means unset.
"""
from __future__ import annotations

import json
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel

from backend.schemas import ResponseGroup
from backend.schemas.groups import ResponseGroupSettings, etag_for

FORMATS = ("json", "toml")


class SettingsFileError(Exception):
    pass


def document(group: ResponseGroup) -> dict[str, Any]:
    settings = group.settings().model_dump(mode="json")
    return {"vaxel": {"group_id": group.id, "name": group.name, "version": group.version}, "settings": settings}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def dumps(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "toml":
        header = "# Vaxel response-group settings. Apply with: vaxel apply FILE\n# Unset settings are left out (TOML has no null).\n"
        return header + tomli_w.dumps(_drop_none(doc))
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def format_of(path: Path, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    return "toml" if path.suffix.lower() == ".toml" else "json"


def load(path: Path) -> tuple[dict[str, Any], str]:
    fmt = format_of(path)
    try:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except OSError as exc:
        raise SettingsFileError(f"{path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SettingsFileError(f"{path}: {exc}") from exc
    meta, settings = doc.get("vaxel"), doc.get("settings")
    if not isinstance(meta, dict) or not isinstance(settings, dict):
        raise SettingsFileError(f"{path}: needs a 'vaxel' table and a 'settings' table (as `vaxel export` writes)")
    for key in ("group_id", "version"):
        if not isinstance(meta.get(key), int):
            raise SettingsFileError(f"{path}: vaxel.{key} must be a whole number")
    unknown = sorted(set(settings) - set(ResponseGroupSettings.model_fields))
    if unknown:
        raise SettingsFileError(f"{path}: unknown settings: {', '.join(unknown)}")
    return doc, fmt


def etag_of(doc: dict[str, Any]) -> str:
    return etag_for(doc["vaxel"]["group_id"], doc["vaxel"]["version"])


# ---------------------------------------------------------------- differences


def _nullable(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    candidates = typing.get_args(annotation) or (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def nullable_paths(model: type[BaseModel] = ResponseGroupSettings, prefix: str = "") -> dict[str, str]:
    """Every nullable setting outside lists, by path → its parent's path."""
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        path = prefix + name
        if _nullable(info.annotation):
            found[path] = prefix.rstrip(".")
        inner = _model_of(info.annotation)
        if inner is not None:
            found |= nullable_paths(inner, path + ".")
    return found


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted paths; lists are one value each."""
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        path = prefix + key
        if isinstance(inner, dict):
            flat |= flatten(inner, path + ".")
        else:
            flat[path] = inner
    return flat


def wanted(settings: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The file's settings as paths; in TOML, a missing nullable setting means unset."""
    flat = flatten(settings)
    if fmt == "toml":
        for path, parent in nullable_paths().items():
            parent_present = parent == "" or any(p.startswith(parent + ".") for p in flat) or _table_present(settings, parent)
            if path not in flat and parent_present:
                flat[path] = None
    return flat


def _table_present(settings: dict[str, Any], parent: str) -> bool:
    node: Any = settings
    for part in parent.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, dict)


def changes(current: ResponseGroup, settings: dict[str, Any], fmt: str) -> list[tuple[str, Any, Any]]:
    """(path, before, after) for every setting the file changes."""
    now = flatten(current.settings().model_dump(mode="json"))
    found = []
    for path, after in wanted(settings, fmt).items():
        if path not in now:
            # A path below a list or an unknown nested key: let the server judge it.
            found.append((path, None, after))
        elif now[path] != after:
            found.append((path, now[path], after))
    return sorted(found)


def patch_body(found: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for path, _, after in found:
        node = body
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = after
    return body


def show(value: Any) -> str:
    if value is None:
        return "–"
    return json.dumps(value, ensure_ascii=False)


def move_version(path: Path, fmt: str, version: int) -> None:
    """Record the version the file now matches, changing nothing else in it."""
    text = path.read_text(encoding="utf-8")
    if fmt == "toml":
        new, count = re.subn(r"(?m)^(\s*version\s*=\s*)\d+", lambda m: f"{m.group(1)}{version}", text, count=1)
    else:
        new, count = re.subn(r'("version"\s*:\s*)\d+', lambda m: f"{m.group(1)}{version}", text, count=1)
    if count:
        path.write_text(new, encoding="utf-8")
