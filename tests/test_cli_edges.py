"""The CLI at its edges (issue 13, holes 8 and 9): a reader that goes away, and
a server that is not a Vaxel server. Each runs the real `vaxel` command.
"""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.not_vaxel import NotVaxel
from tests.server import RunningServer
from tests.test_scripts import VAXEL

pytestmark = pytest.mark.storages("sqlite")


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **extra}


def with_reader_gone(*args: str, extra_env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `vaxel ARGS` with its standard output a pipe whose reader has already
    gone (as `| head` does once it has its lines): the return code and stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [VAXEL, *args], stdout=write_end, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env=env(**(extra_env or {})), timeout=60, text=True,
        )  # fmt: skip
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


# ---------------------------------------------------------------- hole 9: a closed pipe


@pytest.mark.parametrize("args", [["status", "--json"], ["status"], ["export", "Växel"]])
def test_a_closed_pipe_ends_the_command_quietly_as_sigpipe_does(server: RunningServer, args: list[str]) -> None:
    code, stderr = with_reader_gone("--server", server.url, *args, extra_env={"VAXEL_TOKEN": server.token()})
    assert stderr == "", "no traceback, no message: the reader chose to stop reading"
    assert code == -signal.SIGPIPE, f"ended as if by SIGPIPE (as `yes | head` does), not exit {code}"


@pytest.mark.parametrize("args", [["keys"], ["config", "show"], ["--version"]])
def test_a_closed_pipe_without_a_server(args: list[str]) -> None:
    code, stderr = with_reader_gone(*args)
    assert stderr == ""
    assert code == -signal.SIGPIPE


def test_help_into_a_closed_pipe_is_quiet() -> None:
    """argparse itself swallows the error of printing help (and exits 0): quiet either way."""
    code, stderr = with_reader_gone("--help")
    assert stderr == "" and code in (0, -signal.SIGPIPE)


def test_head_in_a_shell_pipeline(server: RunningServer) -> None:
    """The probe's own pipelines: vaxel's status is 0 or SIGPIPE's 141, never 1; nothing on stderr."""
    script = 'vaxel status --json | head -3 >/dev/null; echo "${PIPESTATUS[0]}"; vaxel keys | head -1 >/dev/null; echo "${PIPESTATUS[0]}"'
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120,
        env=env(VAXEL_TOKEN=server.token(), VAXEL_SERVER=server.url, PATH=f"{Path(VAXEL).parent}:{os.environ['PATH']}"),
    )  # fmt: skip
    assert done.stderr == ""
    assert set(done.stdout.split()) <= {"0", "141"}, done.stdout


# ---------------------------------------------------------------- hole 8: not a Vaxel server


def run(*args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VAXEL, *args], capture_output=True, text=True, timeout=60, input=stdin, env=env(**extra))


SAYS = {
    "en": "{url} answered something that is not a Vaxel server: ",
    "sv": "{url} svarade med något som inte är en Vaxel-server: ",
}


COMMANDS = (["status"], ["status", "--json"], ["export", "Växel"], ["login", "--username", "admin"])
#: Every kind of wrong answer with `status`; every command with an HTML page and
#: with JSON of another shape; Swedish for each command once.
CASES = sorted(
    {("en", kind, 0) for kind in ("html", "shape", "redirect", "json-html")}
    | {("en", kind, i) for kind in ("html", "shape") for i in range(len(COMMANDS))}
    | {("sv", "html", i) for i in range(len(COMMANDS))}
)


@pytest.mark.parametrize(("lang", "kind", "command"), CASES)
def test_an_answer_that_is_not_vaxels_is_a_plain_sentence(lang: str, kind: str, command: int) -> None:
    other = NotVaxel(kind).start()
    try:
        done = run("--server", other.url, "--lang", lang, *COMMANDS[command], stdin="admin\n", VAXEL_TOKEN="t")
    finally:
        other.stop()
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
    assert SAYS[lang].format(url=other.url) in done.stderr, done.stderr
    assert done.returncode == 1, "1: the server could not be asked (README)"
    assert done.stdout == ""
    assert other.paths, "it was asked"


def test_apply_against_something_that_is_not_vaxel(server: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "vaxel.toml"
    exported = run("--server", server.url, "export", "Växel", "-o", str(path), VAXEL_TOKEN=server.token())
    assert exported.returncode == 0, exported.stderr
    before = path.read_text()
    for kind in ("html", "shape"):
        other = NotVaxel(kind).start()
        try:
            done = run("--server", other.url, "apply", str(path), "--yes", VAXEL_TOKEN="t")
        finally:
            other.stop()
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert SAYS["en"].format(url=other.url) in done.stderr
    assert path.read_text() == before, "the file is left alone"
