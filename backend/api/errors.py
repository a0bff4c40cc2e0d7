"""Turns every failure into the one error shape, `ApiError`."""
from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from backend.errors import ApiException, field_errors
from backend.schemas.common import ApiError, FieldError

log = logging.getLogger(__name__)

_GROUP_PATH = re.compile(r"^/api/v1/response-groups/(\d+)(?:/|$)")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "version_mismatch",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "if_match_required",
    429: "rate_limited",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiException)
    async def _api(request: Request, exc: ApiException) -> JSONResponse:
        if exc.status == 403:
            await audit_denial(request, exc.body.message)
        return JSONResponse(exc.body.model_dump(exclude_none=True), exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        raw = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in raw):
            error = next(e for e in raw if e.get("type") == "json_invalid")
            where = error.get("ctx", {}).get("error", "")
            body = ApiError(
                code="invalid_json",
                message=f"The request body is not valid JSON{f' ({where})' if where else ''}.",
                errors=[FieldError(field="(body)", reason="not valid JSON", code="invalid_json")],
            )
            return JSONResponse(body.model_dump(exclude_none=True), 422)
        errors = field_errors(raw, strip=("body",))
        body = ApiError(code="validation_failed", message="Some values were refused.", errors=errors)
        return JSONResponse(body.model_dump(exclude_none=True), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 400 and message == "There was an error parsing the body":
            code, message = "invalid_body", "The request body is not valid UTF-8 JSON."
        if exc.status_code == 405:
            # Starlette names the methods of one route; the path has several.
            headers["Allow"] = ", ".join(allowed_methods(request))
        return JSONResponse(
            ApiError(code=code, message=message).model_dump(exclude_none=True),
            exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        # Only reachable by a number no field bounds (each id is bounded): refuse it, don't fail.
        log.warning("number out of range reached the database: %s", exc)
        body = ApiError(
            code="out_of_range",
            message="A number in the request is too large.",
            errors=[FieldError(field="(request)", reason="number too large", code="out_of_range")],
        )
        return JSONResponse(body.model_dump(exclude_none=True), 422)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        body = ApiError(code="internal_error", message="The server failed; the error is logged.")
        return JSONResponse(body.model_dump(exclude_none=True), 500)


def allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):  # routers included with a prefix too
        if context.methods and compile_path(context.path_format)[0].match(request.url.path):
            methods |= set(context.methods)
    return sorted(methods)


async def audit_denial(request: Request, reason: str) -> None:
    """Every refused write is recorded: who tried what, and when."""
    from datetime import UTC, datetime

    from backend.db.models import AuditEntry

    principal = getattr(request.state, "principal", None)
    state = getattr(request.app.state, "vaxel", None)
    if principal is None or state is None:
        return
    # A refusal aimed at one group is filed under it, so the group's history shows it.
    target = _GROUP_PATH.match(request.url.path)
    try:
        async with state.db.session() as session, session.begin():
            session.add(
                AuditEntry(
                    org_id=principal.org_id,
                    user_id=principal.user_id,
                    at=datetime.fromtimestamp(state.clock.now(), UTC),
                    action="denied",
                    object_type="response_group" if target else "request",
                    object_id=int(target.group(1)) if target else None,
                    before=None,
                    after={"method": request.method, "path": request.url.path, "reason": reason},
                )
            )
    except Exception:  # noqa: BLE001 - auditing must not turn a 403 into a 500
        log.exception("could not audit a denial")
