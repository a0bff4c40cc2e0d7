"""Shared fixtures: an isolated home, a real backend on loopback, the console."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import storage as stores
from tests.server import RunningServer, fresh_database, seeded_template
from tui.i18n import set_language

#: Every test that uses `server` (or `database`) runs once per storage.
STORAGES = ("sqlite", "postgresql")
#: Console tests: they reach the storage only through the API, which the API
#: tests cover on both. They run on SQLite unless --storage is given.
CONSOLE_MODULES = {
    "test_console", "test_live_console", "test_stream_resume", "test_login", "test_issue3_screens",
    "test_issue3_snapshots", "test_group_sections", "test_group_catalog_sections", "test_group_collectors",
    "test_group_editing", "test_group_snapshots", "test_snapshots", "test_live_snapshots", "test_kept_drafts",
    "test_faults", "test_everyday", "test_profiles", "test_scripts", "test_config_cli",
    "test_tmux", "test_tmux_nocolor", "test_tmux_everyday",
}  # fmt: skip
#: Tests that read the database file with sqlite3 directly: SQLite only, until
#: they read it through SQLAlchemy or the API.
SQLITE_FILE_MODULES = {"test_api_permissions", "test_load_small", "test_lost_updates"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--storage",
        action="append",
        choices=STORAGES,
        help="run the storage-dependent tests on this storage only (repeatable; default: both, "
        "PostgreSQL skipped with the reason when it is not reachable, console tests on SQLite only)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    explicit = config.getoption("--storage")
    chosen = explicit or STORAGES
    keep, drop = [], []
    for item in items:
        param = getattr(getattr(item, "callspec", None), "params", {}).get("storage")
        marker = item.get_closest_marker("storages")
        module = item.module.__name__.rpartition(".")[2]
        if marker:
            only = marker.args
        elif module in SQLITE_FILE_MODULES or (module in CONSOLE_MODULES and not explicit):
            only = ("sqlite",)
        else:
            only = None
        wanted = [s for s in chosen if only is None or s in only]
        (drop if param is not None and param not in wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config, data, state and log dirs, in English."""
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (home / sub).mkdir(parents=True)
        monkeypatch.setenv(var, str(home / sub))
    for var in ("VAXEL_TOKEN", "VAXEL_LANG", "VAXEL_SERVER", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    set_language("en")
    return home


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session", params=[pytest.param(s, marks=pytest.mark.postgres if s == "postgresql" else ()) for s in STORAGES])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and (reason := stores.pg_unreachable()):
        pytest.skip(reason)
    return request.param


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[stores.DatabasePool]:
    """Copies of a migrated, demo-seeded PostgreSQL database, one for each test."""
    stores.drop_stale_databases()
    name = stores.new_name("template")
    RunningServer(stores.create_database(name)).start().stop()
    pool = stores.DatabasePool(name)
    yield pool
    pool.close()
    stores.drop_database(name)


@pytest.fixture
def database(storage: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    """A fresh, seeded database of this storage: a SQLite file's path, or a PostgreSQL URL."""
    if storage == "sqlite":
        yield fresh_database(request.getfixturevalue("template_db"), tmp_path)
        return
    pool = request.getfixturevalue("pg_databases")
    name, url = pool.take()
    yield url
    pool.give_back(name)


@pytest.fixture
def sqlite_server(template_db: Path, tmp_path: Path) -> Iterator[RunningServer]:
    """`server` on SQLite only, for tests that do not depend on the storage and must
    keep their ids (snapshot tests: the SVGs are named after the test id)."""
    running = RunningServer(fresh_database(template_db, tmp_path)).start()
    yield running
    running.stop()


@pytest.fixture
def server(database: Path | str) -> Iterator[RunningServer]:
    """The real backend, demo data seeded, simulator off, clock under test control."""
    running = RunningServer(database).start()
    yield running
    running.stop()


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client("admin") as client:
        yield client


@pytest.fixture
def supervisor(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client("supervisor") as client:
        yield client
