"""Vaxel's console: the App and its non-UI core (config, API client, live stream, i18n)."""
