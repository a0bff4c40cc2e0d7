"""The PATCH body model is built on first use (backend/schemas/groups.py): the
console, which never sends a PATCH body through it, does not pay for it."""
from __future__ import annotations

import subprocess
import sys

CHECK = """
import backend.schemas.groups as groups
assert "ResponseGroupPatch" not in vars(groups), "built at import"
from backend.schemas import ResponseGroupPatch
assert groups.ResponseGroupPatch is ResponseGroupPatch, "built once, then kept"
patch = ResponseGroupPatch.model_validate({"view": {"wait_warning_s": 45}})
assert patch.model_dump(exclude_unset=True) == {"view": {"wait_warning_s": 45}}
try:
    ResponseGroupPatch.model_validate({"no_such_setting": 1})
except Exception as exc:
    assert "no_such_setting" in str(exc)
else:
    raise AssertionError("an unknown field was accepted")
try:
    groups.NoSuchThing
except AttributeError:
    pass
else:
    raise AssertionError("any name resolved")
"""


def test_the_patch_model_is_built_on_first_use() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
