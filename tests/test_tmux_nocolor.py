"""NO_COLOR: the real `vaxel` in a real terminal draws no colour, and a caller
waiting past the warning is still marked, by its `!`."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.server import RunningServer
from tests.test_live_snapshots import busy_vaxel
from tests.test_tmux import VAXEL, Tmux, tmux  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed; the real-terminal tests need it"),
]

SGR = re.compile(r"\x1b\[([0-9;]*)m")


NEUTRAL_NAMED = {0, 7, 8, 15}  # black, white, grey, bright white


def is_grey(code: int) -> bool:
    """Whether a 256-colour index is neutral (tmux reports colours as indexes)."""
    if code < 16:
        return code in NEUTRAL_NAMED
    if code >= 232:
        return True  # the grey ramp
    r, g, b = (code - 16) // 36, (code - 16) % 36 // 6, (code - 16) % 6
    return r == g == b


def chromatic_colours(escaped: str) -> set[str]:
    """Every colour the pane uses that is not a grey, as its SGR parameters."""
    found: set[str] = set()
    for match in SGR.finditer(escaped):
        parts = [int(p) for p in match.group(1).split(";") if p.isdigit()]
        i = 0
        while i < len(parts):
            code = parts[i]
            if code in (38, 48) and i + 1 < len(parts) and parts[i + 1] == 2:
                rgb = parts[i + 2 : i + 5]
                if len(set(rgb)) > 1:
                    found.add(f"{code};2;{';'.join(map(str, rgb))}")
                i += 5
            elif code in (38, 48) and i + 2 < len(parts) and parts[i + 1] == 5:
                if not is_grey(parts[i + 2]):
                    found.add(f"{code};5;{parts[i + 2]}")
                i += 3
            elif 30 <= code <= 37 or 40 <= code <= 47:
                if code % 10 not in (0, 7):
                    found.add(str(code))
                i += 1
            elif 90 <= code <= 97 or 100 <= code <= 107:
                if code % 10 not in (0, 7):
                    found.add(str(code))
                i += 1
            else:
                i += 1
    return found


def test_no_color_draws_in_greys_and_warnings_keep_their_marks(tmux: Tmux, server: RunningServer, isolated_home: Path) -> None:  # noqa: F811
    busy_vaxel(server)  # Växel: one caller has waited past its 30-s warning
    tmux.env["NO_COLOR"] = "1"
    tmux.env["VAXEL_TOKEN"] = server.token("admin")
    tmux.start("main", f"{VAXEL} --server {server.url}")
    screen = tmux.wait_for("main", lambda s: "● live" in s and "Växel" in s)
    row = next(line for line in screen.splitlines() if "Växel" in line)
    assert "!" in row, f"the late queue is marked without colour: {row!r}"
    escaped = tmux.run("capture-pane", "-e", "-p", "-t", "vx:main")
    assert SGR.search(escaped), "the capture carries the terminal's attributes"
    chromatic = chromatic_colours(escaped)
    assert not chromatic, f"colours under NO_COLOR: {sorted(chromatic)[:5]}"
