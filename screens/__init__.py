"""Screens: login, overview, one group, dialogs."""
