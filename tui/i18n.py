"""Every user-facing string goes through `t()`: Swedish and English.

Catalogs are flat TOML files, one directory per language and one file per area
(`tui/locale/sv/group.toml`: `"group.saved" = "Sparat."`); a key may appear in
one file only. A test checks that both languages have every key and that every
`t("…")` in the code names one. The seed's terms stay Swedish in both (svarsgrupp, Telefonisystem…)
where the English text explains them.
"""
from __future__ import annotations

import marshal
import os
import sys
from functools import cache
from pathlib import Path

LANGUAGES = ("sv", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_language = "en"


@cache
def catalog(lang: str) -> dict[str, str]:
    """The language's merged catalog.

    Parsing the TOML files costs ~20 ms of every start, so the merged catalog
    is kept (marshal) in the user's cache dir, keyed by each file's name, size
    and modification time; any change to a file parses them all again.
    """
    files = sorted((LOCALE_DIR / lang).glob("*.toml"))
    stamp = [(path.name, path.stat().st_mtime_ns, path.stat().st_size) for path in files]
    cached = _cache_file(lang)
    try:
        kept_stamp, kept = marshal.loads(cached.read_bytes())
        if kept_stamp == stamp and isinstance(kept, dict):
            return kept
    except (OSError, EOFError, ValueError, TypeError):
        pass  # absent, unreadable or from another version: parse the files
    merged = _parse(files)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps((stamp, merged)))
        os.replace(partial, cached)
    except OSError:
        pass  # a read-only cache dir only costs the parse
    return merged


def _parse(files: list[Path]) -> dict[str, str]:
    import tomllib

    merged: dict[str, str] = {}
    for path in files:
        with path.open("rb") as f:
            entries = tomllib.load(f)
        clash = merged.keys() & entries.keys()
        if clash:
            raise ValueError(f"{path}: keys defined in another file too: {', '.join(sorted(clash))}")
        merged.update(entries)
    return merged


def _cache_file(lang: str) -> Path:
    from tui.paths import cache_dir

    return cache_dir() / f"catalog-{lang}-{sys.implementation.cache_tag}.marshal"


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    _language = lang


def language() -> str:
    return _language


def detect_language(explicit: str | None = None, configured: str | None = None) -> str:
    """--lang, then VAXEL_LANG, then the config file, then the locale; English otherwise."""
    for candidate in (explicit, os.environ.get("VAXEL_LANG"), configured):
        if candidate in LANGUAGES:
            return candidate
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "sv" if value.lower().startswith("sv") else "en"
    return "en"


def t(key: str, /, **values: object) -> str:
    """The text for `key` in the current language, with `{name}` filled in."""
    text = catalog(_language).get(key)
    if text is None:
        text = catalog("en").get(key, key)
    return text.format(**values) if values else text


def maybe(key: str, /, **values: object) -> str | None:
    """Like `t()`, but None when no catalog has `key` or a value is missing."""
    text = catalog(_language).get(key) or catalog("en").get(key)
    if text is None:
        return None
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return None


# ---------------------------------------------------------------- formatting


def fmt_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    if _language == "sv":
        # Swedish: space as thousands separator, comma as decimal mark.
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def fmt_percent(value: float | None) -> str:
    """'80 %' (sv) / '80%' (en); '–' when there is nothing to measure."""
    if value is None:
        return "–"
    number = fmt_number(value, 0)
    return f"{number}\u00a0%" if _language == "sv" else f"{number}%"


def fmt_duration(seconds: float) -> str:
    """m:ss under an hour, h:mm:ss above; the same in both languages."""
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
