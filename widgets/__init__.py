"""Reusable widgets. They never call the API: screens feed them data."""
