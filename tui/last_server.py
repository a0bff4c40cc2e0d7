"""The server last signed in to, so that `vaxel status` after
`vaxel login --server URL` needs no --server (issue 15).

Kept in the state dir (`last-server.json`, private like the token file); set
by `vaxel login` and by signing in in the console, cleared by `vaxel logout`.
The embedded demo backend is never remembered: its port changes from start to
start. No Textual here.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from tui.paths import state_dir
from tui.private_files import read_private, write_private


@dataclass
class LastServer:
    directory: Path | None = None

    @property
    def file(self) -> Path:
        return (self.directory or state_dir()) / "last-server.json"

    def remember(self, url: str) -> None:
        try:
            write_private(self.file, json.dumps({"url": url, "at": time.time()}).encode())
        except OSError:
            pass  # only a convenience: the next command asks for --server

    def recall(self) -> str | None:
        try:
            url = json.loads(read_private(self.file)).get("url")
        except (OSError, ValueError, AttributeError):
            return None
        return url if isinstance(url, str) and url else None

    def forget(self, url: str | None = None) -> None:
        """Forget it (only if it is `url`, when given)."""
        if url is None or self.recall() == url:
            self.file.unlink(missing_ok=True)
