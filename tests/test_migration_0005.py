"""Migration 0005 on an existing SQLite database: groups' numbers enter the pool,
and it goes down and up again. (PostgreSQL was checked by hand; see docs/settings.md.)"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from backend.db.database import alembic_config


def test_upgrade_keeps_existing_groups_valid_and_downgrades(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    config = alembic_config(f"sqlite+aiosqlite:///{path}")
    command.upgrade(config, "0004")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO organisations (id, name, ai_agents_enabled) VALUES (1, 'Gamla AB', 0)")
        db.execute(
            "INSERT INTO response_groups (org_id, name, number, temporarily_closed, settings, version, created_at, updated_at)"
            " VALUES (1, 'Växel', '+46811111111', 0, '{}', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    command.upgrade(config, "0005")  # later migrations have their own tests
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT org_id, number FROM org_numbers").fetchall() == [(1, "+46811111111")]
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0005",)]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"org_numbers", "billing_ids", "knowledge_sources", "audio_files", "schedules"} <= tables
    command.downgrade(config, "0004")
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "schedules" not in tables and "org_numbers" not in tables and "response_groups" in tables
