"""tui/answers.py on its own: what makes an answer not a Vaxel server's, and
how that is said (issue 13, hole 8). Answers are built as httpx builds them."""
from __future__ import annotations

import httpx
import pytest

from backend.schemas import GroupSummary, Me, TokenResponse
from tui.answers import Answers, NotVaxelServer, Unreachable
from tui.i18n import set_language

SERVER = "http://127.0.0.1:8470"
answers = Answers(SERVER)


def answer(status: int, body: bytes | str, content_type: str = "application/json", method: str = "GET", **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body.encode() if isinstance(body, str) else body,
        headers={"content-type": content_type, **headers}, request=httpx.Request(method, SERVER + "/api/v1/x"),
    )  # fmt: skip


def problem(call) -> NotVaxelServer:  # noqa: ANN001
    with pytest.raises(NotVaxelServer) as caught:
        call()
    return caught.value


def test_an_html_page_is_not_json() -> None:
    found = problem(lambda: answers.body(answer(200, "<html></html>", "text/html; charset=utf-8")))
    assert str(found) == (
        f"{SERVER} answered something that is not a Vaxel server: a text/html document (status 200) instead of JSON. "
        "Is it the right URL?"
    )
    assert isinstance(found, Unreachable), "every handler of an unreachable server handles it"


def test_json_that_says_so_and_is_not() -> None:
    assert "JSON that cannot be read" in str(problem(lambda: answers.body(answer(200, "<html>"))))


def test_another_shape_names_what_is_wrong() -> None:
    found = problem(lambda: answers.parsed(answer(200, '{"token": "x"}'), TokenResponse))
    assert "JSON of another shape (access_token: Field required; expires_in: Field required)" in str(found)
    assert "not a list" in str(problem(lambda: answers.parsed_list(answer(200, '{"groups": []}'), GroupSummary)))
    many = problem(lambda: answers.parsed(answer(200, "{}"), Me))
    assert "(+" in str(many), "more problems than the first two are counted, not listed"


def test_headers_the_api_always_sends() -> None:
    assert "no ETag header" in str(problem(lambda: answers.etag(answer(200, "{}"))))
    assert "X-Last-Event-ID" in str(problem(lambda: answers.event_id(answer(200, "[]", **{"x-last-event-id": "abc"}))))
    assert answers.event_id(answer(200, "[]", **{"x-last-event-id": "42"})) == 42


def test_a_good_answer_is_read_and_checked_documents_come_back_as_they_came() -> None:
    token = answers.parsed(answer(200, '{"access_token": "t", "token_type": "bearer", "expires_in": 60}'), TokenResponse)
    assert token.access_token == "t"
    doc = '{"open": true, "next_change_at": null, "next_change_opens": null}'
    from backend.schemas.schedules import ScheduleState

    assert answers.checked(answer(200, doc), ScheduleState) == {"open": True, "next_change_at": None, "next_change_opens": None}


def test_a_write_answered_by_something_else_may_have_been_applied() -> None:
    assert answers.not_vaxel(answer(200, "<html>", "text/html", method="PATCH"), "x").maybe_applied
    assert not answers.not_vaxel(answer(200, "<html>", "text/html"), "x").maybe_applied


def test_in_swedish() -> None:
    set_language("sv")
    try:
        found = problem(lambda: answers.body(answer(200, "<html>", "text/html")))
    finally:
        set_language("en")
    assert str(found).startswith(f"{SERVER} svarade med något som inte är en Vaxel-server: ett text/html-dokument")
