"""FastAPI dependencies: the app's state, a database session, the caller."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import forbidden, unauthorized
from backend.schemas.common import MAX_ID
from backend.services.auth import Principal, principal_for_token, utc
from backend.security import token_digest
from backend.state import AppState


#: An id in a path: bounded, so a huge number is a 422, never a database overflow.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


async def get_state(request: Request) -> AppState:
    # async: a plain `def` dependency runs in the thread pool, a thread hop on every request.
    return request.app.state.vaxel


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    return token.strip()


async def principal_for(state: AppState, token: str) -> Principal | None:
    """Who `token` belongs to (from the principal cache, else the database), or None."""
    digest = token_digest(token)
    now = state.clock.now()
    cached = state.principals.get(digest, now)
    if cached is not None:
        return cached
    async with state.db.session() as session:
        found = await principal_for_token(session, token, utc(now))
    if found is None:
        return None
    principal, expires_at = found
    state.principals.put(digest, expires_at, principal)
    return principal


async def get_principal(request: Request, state: StateDep) -> Principal:
    principal = await principal_for(state, bearer_token(request))
    if principal is None:
        raise unauthorized("The token is unknown or has expired: sign in again.")
    request.state.principal = principal  # for auditing a denial (api/errors.py)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_phone_system(principal: PrincipalDep) -> Principal:
    if not principal.phone_system:
        raise forbidden()
    return principal


EditorDep = Annotated[Principal, Depends(require_phone_system)]
