"""README's "Scripts and monitoring" block, word for word, right after `make run`
(issue 15): the console runs in a real terminal (tmux) as `make run` starts it
(`.venv/bin/vaxel`, which starts the embedded demo backend), and the block's
lines run in a shell in a checkout, as a newcomer would paste them.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.test_tmux import Tmux, tmux  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.storages("sqlite"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed; make run is a terminal program"),
]


def readme_block(heading: str) -> list[str]:
    """The lines of the first ```sh block under `heading` in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"no sh block under {heading!r}"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_blocks_of_the_readme_name_nothing_outside_the_repository() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in text, "README points outside the repository"
    for link in re.findall(r"\]\(([^)#]+)\)", text):
        if not link.startswith(("http://", "https://")):
            assert (ROOT / link).exists(), f"README links to {link}, which is not in the repository"


def test_the_readme_cli_block_works_word_for_word_right_after_make_run(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    lines = readme_block("### Scripts and monitoring")
    assert any(line.startswith("vaxel status") for line in lines)

    # `make run`: the console on the embedded demo backend, in an 80x24 terminal.
    tmux.start("main", str(VENV / "bin" / "vaxel"))
    tmux.wait_for("main", lambda s: "● live" in s and "Växel" in s, timeout=90)

    # Another terminal, in the checkout (its .venv is the one make run set up).
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / ".venv").symlink_to(VENV)
    script = "\n".join(f'{line}\necho "@@ $?"' for line in lines)
    done = subprocess.run(
        ["bash", "-c", script], cwd=checkout, capture_output=True, text=True, timeout=300,
        env={**tmux.env, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )  # fmt: skip
    codes = [int(code) for code in re.findall(r"^@@ (\d+)$", done.stdout, re.M)]
    assert len(codes) == len(lines), done.stdout + done.stderr
    for line, code in zip(lines, codes):
        # status: 2 means a demo caller waits past its group's warning — all is well with the command.
        allowed = {0, 2} if line.startswith("vaxel status") else {0}
        assert code in allowed, f"{line!r} exited {code}:\n{done.stderr}"
    assert "Traceback" not in done.stderr
    assert "Using the embedded demo backend at http://127.0.0.1:" in done.stderr, "it says which backend it used"
    assert "starting one" not in done.stderr, "the one make run started, not another"
    assert "Växel" in done.stdout and '"groups": [' in done.stdout
    exported = tomllib.loads((checkout / "vaxel.toml").read_text(encoding="utf-8"))
    assert exported["vaxel"]["name"] == "Växel"
    assert "Nothing to change" in done.stdout, "apply of what was just exported changes nothing"
