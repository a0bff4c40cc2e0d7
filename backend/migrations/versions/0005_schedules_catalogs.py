"""Schedules (§7) and the organisation's catalogs: numbers, billing IDs,
knowledge sources, audio files.

Numbers already used by response groups enter the pool, so an existing
database keeps every group valid.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAMED = {"billing_ids": "label", "knowledge_sources": "name", "audio_files": "name"}


def _org_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["org_id"], ["organisations.id"])


def upgrade() -> None:
    op.create_table(
        "org_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        _org_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_org_numbers_org_id", "org_numbers", ["org_id"])
    for table, column in NAMED.items():
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("org_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.String(length=128), nullable=False),
            _org_fk(),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(f"ix_{table}_org_id", table, ["org_id"])
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "name", name="uq_schedules_org_name"),
    )
    op.create_index("ix_schedules_org_id", "schedules", ["org_id"])
    op.execute("INSERT INTO org_numbers (org_id, number) SELECT org_id, number FROM response_groups")


def downgrade() -> None:
    op.drop_index("ix_schedules_org_id", table_name="schedules")
    op.drop_table("schedules")
    for table in reversed(list(NAMED)):
        op.drop_index(f"ix_{table}_org_id", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_org_numbers_org_id", table_name="org_numbers")
    op.drop_table("org_numbers")
