"""Oversized or malformed requests are refused before the app reads them.

- Headers larger than `max_header_bytes` in all, or more than `max_headers`
  of them: 431 (the HTTP parser in use, httptools, has no such limit).
- A body over `max_bytes`: 413, whether it announces its length or is sent
  chunked (counted as it arrives, never read whole).
- A body that is not UTF-8, or holds a NUL byte: 400 `invalid_body`. JSON on
  the wire is UTF-8 (RFC 8259); Python's JSON reader would also guess UTF-16
  and UTF-32, so such bodies are refused here instead.
"""
from __future__ import annotations

import codecs
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _body(code: str, message: str) -> bytes:
    return json.dumps({"code": code, "message": message, "errors": []}).encode()


_TOO_LARGE = (413, _body("too_large", "The request body is too large."))
_HEADERS_TOO_LARGE = (431, _body("headers_too_large", "The request headers are too large."))
_NOT_UTF8 = (400, _body("invalid_body", "The request body is not valid UTF-8 JSON."))


class _Refused(Exception):
    def __init__(self, answer: tuple[int, bytes]) -> None:
        self.answer = answer


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, max_header_bytes: int = 32 * 1024, max_headers: int = 100) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", ())
        if len(headers) > self.max_headers or sum(len(n) + len(v) for n, v in headers) > self.max_header_bytes:
            await _refuse(send, _HEADERS_TOO_LARGE)
            return
        has_body = False
        for name, value in headers:
            if name == b"content-length":
                has_body = value != b"0"
                try:
                    too_large = int(value) > self.max_bytes
                except ValueError:
                    too_large = False
                if too_large:
                    await _refuse(send, _TOO_LARGE)
                    return
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:  # nothing to check (an event stream's sends then skip this layer)
            await self.app(scope, receive, send)
            return
        seen = 0
        decoder = codecs.getincrementaldecoder("utf-8")()
        refused: tuple[int, bytes] | None = None
        started = False

        async def checking_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                try:
                    if seen > self.max_bytes:
                        raise _Refused(_TOO_LARGE)
                    if b"\x00" in chunk:
                        raise _Refused(_NOT_UTF8)
                    decoder.decode(chunk, final=not message.get("more_body", False))
                except UnicodeDecodeError:
                    refused = _NOT_UTF8
                    raise _Refused(_NOT_UTF8) from None
                except _Refused as exc:
                    refused = exc.answer
                    raise
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused is not None:
                return  # the app's answer to the failed read is replaced by ours
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, checking_receive, guarded_send)
        except _Refused:
            pass
        if refused is not None and not started:
            await _refuse(send, refused)


async def _refuse(send: Send, answer: tuple[int, bytes]) -> None:
    status, body = answer
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
