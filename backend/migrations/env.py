"""Alembic environment: runs migrations on the async engine Vaxel uses."""
from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.db.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


#: PostgreSQL: processes starting at once migrate one after the other (the
#: second finds the schema at head and does nothing).
MIGRATE_LOCK = 0x7661_7865_6C00


async def _run_async() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATE_LOCK})
            await connection.commit()
        await connection.run_sync(_run)
        await connection.commit()
        # The lock ends with the session (NullPool: the connection closes now).
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
