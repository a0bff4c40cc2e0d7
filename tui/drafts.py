"""Unsaved edits survive the console: kept on disk while they exist.

Whenever a group's draft changes, its edits are written (atomically, 0600,
through a fresh file: tui/private_files.py) to the state dir, one file per
server and group; a save or an undo removes the file. At the next start the console offers what it finds. No Textual here.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tui.paths import state_dir
from tui.private_files import read_private, write_private


@runtime_checkable
class KeepsDrafts(Protocol):
    """A screen with unsaved edits it writes to a `DraftStore` (the group screen)."""

    def keep_draft(self) -> None: ...


@dataclass
class SavedDraft:
    server: str
    group_id: int
    group_name: str
    base_version: int
    edits: dict[str, Any]
    saved_at: float


class DraftStore:
    def __init__(self, server: str, directory: Path | None = None) -> None:
        self.server = server
        self.directory = (directory or state_dir()) / "drafts"

    def path(self, group_id: int) -> Path:
        server = hashlib.sha256(self.server.encode()).hexdigest()[:16]
        return self.directory / f"{server}-group-{group_id}.json"

    def save(self, group_id: int, group_name: str, base_version: int, edits: dict[str, Any]) -> None:
        if not edits:
            self.discard(group_id)
            return
        record = {
            "server": self.server,
            "group_id": group_id,
            "group_name": group_name,
            "base_version": base_version,
            "edits": edits,
            "saved_at": time.time(),
        }
        write_private(self.path(group_id), json.dumps(record, ensure_ascii=False).encode("utf-8"))

    def discard(self, group_id: int) -> None:
        self.path(group_id).unlink(missing_ok=True)

    def load(self, group_id: int) -> SavedDraft | None:
        try:
            return SavedDraft(**json.loads(read_private(self.path(group_id))))
        except (OSError, ValueError, TypeError):
            return None

    def all(self) -> list[SavedDraft]:
        """Every kept draft for this server, newest first."""
        found = []
        for path in self.directory.glob("*-group-*.json"):
            try:
                draft = SavedDraft(**json.loads(read_private(path)))
            except (OSError, ValueError, TypeError):
                continue
            if draft.server == self.server:
                found.append(draft)
        return sorted(found, key=lambda d: d.saved_at, reverse=True)
