"""Migration 0006 (live_calls) goes down and up again, on each storage."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from backend.db.database import alembic_config
from tests.test_cluster import fetch


def tables(url: str) -> set[str]:
    if url.startswith("sqlite"):
        engine = create_engine(url.replace("+aiosqlite", ""))
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
    return {r["tablename"] for r in fetch(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_live_calls_come_and_go_with_0006(database: Path | str) -> None:
    url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
    assert "live_calls" in tables(url)
    command.downgrade(alembic_config(url), "0005")
    assert "live_calls" not in tables(url) and "schedules" in tables(url)
    command.upgrade(alembic_config(url), "head")
    assert "live_calls" in tables(url)
