"""A group's settings being edited: the server's copy plus the user's edits.

No Textual here. Edits are kept by dotted path (`service_level.threshold_s`),
validated with the same pydantic model the backend uses, turned into one PATCH
body, and kept through a failed save, a 412 or a lost connection.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from backend.schemas import ResponseGroup, ResponseGroupSettings
from tui.i18n import maybe

SETTINGS_FIELDS = tuple(ResponseGroupSettings.model_fields)


def get_path(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def part_at(value: Any, path: str) -> Any:
    """The part of `value` at `path`, through lists too (`0.prompt.text`); None if absent."""
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target = document
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


@dataclass
class FieldProblem:
    path: str
    message: str  # already in the user's language


def translate_error(code: str, params: dict[str, Any] | None, fallback: str) -> str:
    """A pydantic or backend error code in the user's language, else `fallback`."""
    return maybe(f"error.{code}", **(params or {})) or fallback


def problems_from(exc: ValidationError) -> dict[str, FieldProblem]:
    problems: dict[str, FieldProblem] = {}
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, (int, float, str))}
        problems[path] = FieldProblem(path, translate_error(error["type"], ctx, message))
    return problems


@dataclass
class Draft:
    base: ResponseGroup
    edits: dict[str, Any] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return self.base.etag

    def base_document(self) -> dict[str, Any]:
        return self.base.settings().model_dump(mode="json")

    def base_document_value(self, path: str) -> Any:
        """The server's value at `path`."""
        return get_path(self.base_document(), path)

    def value(self, path: str) -> Any:
        if path in self.edits:
            return self.edits[path]
        return get_path(self.base_document(), path)

    def set(self, path: str, value: Any) -> None:
        """Record an edit; setting a field back to the server's value un-edits it."""
        if value == get_path(self.base_document(), path):
            self.edits.pop(path, None)
        else:
            self.edits[path] = value

    def discard(self, paths: list[str] | None = None) -> None:
        for path in list(self.edits) if paths is None else paths:
            self.edits.pop(path, None)

    @property
    def dirty(self) -> bool:
        return bool(self.edits)

    def is_dirty(self, path_prefix: str) -> bool:
        return any(p == path_prefix or p.startswith(path_prefix + ".") for p in self.edits)

    def merged(self) -> dict[str, Any]:
        document = self.base_document()
        for path, value in self.edits.items():
            set_path(document, path, value)
        return document

    def validate(self) -> dict[str, FieldProblem]:
        """Problems by path; empty when the edited settings are valid."""
        try:
            ResponseGroupSettings.model_validate(self.merged())
        except ValidationError as exc:
            return problems_from(exc)
        return {}

    def patch(self) -> dict[str, Any]:
        """The PATCH body: only what differs from the server's copy."""
        body: dict[str, Any] = {}
        for path, value in self.edits.items():
            set_path(body, path, value)
        return body

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(path, server's value, edited value) for the save preview."""
        base = self.base_document()
        return [(path, get_path(base, path), value) for path, value in sorted(self.edits.items())]

    def rebase(self, newer: ResponseGroup) -> list[str]:
        """Take the server's newer copy, keeping the edits.

        Returns the edited paths the server also changed (the user should see
        both values); edits that now equal the server's value are dropped.
        """
        old_base = self.base_document()
        self.base = newer
        new_base = self.base_document()
        conflicts = []
        for path, value in list(self.edits.items()):
            if get_path(new_base, path) == value:
                del self.edits[path]
            elif get_path(old_base, path) != get_path(new_base, path):
                conflicts.append(path)
        return conflicts
