"""The API's exceptions: each becomes one `ApiError` body (code, message, field errors)."""
from __future__ import annotations

from typing import Any

from backend.schemas.common import ApiError, FieldError



class ApiException(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        errors: list[FieldError] | None = None,
        current: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ApiError(code=code, message=message, errors=errors or [], current=current)
        self.headers = headers or {}


def field_errors(errors: list[dict[str, Any]], *, strip: tuple[str, ...] = ()) -> list[FieldError]:
    """pydantic errors → FieldErrors with dotted paths (`service_level.threshold_s`)."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        while loc and loc[0] in strip:
            loc = loc[1:]
        message = str(error.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        result.append(FieldError(field=".".join(loc) or "(body)", reason=message, code=str(error.get("type", "invalid"))))
    return result


def unauthorized(message: str = "Sign in first: a valid bearer token is needed.") -> ApiException:
    return ApiException(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str = "The phone-system permission (Telefonisystem) is needed for this.") -> ApiException:
    return ApiException(403, "forbidden", message)


def not_found(what: str) -> ApiException:
    return ApiException(404, "not_found", f"{what} was not found.")
