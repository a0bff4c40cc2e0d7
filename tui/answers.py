"""The API's answers, checked at the client's edge, and the client's errors.

Every answer is checked before anything reads it: a success must be JSON of
the shape the API documents (validated with the API's own models), with the
headers the API sends, or `NotVaxelServer` is raised, whose message is the
plain sentence "URL answered something that is not a Vaxel server: …". A
captive portal's page, a wrong URL behind nginx, or another service on the
port must never reach a screen as a KeyError or a script as a traceback
(issue 13). No Textual here.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tui.i18n import t

if TYPE_CHECKING:
    import httpx

M = TypeVar("M")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ApiError(Exception):
    """The server refused: status, stable code, message, and per-field reasons."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        current: dict[str, Any] | None = None,
        field_codes: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.current = current
        #: field path -> the error's stable code (for a message in the user's language)
        self.field_codes = field_codes or {}


class Unreachable(Exception):
    """No answer from the server (down, network, TLS).

    `maybe_applied`: a write was sent and its answer lost, so the server may
    have applied it (retrying with the same Idempotency-Key is safe); False
    when the request never left (no connection)."""

    def __init__(self, message: str, *, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied


class NotVaxelServer(Unreachable):
    """The server answered, but not as a Vaxel server does: an HTML page (a
    captive portal, a wrong URL behind a proxy), a redirect, or JSON of another
    shape. Nothing of the answer is used. A kind of `Unreachable`: whatever
    handles an unreachable server handles this too, and says its message.

    `maybe_applied`: it answered a write, which a server behind it may have
    applied (the save's 'outcome unknown' path keeps the edits)."""

    def __init__(self, server: str, problem: str, *, maybe_applied: bool = False) -> None:
        super().__init__(t("answer.not_vaxel", server=server, problem=problem), maybe_applied=maybe_applied)
        self.server = server
        self.problem = problem


class Answers:
    """Reads the answers of one server (`server`: its URL, for the message)."""

    def __init__(self, server: str) -> None:
        self.server = server

    def not_vaxel(self, response: httpx.Response, problem: str) -> NotVaxelServer:
        return NotVaxelServer(
            self.server, problem, maybe_applied=response.request.method in WRITES and response.status_code < 300
        )

    def body(self, response: httpx.Response) -> Any:
        """The answer's JSON, or NotVaxelServer when it is something else."""
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json" and not kind.endswith("+json"):
            raise self.not_vaxel(response, t("answer.not_json", status=response.status_code, type=kind or "–"))
        try:
            return response.json()
        except ValueError as exc:  # says JSON, is not
            raise self.not_vaxel(response, t("answer.bad_json", reason=str(exc))) from exc

    def parsed(self, response: httpx.Response, model: type[M]) -> M:
        """The answer as the API's `model` (a pydantic model), or NotVaxelServer."""
        return self._validated(response, lambda body: model.model_validate(body))  # type: ignore[attr-defined]

    def parsed_list(self, response: httpx.Response, model: type[M]) -> list[M]:
        """The answer as a list of the API's `model`, or NotVaxelServer."""
        return self._validated(response, lambda body: [model.model_validate(item) for item in _listed(body)])  # type: ignore[attr-defined]

    def checked(self, response: httpx.Response, model: type, *, many: bool = False) -> Any:
        """The answer's JSON as it came, once found to be the API's `model` (or
        a list of it): for callers that read the plain document (schedules, history)."""

        def check(body: Any) -> Any:
            for item in _listed(body) if many else [body]:
                model.model_validate(item)  # type: ignore[attr-defined]
            return body

        return self._validated(response, check)

    def _validated(self, response: httpx.Response, validate: Callable[[Any], M]) -> M:
        body = self.body(response)
        try:
            return validate(body)
        except NotVaxelServer:
            raise
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            raise self.not_vaxel(response, describe_shape_error(exc)) from exc

    def etag(self, response: httpx.Response) -> str:
        etag = response.headers.get("etag")
        if not etag:
            raise self.not_vaxel(response, t("answer.no_etag"))
        return etag

    def event_id(self, response: httpx.Response) -> int:
        try:
            return int(response.headers.get("x-last-event-id", "0"))
        except ValueError as exc:
            raise self.not_vaxel(response, t("answer.bad_header", header="X-Last-Event-ID")) from exc


def error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = [e for e in body.get("errors", []) if isinstance(e, dict)]
    fields = {e.get("field", "?"): e.get("reason", "") for e in errors}
    codes = {e.get("field", "?"): str(e["code"]) for e in errors if e.get("code")}
    return ApiError(
        response.status_code,
        str(body.get("code", f"http_{response.status_code}")),
        str(body.get("message", response.reason_phrase)),
        fields,
        body.get("current"),
        codes,
    )


def _listed(body: Any) -> list[Any]:
    if not isinstance(body, list):
        raise TypeError(t("answer.not_a_list"))
    return body


def describe_shape_error(exc: Exception) -> str:
    """What was wrong with the answer's shape, in a line: the first two problems."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return t("answer.wrong_shape", details=str(exc))
    found = [f"{'.'.join(str(part) for part in e.get('loc', ())) or '–'}: {e.get('msg', '')}" for e in errors()[:2]]
    more = len(errors()) - len(found)
    return t("answer.wrong_shape", details="; ".join(found) + (f" (+{more})" if more > 0 else ""))


