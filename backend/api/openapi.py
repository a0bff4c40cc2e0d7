"""What every operation may answer, written into /openapi.json once for all routes.

Routes document their own outcomes (404, 409, 412 ...). The answers that come
from the shared machinery are added here, so a route added later is documented
too: 401 and the bearer scheme where the route needs a signed-in caller; 400
(not UTF-8), 413 (too large) and 422 (not JSON) where it takes a body; 429
where it throttles.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from backend.api.deps import get_principal

BEARER = "bearer"
_ERROR = {"$ref": "#/components/schemas/ApiError"}


def _needs_principal(dependant: Dependant) -> bool:
    return any(d.call is get_principal or _needs_principal(d) for d in dependant.dependencies)


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": _ERROR}}}
    if headers:
        answer["headers"] = headers
    return answer


def document(app: FastAPI) -> None:
    """Replace `app.openapi` with one that adds the shared answers and the bearer scheme."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})[BEARER] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token.",
        }
        schemas = components.setdefault("schemas", {})
        if "ApiError" not in schemas:  # every app route references it; keep the $ref valid regardless
            from backend.schemas.common import ApiError

            schemas["ApiError"] = ApiError.model_json_schema(ref_template="#/components/schemas/{model}")
        for context in iter_route_contexts(app.routes):  # routers included with a prefix too
            route = context.route
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            path = schema["paths"].get(context.path_format, {})
            for method in context.methods or ():
                operation = path.get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                responses.setdefault("431", _error("The request headers are too large (api/limits.py)."))
                if _needs_principal(route.dependant):
                    operation["security"] = [{BEARER: []}]
                    responses.setdefault(
                        "401",
                        _error("No token, an unknown or an expired one: sign in again.", {"WWW-Authenticate": {"schema": {"type": "string"}}}),
                    )
                if "requestBody" in operation:
                    responses.setdefault("400", _error("The body is not UTF-8."))
                    responses.setdefault("413", _error("The body is larger than the server accepts."))
                    responses.setdefault("422", _error("The body is not JSON, or some values were refused."))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
