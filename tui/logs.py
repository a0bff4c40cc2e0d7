"""Logs go to the platformdirs log dir (`vaxel.log`); --debug raises the level."""
from __future__ import annotations

import logging
from pathlib import Path

from tui.paths import log_dir

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_file() -> Path:
    return log_dir() / "vaxel.log"


def setup_logging(debug: bool) -> Path:
    """Log to the file (INFO; DEBUG with --debug or `debug = true`); return its path."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "vaxel", False):  # set up before (tests run main() more than once)
            root.removeHandler(old)
            old.close()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.vaxel = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    level = logging.DEBUG if debug else logging.INFO
    root.setLevel(level)
    # httpx logs every request at INFO; keep that for --debug.
    logging.getLogger("httpx").setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("vaxel").debug("logging at %s to %s", logging.getLevelName(level), path)
    return path
