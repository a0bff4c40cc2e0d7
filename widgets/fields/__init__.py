"""Editors of one setting each (see widgets/fields/base.py)."""
from widgets.fields.base import SettingField, field_id
from widgets.fields.make import make_field

__all__ = ["SettingField", "field_id", "make_field"]
