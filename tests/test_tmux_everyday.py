"""The real `vaxel` in tmux (80x24): the server chooser, a rebound key, a theme, help."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.server import RunningServer
from tests.test_tmux import VAXEL, Tmux

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed; the real-terminal tests need it"),
]


def test_chooser_keymap_theme_and_help_in_a_real_terminal(server: RunningServer, isolated_home: Path) -> None:
    config = isolated_home / "config" / "vaxel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'theme = "vaxel-high-contrast"\n\n'
        f'[profiles.live]\nserver = "{server.url}"\ndescription = "the test backend"\n\n'
        '[profiles.other]\nserver = "http://127.0.0.1:9"\n\n'
        '[keys]\n"overview.sort_wait" = "v"\n'
    )
    tmux = Tmux(isolated_home)
    tmux.env["VAXEL_TOKEN"] = server.token("admin")
    try:
        tmux.start("main", str(VAXEL))
        chooser = tmux.wait_for("main", lambda s: "Choose a server" in s and "other" in s)
        assert f"live  {server.url}  · the test backend" in chooser
        tmux.keys("main", "Enter")  # the first: live
        overview = tmux.wait_for("main", lambda s: "● live" in s and "Växel" in s and "^p Commands" in (s.splitlines() or [""])[-1])
        footer = overview.splitlines()[-1]
        assert " v " in footer and " w " not in footer, footer  # the rebound key is the one shown
        assert "f1 Help" in footer and "^p Commands" in footer
        tmux.keys("main", "F1")
        shown = tmux.wait_for("main", lambda s: "Keys that work here" in s)
        lines = shown.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        assert "Overview: every response group" in shown
        tmux.keys("main", "Escape")
        tmux.wait_for("main", lambda s: "Keys that work here" not in s and "Växel" in s)
        tmux.keys("main", "v")
        tmux.wait_for("main", lambda s: "Sorted by longest wait" in s)
    finally:
        tmux.close()
