"""Both languages, completely: every key in both catalogs, every t("…") key exists."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tui.i18n import catalog, fmt_duration, fmt_percent, maybe, set_language, t

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("tui", "widgets", "screens") for p in (ROOT / d).rglob("*.py")]


def used_keys() -> set[str]:
    """Literal keys passed to t() or maybe(), and i18n keys in tui/sections.py."""
    keys: set[str] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("t", "maybe")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                keys.add(node.args[0].value)
    sections = (ROOT / "tui" / "sections.py").read_text()
    tree = ast.parse(sections)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.split(".")[0] in ("section", "field", "unit"):
            keys.add(node.value)
    return keys


def test_both_languages_have_the_same_keys() -> None:
    en, sv = set(catalog("en")), set(catalog("sv"))
    assert en - sv == set(), "keys missing in Swedish"
    assert sv - en == set(), "keys missing in English"


def test_every_key_used_in_the_code_exists() -> None:
    missing = sorted(k for k in used_keys() if k not in catalog("en"))
    assert missing == []


def test_no_translation_is_empty_or_left_in_english_by_mistake() -> None:
    en, sv = catalog("en"), catalog("sv")
    empty = [k for k in en if not en[k].strip() or not sv[k].strip()]
    assert empty == []
    # Placeholders must match, or a Swedish message would fail to format.
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    mismatched = [k for k in en if fields(en[k]) != fields(sv[k])]
    assert mismatched == []


@pytest.mark.parametrize(
    ("lang", "percent", "expected"), [("en", 80.4, "80%"), ("sv", 80.4, "80\u00a0%"), ("sv", None, "–")]
)
def test_percent_in_the_users_language(lang: str, percent: float | None, expected: str) -> None:
    set_language(lang)
    assert fmt_percent(percent) == expected


def test_durations() -> None:
    assert fmt_duration(0) == "0:00"
    assert fmt_duration(61.9) == "1:01"
    assert fmt_duration(3600 + 62) == "1:01:02"


def test_swedish_text_and_missing_values() -> None:
    set_language("sv")
    assert t("status.temporarily_closed") == "Stängt temporärt"
    assert maybe("error.less_than_equal", le=3600) == "får vara högst 3600"
    assert maybe("error.less_than_equal") is None  # a value is missing
    assert maybe("no.such.key") is None
