"""Vaxel's backend: the HTTP service, storage, queue engine, simulator and events.

Nothing here imports the console (an import-linter contract in pyproject checks it).
"""
