"""Several backend processes on one PostgreSQL: event fan-out (notify), queue ownership (owner)."""
