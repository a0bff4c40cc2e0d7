"""Value types shared by several API objects, each with its own rule."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, BaseModel, StringConstraints
from pydantic_core import PydanticCustomError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # newline and tab allowed in long text
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def no_control_chars(value: str) -> str:
    if _CONTROL_LINE.search(value):
        raise PydanticCustomError("control_characters", "must not contain control characters")
    return value


def no_control_chars_text(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_characters", "must not contain control characters")
    return value


def e164(value: str) -> str:
    if not E164.match(value):
        raise PydanticCustomError("e164", "must be an E.164 number such as +46812345678")
    return value


def identifier(value: str) -> str:
    if not IDENTIFIER.match(value):
        raise PydanticCustomError(
            "identifier", "must start with a-z and use only a-z, 0-9 and _ (at most 40), e.g. customer_number"
        )
    return value


GroupName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(no_control_chars)
]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(no_control_chars_text)]
LongText = Annotated[str, StringConstraints(max_length=4000), AfterValidator(no_control_chars_text)]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16), AfterValidator(e164)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(identifier)]
#: BCP 47 language tag for text-to-speech, e.g. sv-SE.
SpeechLanguage = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


class SettingsModel(BaseModel):
    """Settings objects: unknown fields refused, assignments validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
