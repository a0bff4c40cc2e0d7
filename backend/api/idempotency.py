"""`Idempotency-Key` on writes: a retried request is applied once.

A client that sent a write and lost the response (the connection dropped, the
server restarted) sends it again with the same key and gets the stored
response instead of a second change. The same key with another request is
refused (422 `idempotency_key_reused`); a key whose first request is still
running answers 409 `idempotency_key_in_progress`. Keys are scoped to the
bearer token that used them and kept for a day. Responses of 5xx are not kept,
so the client may try again.
"""
from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.db.models import IdempotencyRecord

WRITE_METHODS = {b"POST", b"PUT", b"PATCH", b"DELETE"}
KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 200


def _problem(status: int, code: str, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"code": code, "message": message, "errors": []}).encode()
    return status, [(b"content-type", b"application/json")], body


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [h for h in headers if h[0].lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._last_prune = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"].encode() not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        key = headers.get(b"idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        state = getattr(scope["app"].state, "vaxel", None)
        if state is None or not key.strip() or len(key) > MAX_KEY_LENGTH:
            await _respond(send, *_problem(400, "bad_idempotency_key", "Idempotency-Key must be 1–200 characters."))
            return

        # Read the whole body (BodyLimit bounds it), to fingerprint and to replay.
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        token = headers.get(b"authorization", b"")
        scope_id = hashlib.sha256(token).hexdigest()
        fingerprint = hashlib.sha256(scope["method"].encode() + b" " + scope["path"].encode() + b"\n" + body).hexdigest()
        key_text = key.decode("utf-8", "replace")
        now = datetime.fromtimestamp(state.clock.now(), UTC)

        db = state.db
        async with db.session() as session:
            found = await session.get(IdempotencyRecord, (scope_id, key_text))
        if found is not None and found.created_at < now - KEEP_FOR:
            async with db.session() as session, session.begin():
                await session.execute(
                    delete(IdempotencyRecord).where(
                        IdempotencyRecord.scope == scope_id, IdempotencyRecord.key == key_text
                    )
                )
            found = None
        if found is not None:
            if found.fingerprint != fingerprint:
                await _respond(send, *_problem(422, "idempotency_key_reused", "This Idempotency-Key was used for another request."))
            elif found.status is None:
                await _respond(send, *_problem(409, "idempotency_key_in_progress", "The first request with this key is still running."))
            else:
                stored = [(k.encode(), v.encode()) for k, v in found.headers]
                await _respond(send, found.status, [*stored, (b"idempotent-replayed", b"true")], found.body)
            return
        try:
            async with db.session() as session, session.begin():
                session.add(IdempotencyRecord(scope=scope_id, key=key_text, fingerprint=fingerprint, created_at=now))
        except IntegrityError:
            # Another request with this key got in first.
            await _respond(send, *_problem(409, "idempotency_key_in_progress", "The first request with this key is still running."))
            return

        sent_body = False

        async def replay() -> Message:
            nonlocal sent_body
            if sent_body:
                return await receive()  # e.g. http.disconnect
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        held: list[Message] = []

        async def hold(message: Message) -> None:
            # Held back until the outcome is stored: a client that got this
            # response and retried at once must find it, not "in progress".
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", ()))
            held.append(message)

        try:
            await self.app(scope, replay, hold)
        finally:
            async with db.session() as session, session.begin():
                if status >= 500:
                    await session.execute(
                        delete(IdempotencyRecord).where(
                            IdempotencyRecord.scope == scope_id, IdempotencyRecord.key == key_text
                        )
                    )
                else:
                    keep = [
                        (k.decode("latin-1"), v.decode("latin-1"))
                        for k, v in response_headers
                        if k.lower() in (b"content-type", b"etag", b"location")
                    ]
                    response_body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
                    await session.execute(
                        update(IdempotencyRecord)
                        .where(IdempotencyRecord.scope == scope_id, IdempotencyRecord.key == key_text)
                        .values(status=status, headers=keep, body=response_body)
                    )
        for message in held:
            await send(message)
        await self._prune(db, now)

    async def _prune(self, db, now: datetime) -> None:  # noqa: ANN001
        if time.monotonic() - self._last_prune < 600:
            return
        self._last_prune = time.monotonic()
        async with db.session() as session, session.begin():
            await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEEP_FOR))

