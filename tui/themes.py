"""Vaxel's own themes, registered with Textual beside its built-in ones.

`vaxel-high-contrast`: black background, white text, pure saturated colours
for warnings and errors, for bright rooms, projectors and low vision. Every
warning also carries a mark (! ⚠ ●), so NO_COLOR's monochrome loses nothing.
"""
from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="vaxel-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    warning="#FFA500",
    error="#FF3030",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#262626",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={
        "footer-key-foreground": "#FFFF00",
        "footer-description-foreground": "#FFFFFF",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "input-selection-background": "#FFFF00 50%",
    },
)

THEMES = (HIGH_CONTRAST,)
