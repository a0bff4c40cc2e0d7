"""The command line as a scripter meets it (issue 15, items 3–5): global options
before or after the subcommand, which server is used when none is named, and
server URLs checked when the command line is read. The real `vaxel` command.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import RunningServer
from tests.test_scripts import VAXEL, vaxel
from tui.i18n import catalog

pytestmark = pytest.mark.storages("sqlite")

EXAMPLE = "give a URL such as https://vaxel.example.com"


@pytest.fixture
def token(server: RunningServer) -> dict[str, str]:
    return {"VAXEL_TOKEN": server.token("admin")}


# ---------------------------------------------------------------- item 3: global options anywhere


def test_server_and_json_after_the_subcommand(server: RunningServer, token: dict[str, str]) -> None:
    done = vaxel("status", "--server", server.url, "--json", env=token)
    assert done.returncode == 0, done.stderr
    assert {g["name"] for g in json.loads(done.stdout)["groups"]} >= {"Växel", "Kundtjänst"}


def test_export_with_server_last(server: RunningServer, token: dict[str, str]) -> None:
    done = vaxel("export", "Växel", "--server", server.url, env=token)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["vaxel"]["name"] == "Växel"


def test_lang_after_the_subcommand(server: RunningServer, token: dict[str, str]) -> None:
    swedish = vaxel("status", "--lang", "sv", "--server", server.url, env=token)
    assert swedish.returncode == 0, swedish.stderr
    assert swedish.stdout.startswith(catalog("sv")["col.name"]) and catalog("sv")["col.waiting"] in swedish.stdout
    english = vaxel("status", "--lang", "en", "--server", server.url, env=token)
    assert english.stdout.startswith(catalog("en")["col.name"]) and catalog("en")["col.waiting"] in english.stdout
    assert swedish.stdout.splitlines()[0] != english.stdout.splitlines()[0]


def test_before_still_works_and_after_wins_over_before(server: RunningServer, token: dict[str, str]) -> None:
    assert vaxel("--server", server.url, "status", env=token).returncode == 0
    # One given before the subcommand is not lost when none is given after it …
    assert vaxel("--server", server.url, "status", "--json", env=token).returncode == 0
    # … and the one after the subcommand is the one used.
    done = vaxel("--server", "http://127.0.0.1:9", "status", "--server", server.url, env=token)
    assert done.returncode == 0, done.stderr


def test_debug_and_profile_after_the_subcommand(server: RunningServer, token: dict[str, str], isolated_home: Path) -> None:
    config = isolated_home / "config" / "vaxel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[profiles.live]\nserver = "{server.url}"\n[profiles.other]\nserver = "http://127.0.0.1:9"\n')
    done = vaxel("status", "--profile", "live", "--debug", env=token)
    assert done.returncode == 0, done.stderr
    [log] = isolated_home.rglob("vaxel.log")
    assert " DEBUG " in log.read_text()


# ---------------------------------------------------------------- item 5: URLs checked at parse time


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("bad", ["not a url", "ftp://vaxel.example.com", "http://", "localhost:99999", "https://vaxel.example.com:x"])
def test_a_bad_url_is_a_usage_error(bad: str, where: str) -> None:
    args = ["--server", bad, "status"] if where == "before" else ["status", "--server", bad]
    done = vaxel(*args, env={"VAXEL_TOKEN": "t"})
    assert done.returncode == 64, done.stderr
    assert EXAMPLE in done.stderr
    assert "Not signed in" not in done.stderr and "Traceback" not in done.stderr


def test_a_bad_url_for_the_console_and_login_too() -> None:
    for args in (["--server", "not a url"], ["login", "--server", "not a url"]):
        done = vaxel(*args)
        assert done.returncode == 64 and EXAMPLE in done.stderr, done.stderr


def test_host_and_port_on_this_machine_is_taken_as_http_and_said(server: RunningServer, token: dict[str, str]) -> None:
    given = f"localhost:{server.port}"
    done = vaxel("status", "--server", given, env=token)
    assert done.returncode == 0, done.stderr
    assert f"Taken {given} as http://{given}" in done.stderr


def test_host_and_port_elsewhere_is_taken_as_https(token: dict[str, str]) -> None:
    done = vaxel("status", "--server", "vaxel.invalid:8470", env=token)
    assert "Taken vaxel.invalid:8470 as https://vaxel.invalid:8470" in done.stderr
    assert done.returncode == 1 and "Cannot reach https://vaxel.invalid:8470" in done.stderr


def test_the_suggested_command_is_quoted_for_a_shell() -> None:
    url = "http://127.0.0.1:9/vaxel&co"
    done = vaxel("status", "--server", url)
    assert done.returncode == 1
    suggested = done.stderr.split("`")[1]
    assert suggested == f"vaxel login --server {shlex.quote(url)}"
    assert shlex.split(suggested) == ["vaxel", "login", "--server", url], "pasted into a shell, it names the same server"


# ---------------------------------------------------------------- item 4: which server, when none is named


def test_login_remembers_the_server_for_the_next_commands(server: RunningServer, isolated_home: Path) -> None:
    config = isolated_home / "config" / "vaxel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("token_file = true\n")
    done = vaxel("login", "--server", server.url, stdin="admin\nadmin\n")
    assert done.returncode == 0, done.stderr
    status = vaxel("status")
    assert status.returncode == 0, status.stderr
    assert f"Using {server.url}, the server last signed in to" in status.stderr
    out = vaxel("logout")
    assert out.returncode == 0, out.stderr
    assert not (isolated_home / "state" / "vaxel" / "last-server.json").exists(), "logout forgets it"


def test_login_with_no_server_named_says_to_name_one() -> None:
    done = vaxel("login", stdin="admin\nadmin\n")
    assert done.returncode == 64
    assert "--server URL" in done.stderr


@pytest.fixture
def embedded_home(isolated_home: Path) -> Iterator[Path]:
    yield isolated_home
    ready = isolated_home / "data" / "vaxel" / "embedded.json"
    try:  # the backend the command started (it would stop by itself when idle)
        os.kill(json.loads(ready.read_text())["pid"], signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass


def test_with_no_server_named_the_embedded_demo_is_started_then_found(embedded_home: Path) -> None:
    first = vaxel("status", "--json")
    assert first.returncode in (0, 2), first.stderr
    assert "starting one" in first.stderr
    url = json.loads((embedded_home / "data" / "vaxel" / "embedded.json").read_text())["url"]
    assert f"The embedded demo backend runs at {url}" in first.stderr
    assert json.loads(first.stdout)["groups"], "the demo's groups"
    second = vaxel("status")
    assert second.returncode in (0, 2), second.stderr
    assert f"Using the embedded demo backend at {url}" in second.stderr
    assert "Växel" in second.stdout
    exported = subprocess.run(
        [VAXEL, "export", "Växel"], capture_output=True, text=True, timeout=60,
        env={**os.environ, "VAXEL_TOKEN": "not-for-the-demo"},
    )  # fmt: skip
    assert exported.returncode == 0, "the demo signs itself in; a VAXEL_TOKEN meant for another server is not sent to it"
