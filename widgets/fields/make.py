"""The editor for a field spec's kind."""
from __future__ import annotations

from typing import Any

from tui.catalog import Catalogs
from tui.sections import FieldSpec
from widgets.fields.base import SettingField


def make_field(
    spec: FieldSpec, value: Any, *, read_only: bool, catalogs: Catalogs | None, path: str | None = None
) -> SettingField:
    from widgets.fields.choice import MultiPickField, SelectField
    from widgets.fields.collectors import CollectorsField
    from widgets.fields.simple import BoolField, InputField

    if spec.kind == "textarea":
        from widgets.fields.text_area import TextAreaField

        return TextAreaField(spec, value, read_only=read_only, catalogs=catalogs, path=path)
    cls: type[SettingField] = {
        "text": InputField,
        "int": InputField,
        "optint": InputField,
        "bool": BoolField,
        "select": SelectField,
        "multi": MultiPickField,
        "collectors": CollectorsField,
    }[spec.kind]
    return cls(spec, value, read_only=read_only, catalogs=catalogs, path=path)
