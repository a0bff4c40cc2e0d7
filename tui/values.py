"""A setting's value as the user reads it (save preview, conflicts).

No Textual here: "Kontorstid" rather than 1, "Säljare, Support" rather than
[1, 2], "off" rather than None.
"""
from __future__ import annotations

from typing import Any

from tui.catalog import Catalogs
from tui.i18n import t
from tui.sections import FieldSpec, choice_label


def plain(value: Any) -> str:
    if isinstance(value, bool):
        return t("value.off") if not value else t("value.on")
    return "–" if value in (None, "") else str(value)


def describe(spec: FieldSpec | None, value: Any, catalogs: Catalogs | None) -> str:
    if spec is None:
        return plain(value)
    if spec.kind == "collectors":
        names = [str(item.get("variable", "?")) for item in value or []]
        return t("settings.collectors.summary", count=len(names), names=", ".join(names) or "–")
    if value is None:
        if spec.kind == "optint":
            return t("value.off")
        return t(spec.none_label) if spec.none_label else "–"
    if spec.kind == "multi":
        if not value:
            return t("value.nobody")
        return ", ".join(catalogs.label(spec.catalog, v) if catalogs else str(v) for v in value)
    if spec.kind == "select":
        key = choice_label(spec, value)
        if key:
            return t(key)
        if spec.catalog and catalogs is not None:
            return catalogs.label(spec.catalog, value)
    if spec.kind == "textarea":
        text = str(value).replace("\n", " ⏎ ")
        return text if len(text) <= 60 else text[:59] + "…"
    text = plain(value)
    return f"{text} {t(spec.unit)}" if spec.unit and isinstance(value, int) else text
