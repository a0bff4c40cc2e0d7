"""Oversized, deeply nested or non-UTF-8 input: refused cleanly, in the error
shape, nothing changed, the server unharmed (backend/api/limits.py).
test_api_hardening.py has the simple cases (a 2 MB body with its length,
invalid UTF-8, broken JSON)."""
from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.server import RunningServer

HUGE = "99999999999999999999"


def patch_raw(admin: httpx.Client, content: bytes | Iterator[bytes], **headers: str) -> httpx.Response:
    etag = admin.get("/response-groups/1").headers["etag"]
    return admin.patch("/response-groups/1", content=content, headers={"If-Match": etag, "content-type": "application/json", **headers})


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == code


def assert_unchanged(admin: httpx.Client) -> None:
    group = admin.get("/response-groups/1")
    assert group.status_code == 200 and group.json()["version"] == 1 and group.json()["name"] == "Kundtjänst"


def test_a_chunked_body_over_the_limit_is_413(admin: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"ai_info": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    assert_refused(patch_raw(admin, chunks()), 413, "too_large")
    assert_unchanged(admin)


@pytest.mark.parametrize(
    "body",
    [
        '{"ai_info": "x"}'.encode("utf-16"),  # with a byte-order mark
        '{"ai_info": "x"}'.encode("utf-16-le"),  # without: NUL bytes
        '{"ai_info": "x"}'.encode("utf-32"),
        '{"ai_info": "åäö"}'.encode("latin-1"),
        b'{"ai_info": "a\x00b"}',
    ],
    ids=["utf-16", "utf-16-le", "utf-32", "latin-1", "nul-byte"],
)
def test_a_body_that_is_not_utf8_is_400(admin: httpx.Client, body: bytes) -> None:
    assert_refused(patch_raw(admin, body), 400, "invalid_body")
    assert_unchanged(admin)


def test_a_utf8_body_with_escaped_nul_and_surrogates_names_the_field(admin: httpx.Client) -> None:
    for text in ('{"ai_info": "a\\u0000b"}', '{"ai_info": "\\ud800"}'):
        response = patch_raw(admin, text.encode())
        assert_refused(response, 422, "validation_failed")
        assert response.json()["errors"][0]["field"] == "ai_info"
    assert_unchanged(admin)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_refused(admin: httpx.Client, depth: int) -> None:
    for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        response = patch_raw(admin, body)
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["code"] in {"invalid_body", "invalid_json", "validation_failed"}
    assert_unchanged(admin)


def test_numbers_beyond_any_range_are_refused(admin: httpx.Client) -> None:
    for literal in (b"9" * 5000, b"1e400", b"-1e400", HUGE.encode()):
        response = patch_raw(admin, b'{"view": {"wait_warning_s": ' + literal + b"}}")
        assert 400 <= response.status_code < 500, response.text
    assert_unchanged(admin)


def test_oversized_headers_are_431(server: RunningServer, admin: httpx.Client) -> None:
    big = admin.get("/me", headers={"X-Padding": "a" * 40_000})
    assert_refused(big, 431, "headers_too_large")
    many = admin.get("/me", headers={f"X-H{i}": "a" for i in range(150)})
    assert_refused(many, 431, "headers_too_large")
    assert admin.get("/me", headers={"X-Padding": "a" * 4_000}).status_code == 200


def raw_request(server: RunningServer, request: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
        while len(body) < length:
            body += sock.recv(65536)
    return int(head[9:12]), body


def test_non_utf8_bytes_in_the_path_query_and_headers_are_refused(server: RunningServer) -> None:
    token = server.token("admin").encode()
    auth = b"Authorization: Bearer " + token + b"\r\n"
    cases = [
        (b"GET /api/v1/response-groups/%FF HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n", 422),
        (b"GET /api/v1/response-groups/1/calls?outcome=%FF%FE HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n", 422),
        (b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\xe5\r\n\r\n", 401),
        (b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \xe5\xff\r\n" + auth + b"\r\n", 400),
        (b"PATCH /api/v1/response-groups/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         b"Content-Length: 2\r\nIf-Match: \xe5\xff\r\n" + auth + b"\r\n{}", 412),  # fmt: skip
    ]
    for request, status in cases:
        got, body = raw_request(server, request)
        assert got == status, (request[:60], body)
        assert b'"code"' in body


def test_every_id_in_a_path_is_bounded(server: RunningServer, admin: httpx.Client) -> None:
    """A number too large for the database is a 422, on every route that takes an id."""
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    with_ids = [(m, p) for p, item in paths.items() for m in item if re.search(r"\{\w+_id\}", p) and m in {"get", "post", "put", "patch", "delete"}]
    assert len(with_ids) > 5
    wrong = []
    for method, path in with_ids:
        url = re.sub(r"\{\w+_id\}", HUGE, path).removeprefix("/api/v1")
        response = admin.request(method.upper(), url, json={}, headers={"If-Match": '"x"'})
        if response.status_code != 422 or response.json()["code"] != "validation_failed":
            wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert not wrong, wrong
