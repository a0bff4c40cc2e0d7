"""Business rules that need the database: one module per kind of object."""
