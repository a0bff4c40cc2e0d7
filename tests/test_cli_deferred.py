"""The console's start leaves `importlib.metadata` unloaded while pydantic's
plugins are off (tui/cli.py, `defer_plugin_metadata`), and the module still
works for whoever uses it. Each case runs in a fresh interpreter: this test
process has long loaded it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from tui.cli import defer_plugin_metadata
defer_plugin_metadata()
import tui.app, screens.group
from backend.schemas.groups import ResponseGroup  # every settings model built
assert ResponseGroup.__pydantic_complete__
before = {m: m in sys.modules for m in ("zipfile", "csv", "importlib.metadata._adapters")}
kind = type(sys.modules["importlib.metadata"]).__name__
from importlib.metadata import entry_points  # the stand-in's own: loads nothing yet
still = type(sys.modules["importlib.metadata"]).__name__
import importlib.metadata
dotted = importlib.metadata.version("textual")  # through the package's attribute, the stand-in
from importlib.metadata import PackageNotFoundError, version
print(json.dumps({
    "before": before,
    "kind": kind,
    "still": still,
    "version": version("pydantic"),
    "dotted": dotted,
    "missing": PackageNotFoundError.__name__,
    "entry_points": len(list(entry_points(group="console_scripts"))) > 0,
    "after": type(sys.modules["importlib.metadata"]).__name__,
    "same": importlib.metadata is sys.modules["importlib.metadata"],
}))
"""


def probe(plugins: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if plugins is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = plugins
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("plugins", ["__all__", "1", "true"])
def test_with_plugins_off_the_console_starts_without_importlib_metadata_and_it_works_when_used(plugins: str) -> None:
    seen = probe(plugins)
    assert seen["before"] == {"zipfile": False, "csv": False, "importlib.metadata._adapters": False}
    assert seen["kind"] == seen["still"] == "_Deferred"
    import pydantic

    assert seen["version"] == pydantic.VERSION
    import textual

    assert seen["dotted"] == textual.__version__, "`import importlib.metadata` then `importlib.metadata.version`"
    assert seen["missing"] == "PackageNotFoundError"
    assert seen["entry_points"], "entry_points() imported before the module loaded still answers"
    assert seen["after"] == "module" and seen["same"], "the real module took the stand-in's place"


@pytest.mark.parametrize("plugins", [None, "", "logfire"])
def test_with_plugins_on_importlib_metadata_is_the_real_one_from_the_start(plugins: str | None) -> None:
    seen = probe(plugins)
    assert seen["kind"] == "module"
    assert seen["before"]["importlib.metadata._adapters"], "pydantic loaded it to look for plugins"


def test_vaxel_version_still_reads_the_installed_version() -> None:
    vaxel = str(Path(sys.executable).with_name("vaxel"))
    result = subprocess.run([vaxel, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("vaxel ")
