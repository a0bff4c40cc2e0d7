"""Storage: SQLAlchemy 2 tables, the async database handle and migrations."""
