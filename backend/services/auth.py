"""Signing in, and who the caller is."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    AgentGroupMember,
    ApiToken,
    Organisation,
    ResponseGroupAgentGroup,
    ResponseGroupSupervisor,
    User,
)
from backend.schemas.auth import PHONE_SYSTEM, Me
from backend.security import new_token, token_digest, verify_password


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    org_id: int
    org_name: str
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    supervises: frozenset[int]
    serves: frozenset[int]  # groups the user answers calls for, as an agent
    ai_agents_enabled: bool

    @property
    def phone_system(self) -> bool:
        return PHONE_SYSTEM in self.permissions

    def sees_all_groups(self) -> bool:
        return self.phone_system

    def can_see_group(self, group_id: int) -> bool:
        return self.phone_system or group_id in self.supervises or group_id in self.serves

    def can_operate_group(self, group_id: int) -> bool:
        """Close/reopen a group, log its agents in and out: its supervisors too."""
        return self.phone_system or group_id in self.supervises

    def me(self) -> Me:
        return Me(
            id=self.user_id,
            username=self.username,
            display_name=self.display_name,
            organisation_id=self.org_id,
            organisation_name=self.org_name,
            roles=list(self.roles),
            permissions=list(self.permissions),
            supervises=sorted(self.supervises),
            ai_agents_enabled=self.ai_agents_enabled,
        )


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        # Same work as a real check, so timing does not tell which names exist.
        verify_password(password, "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        return None
    return user if verify_password(password, user.password_hash) else None


async def issue_token(session: AsyncSession, user: User, ttl_s: int, now: datetime) -> str:
    token = new_token()
    session.add(
        ApiToken(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    await session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
    return token


async def revoke_token(session: AsyncSession, token: str) -> None:
    await session.execute(delete(ApiToken).where(ApiToken.token_hash == token_digest(token)))


async def load_principal(session: AsyncSession, user_id: int) -> Principal | None:
    user = await session.get(User, user_id)
    if user is None:
        return None
    org = await session.get(Organisation, user.org_id)
    assert org is not None
    supervises = (
        await session.scalars(
            select(ResponseGroupSupervisor.response_group_id).where(ResponseGroupSupervisor.user_id == user.id)
        )
    ).all()
    serves = (
        await session.scalars(
            select(ResponseGroupAgentGroup.response_group_id)
            .join(
                AgentGroupMember,
                AgentGroupMember.agent_group_id == ResponseGroupAgentGroup.agent_group_id,
            )
            .where(AgentGroupMember.user_id == user.id)
        )
    ).all()
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        org_id=org.id,
        org_name=org.name,
        roles=tuple(user.roles or ()),
        permissions=tuple(user.permissions or ()),
        supervises=frozenset(supervises),
        serves=frozenset(serves),
        ai_agents_enabled=org.ai_agents_enabled,
    )


class PrincipalCache:
    """Token → principal for a few seconds, so reads don't cost three queries.

    Cleared whenever something a principal is built from changes (supervisors,
    agent groups, users), so permissions never lag behind a change.
    """

    def __init__(self, ttl_s: float = 30.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, float, Principal]] = {}

    def get(self, digest: str, now: float) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        cached_at, expires_at, principal = entry
        if time.monotonic() - cached_at > self.ttl_s or now >= expires_at:
            self._entries.pop(digest, None)
            return None
        return principal

    def put(self, digest: str, expires_at: float, principal: Principal) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[digest] = (time.monotonic(), expires_at, principal)

    def clear(self) -> None:
        self._entries.clear()

    def drop(self, digest: str) -> None:
        self._entries.pop(digest, None)


async def principal_for_token(session: AsyncSession, token: str, now: datetime) -> tuple[Principal, float] | None:
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.expires_at <= now:
        return None
    principal = await load_principal(session, row.user_id)
    if principal is None:
        return None
    return principal, row.expires_at.timestamp()


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
