"""POST /auth/token, POST /auth/logout, GET /me."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend.api.deps import PrincipalDep, SessionDep, StateDep, bearer_token
from backend.errors import ApiException
from backend.schemas.auth import LoginRequest, Me, TokenResponse
from backend.schemas.common import ApiError
from backend.security import token_digest
from backend.services import auth
from backend.services.auth import utc

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses={401: {"model": ApiError}, 422: {"model": ApiError}, 429: {"model": ApiError}},
    summary="Sign in with username and password",
)
async def login(body: LoginRequest, request: Request, state: StateDep, session: SessionDep) -> TokenResponse:
    user_key = body.username.casefold()
    address = request.client.host if request.client else "?"
    # Per name a few tries; per address more, as a call centre shares one NAT address.
    wait = max(state.throttle.retry_after(user_key), state.address_throttle.retry_after(address))
    if wait > 0:
        raise ApiException(
            429,
            "too_many_attempts",
            "Too many failed sign-ins; wait before trying again.",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    user = await auth.authenticate(session, body.username, body.password)
    if user is None:
        state.throttle.failed(user_key)
        state.address_throttle.failed(address)
        raise ApiException(401, "bad_credentials", "Wrong username or password.")
    state.throttle.succeeded(user_key)
    token = await auth.issue_token(session, user, state.settings.token_ttl_s, utc(state.clock.now()))
    await session.commit()
    return TokenResponse(access_token=token, expires_in=state.settings.token_ttl_s)


@router.post("/auth/logout", status_code=204, responses={401: {"model": ApiError}}, summary="Revoke this token")
async def logout(request: Request, _: PrincipalDep, state: StateDep, session: SessionDep) -> Response:
    token = bearer_token(request)
    await auth.revoke_token(session, token)
    await session.commit()
    state.principals.drop(token_digest(token))
    return Response(status_code=204)


@router.get("/me", response_model=Me, responses={401: {"model": ApiError}}, summary="The signed-in user")
async def me(principal: PrincipalDep) -> Me:
    return principal.me()
