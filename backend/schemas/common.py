"""Error bodies and helpers shared by every API object."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

#: The largest id any table hands out (a signed 32-bit integer, as in
#: PostgreSQL's `integer`); larger ids are refused (422), not sent to the database.
MAX_ID = 2**31 - 1

#: An id in a request body.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class FieldError(BaseModel):
    """One invalid value: where it is (dotted path) and why it was refused."""

    field: str = Field(description="Dotted path of the field, e.g. `service_level.threshold_s`.")
    reason: str = Field(description="Human-readable reason, in English.")
    code: str = Field(description="Stable machine-readable code, e.g. `less_than_equal`.")


class ApiError(BaseModel):
    """Every error the API returns has this shape."""

    code: str = Field(description="Stable machine-readable error code.")
    message: str = Field(description="Human-readable explanation, in English.")
    errors: list[FieldError] = Field(default_factory=list)
    current: dict[str, Any] | None = Field(
        default=None, description="On 412: the object as it is now on the server."
    )


class InputModel(BaseModel):
    """Base for request bodies: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


def partial_model(model: type[BaseModel], name: str | None = None) -> type[BaseModel]:
    """Return a copy of `model` whose fields are all optional (recursively).

    Used for PATCH bodies: the client sends only what changed; the server merges it
    into the current object and validates the whole result with the full model,
    so every rule lives in one place.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = partial_model(annotation)
        fields[field_name] = (
            annotation | None,
            Field(default=None, description=info.description),
        )
    return create_model(  # type: ignore[call-overload]
        name or f"{model.__name__}Patch",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Partial {model.__name__}: send only the fields to change.",
        **fields,
    )
