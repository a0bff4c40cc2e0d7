"""Tables. Portable SQL only: SQLite by default, PostgreSQL for shared deployments.

Settings that belong to one group and are always read and written together are
stored as one JSON document (`response_groups.settings`) validated by the pydantic
model; identity and relations (name, number, agent groups, supervisors) are columns
and link tables so the database can enforce them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BigInteger that is still an autoincrementing rowid on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    ai_agents_enabled: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    # Lists of short names; see backend.schemas.auth for their meaning.
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the SHA-256 of the token is stored; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AgentGroup(Base):
    """A team of agents (agentgrupp); response groups route to agent groups."""

    __tablename__ = "agent_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    members: Mapped[list[AgentGroupMember]] = relationship(cascade="all, delete-orphan")


class AgentGroupMember(Base):
    __tablename__ = "agent_group_members"

    agent_group_id: Mapped[int] = mapped_column(
        ForeignKey("agent_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class ResponseGroupRow(Base):
    __tablename__ = "response_groups"
    __table_args__ = (
        UniqueConstraint("org_id", "name", name="uq_response_groups_org_name"),
        UniqueConstraint("number", name="uq_response_groups_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(20))
    temporarily_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    agent_groups: Mapped[list[ResponseGroupAgentGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    supervisors: Mapped[list[ResponseGroupSupervisor]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class ResponseGroupAgentGroup(Base):
    __tablename__ = "response_group_agent_groups"

    response_group_id: Mapped[int] = mapped_column(
        ForeignKey("response_groups.id", ondelete="CASCADE"), primary_key=True
    )
    agent_group_id: Mapped[int] = mapped_column(
        ForeignKey("agent_groups.id", ondelete="CASCADE"), primary_key=True
    )


class ResponseGroupSupervisor(Base):
    __tablename__ = "response_group_supervisors"

    response_group_id: Mapped[int] = mapped_column(
        ForeignKey("response_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class AgentLogin(Base):
    """An agent logged in to a response group (kept across restarts)."""

    __tablename__ = "agent_logins"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    response_group_id: Mapped[int] = mapped_column(
        ForeignKey("response_groups.id", ondelete="CASCADE"), primary_key=True
    )


class AuditEntry(Base):
    """Who changed what, when, with the object before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class EventRow(Base):
    """The event stream, persisted so that `Last-Event-ID` can resume from it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    org_id: Mapped[int] = mapped_column(Integer, index=True)
    group_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)


class CallRow(Base):
    """A finished call, for history and statistics."""

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_group_arrived", "group_id", "arrived_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, index=True)
    group_id: Mapped[int] = mapped_column(Integer)
    caller: Mapped[str] = mapped_column(String(32))
    arrived_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wait_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IdempotencyRecord(Base):
    """A write sent with an Idempotency-Key, and the response it got (see api/idempotency.py)."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the bearer token
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: still running
    headers: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    created_at: Mapped[datetime] = mapped_column(index=True)


# --------------------------------------------------------------- catalogs (§7, §8, §10, §11)
# What an organisation has that its groups pick from. A number's group is the
# group whose `number` it is (no second copy of that fact to drift).


class OrgNumber(Base):
    """A phone number the organisation owns (its pool)."""

    __tablename__ = "org_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)


class BillingIdRow(Base):
    """§8 Fakturerings-ID: where forwarding costs are booked."""

    __tablename__ = "billing_ids"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    label: Mapped[str] = mapped_column(String(128))


class KnowledgeSource(Base):
    """§10 A source the AI support agent may use."""

    __tablename__ = "knowledge_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))


class AudioFile(Base):
    """A recorded prompt (greetings, input-collector prompts)."""

    __tablename__ = "audio_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))


class ScheduleRow(Base):
    """§7 Öppettider: weekly ranges, dated exceptions, a time zone (see schemas.schedules)."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_schedules_org_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    weekly: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LiveCallRow(Base):
    """A call in progress, as the owning process last stored it (several processes on
    PostgreSQL: the process that takes over the queues adopts these; see backend/cluster)."""

    __tablename__ = "live_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    org_id: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
