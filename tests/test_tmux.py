"""The real `vaxel` command in a real terminal (tmux, 80x24): what a user sees."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed; the real-terminal tests need it"),
]

VAXEL = Path(sys.executable).with_name("vaxel")


class Tmux:
    def __init__(self, home: Path) -> None:
        self.socket = f"vaxel-test-{os.getpid()}-{time.monotonic_ns()}"
        self.home = home
        self.env = {
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "LANG": "en_US.UTF-8",
            "TERM": "xterm-256color",
        }

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def start(self, name: str, command: str) -> None:
        env = " ".join(f"{k}={v}" for k, v in self.env.items())
        shell = f"env {env} {command}; sleep 600"
        if name == "main":
            self.run("new-session", "-d", "-s", "vx", "-n", name, "-x", "80", "-y", "24", shell)
        else:
            self.run("new-window", "-t", "vx", "-n", name, shell)
            self.run("resize-window", "-t", f"vx:{name}", "-x", "80", "-y", "24")

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", f"vx:{name}")

    def keys(self, name: str, *keys: str) -> None:
        self.run("send-keys", "-t", f"vx:{name}", *keys)

    def wait_for(self, name: str, condition: Callable[[str], bool], timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen(name)
            if condition(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"screen of {name!r} never matched; it shows:\n{text}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux(isolated_home: Path) -> Iterator[Tmux]:
    session = Tmux(isolated_home)
    yield session
    session.close()
    ready = isolated_home / "data" / "vaxel" / "embedded.json"
    try:
        os.kill(json.loads(ready.read_text())["pid"], signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass


def test_vaxel_in_a_real_terminal_edits_and_a_second_console_sees_it(tmux: Tmux, isolated_home: Path) -> None:
    tmux.start("main", str(VAXEL))
    # The footer is the last thing drawn in a frame: wait for it too, so that
    # the whole first screen is read rather than one caught half-written.
    overview = tmux.wait_for(
        "main", lambda s: "● live" in s and "Växel" in s and "Kundtjänst" in s and "^q Quit" in (s.splitlines() or [""])[-1]
    )
    lines = overview.splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
    assert "Response groups" in lines[0]
    ready = json.loads((isolated_home / "data" / "vaxel" / "embedded.json").read_text())

    # A second console, in Swedish, joins the same embedded backend.
    tmux.start("second", f"{VAXEL} --lang sv")
    tmux.wait_for("second", lambda s: "Svarsgrupper" in s and "Fakturering" in s and "● live" in s)
    assert json.loads((isolated_home / "data" / "vaxel" / "embedded.json").read_text())["pid"] == ready["pid"]

    # Open the first group (Fakturering, alphabetically first) and rename it.
    tmux.keys("main", "Enter")
    tmux.wait_for("main", lambda s: "Fakturering · +46812345603" in s and "  Name " in s)
    # Focus starts on §5's title: Tab to §6's title, Tab to the name field.
    tmux.keys("main", "Tab", "Tab")
    # Textual moves focus after handling a key; keys that arrive in the same
    # burst can still reach the old focus. A person pauses; so does the test.
    time.sleep(0.3)
    tmux.keys("main", "End", " AB")
    tmux.wait_for("main", lambda s: "Fakturering AB" in s)
    tmux.keys("main", "C-s")
    tmux.wait_for("main", lambda s: "Save these changes?" in s and "Name: Fakturering → Fakturering AB" in s)
    tmux.keys("main", "y")
    saved_at = time.monotonic()
    tmux.wait_for("main", lambda s: "Fakturering AB · +46812345603" in s)
    tmux.wait_for("second", lambda s: "Fakturering AB" in s, timeout=5)
    assert time.monotonic() - saved_at < 2.0, "the second console should show the change within about a second"

    # Back in the overview, the change is there too.
    tmux.keys("main", "Escape")
    screen = tmux.wait_for("main", lambda s: "Response groups" in s and "Fakturering AB" in s)
    assert "Fakturering AB" in screen


def test_vaxel_version_and_help() -> None:
    version = subprocess.run([str(VAXEL), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("vaxel ")
    help_text = subprocess.run([str(VAXEL), "--help"], capture_output=True, text=True, check=True, env={**os.environ, "LANG": "C"}).stdout
    assert "--server URL" in help_text and "serve" in help_text
    swedish = subprocess.run([str(VAXEL), "--lang", "sv", "--help"], capture_output=True, text=True, check=True).stdout
    assert "tangentbordskonsol" in swedish
