"""Runs the engine inside the server: state from the database, timers, events.

Everything here runs on the server's event loop, so the engine (which is not
thread-safe) is only ever touched from one thread.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from backend.db.database import Database
from backend.db.models import (
    AgentGroupMember,
    AgentLogin,
    CallRow,
    LiveCallRow,
    ResponseGroupRow,
    User,
)
from backend.cluster.adopt import adopt
from backend.engine.call_rows import call_rows
from backend.engine.clock import Clock, FakeClock
from backend.engine.core import Engine, EngineError
from backend.engine.model import Agent, EngineEvent, GroupConfig
from backend.engine.opening_hours import ScheduleBook
from backend.events import EventBus
from backend.tasks import cancel_all
from backend.services.groups import settings_of
from backend.schemas.groups import GroupStatus

if TYPE_CHECKING:
    from backend.cluster.journal import Journal

log = logging.getLogger(__name__)


def parse_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class EngineService:
    def __init__(
        self, db: Database, bus: EventBus, clock: Clock, *, tz: str, medium_boost_s: float
    ) -> None:
        self.db = db
        self.bus = bus
        self.clock = clock
        self.tz = ZoneInfo(tz)
        self.medium_boost_s = medium_boost_s
        self.engine: Engine | None = None
        self._finished: list[dict] = []
        self._wake = asyncio.Event()
        self._persist_wake = asyncio.Event()
        self._persist_lock = asyncio.Lock()  # flush() waits for a batch in flight too
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Several processes: the owner's writes (events, calls) go through this.
        self.journal: Journal | None = None
        #: §7 every schedule's opening hours (backend.services.schedules fills it).
        self.schedules = ScheduleBook()
        #: (schedule id, time) -> open?
        self.schedule_resolver: Callable[[int, float], bool] | None = self.schedules.is_open
        self._schedule_open: dict[int, bool] = {}  # schedule id -> open at the last check
        self._used: dict[int, list[int]] | None = None  # see _used_schedules
        #: Groups deleted while this server runs: their calls still on the line are not stored.
        self.deleted_groups: set[int] = set()

    def _open_by_schedule(self, group_id: int, at: float) -> bool:
        engine = self.require()
        group = engine.groups.get(group_id)
        if group is None or group.schedule_id is None or self.schedule_resolver is None:
            return True
        return self.schedule_resolver(group.schedule_id, at)

    # ---------------------------------------------------------------- lifecycle

    async def start(self, *, active: bool = True) -> None:
        """Build the engine from the database; `active=False`: a passive copy of the
        groups' configuration only (another process runs the queues, backend/cluster)."""
        self._loop = asyncio.get_running_loop()
        await self._build()
        if active:
            self._run()

    async def _build(self, *, live: bool = False) -> list[dict]:
        async with self.db.session() as session:
            first_id = ((await session.scalar(select(func.max(CallRow.id)))) or 0) + 1
            snapshots = []
            if live:
                snapshots = list((await session.scalars(select(LiveCallRow.state))).all())
                first_id = max([first_id, *(s["id"] + 1 for s in snapshots)])
        self.engine = Engine(
            self.clock,
            tz=self.tz,
            medium_boost_s=self.medium_boost_s,
            first_call_id=first_id,
            is_open_by_schedule=self._open_by_schedule,
        )
        await self.reload_all()
        return snapshots

    def _run(self) -> None:
        self.require().listeners.append(self._on_events)
        if isinstance(self.clock, FakeClock):
            self.clock.add_listener(self._poke_threadsafe)
        self._tasks = [
            asyncio.create_task(self._timer_loop(), name="engine-timers"),
            asyncio.create_task(self._persist_loop(), name="engine-persist"),
        ]

    async def _halt(self) -> None:
        if isinstance(self.clock, FakeClock):
            self.clock.remove_listener(self._poke_threadsafe)
        await cancel_all(*self._tasks)
        self._tasks = []

    async def activate(self, journal: Journal) -> list[int]:
        """This process took over the queues: build the engine again and adopt the
        calls in progress the previous owner stored; their ids that could not be placed."""
        self._loop = asyncio.get_running_loop()
        snapshots = await self._build(live=True)
        self.journal = journal
        journal.start()
        self._run()
        dropped = adopt(self.require(), snapshots)
        await journal.flush()
        log.info("took over the queues: %d calls in progress adopted", len(snapshots) - len(dropped))
        return dropped

    async def deactivate(self) -> None:
        """Ownership lost: stop routing at once; keep a passive copy for reads."""
        await self._halt()
        if self.journal is not None:
            await self.journal.stop()
            self.journal = None
        await self._build()

    async def stop(self) -> None:
        await self._halt()
        if self.journal is not None:
            await self.journal.stop()
            await self.journal.flush()
            return
        await self._persist(self._take_finished())

    # ---------------------------------------------------------------- loading

    async def reload_all(self) -> None:
        """Load every group, agent and login from the database."""
        engine = self.require()
        self._used = None
        async with self.db.session() as session:
            rows = (await session.scalars(select(ResponseGroupRow))).all()
            members = (await session.execute(select(AgentGroupMember.agent_group_id, AgentGroupMember.user_id))).all()
            users = {u.id: u for u in (await session.scalars(select(User))).all()}
            logins = (await session.execute(select(AgentLogin.user_id, AgentLogin.response_group_id))).all()
        by_agent_group: dict[int, set[int]] = {}
        for agent_group_id, user_id in members:
            by_agent_group.setdefault(agent_group_id, set()).add(user_id)
        for user_id in {uid for uids in by_agent_group.values() for uid in uids}:
            user = users[user_id]
            engine.upsert_agent(user.id, user.display_name, user.org_id)
        for row in rows:
            engine.upsert_group(self._config(row, by_agent_group))
        async with self.db.session() as session:
            await self._restore_today(session)
        for user_id, group_id in logins:
            try:
                engine.agent_login(user_id, group_id)
            except Exception:  # noqa: BLE001 - a stale login (member removed) is dropped
                log.info("dropping stale login of %s to %s", user_id, group_id)

    async def reload_group(self, group_id: int) -> None:
        engine = self.require()
        async with self.db.session() as session:
            row = await session.get(ResponseGroupRow, group_id, populate_existing=True)
            if row is None:
                engine.remove_group(group_id)
                self._used = None
                return
            agent_group_ids = [link.agent_group_id for link in row.agent_groups]
            members = (
                await session.execute(
                    select(AgentGroupMember.agent_group_id, AgentGroupMember.user_id).where(
                        AgentGroupMember.agent_group_id.in_(agent_group_ids)
                    )
                )
            ).all()
            users = (
                await session.scalars(select(User).where(User.id.in_({m.user_id for m in members})))
            ).all()
        by_agent_group: dict[int, set[int]] = {}
        for agent_group_id, user_id in members:
            by_agent_group.setdefault(agent_group_id, set()).add(user_id)
        for user in users:
            engine.upsert_agent(user.id, user.display_name, user.org_id)
        engine.upsert_group(self._config(row, by_agent_group))
        self._used = None
        self.poke()

    def _config(self, row: ResponseGroupRow, by_agent_group: dict[int, set[int]]) -> GroupConfig:
        agent_ids = frozenset(
            uid for link in row.agent_groups for uid in by_agent_group.get(link.agent_group_id, ())
        )
        return GroupConfig.from_settings(
            row.id,
            settings_of(row),
            org_id=row.org_id,
            temporarily_closed=row.temporarily_closed,
            agent_ids=agent_ids,
        )

    async def _restore_today(self, session) -> None:  # noqa: ANN001
        """Count today's finished calls again (service level, flow figures) after a restart."""
        engine = self.require()
        now = datetime.fromtimestamp(self.clock.now(), self.tz)
        start = datetime.combine(now.date(), time(0), self.tz).astimezone(UTC)
        rows = (
            await session.execute(
                select(CallRow.group_id, CallRow.arrived_at, CallRow.answered_at, CallRow.ended_at, CallRow.data).where(
                    CallRow.ended_at >= start
                )
            )
        ).all()
        for group_id, arrived_at, answered_at, ended_at, data in rows:
            data = data or {}
            overflow = data.get("overflow") or {}
            voicemail = data.get("voicemail") or {}
            engine.restore_call(
                group_id,
                arrived_at=arrived_at.timestamp() if data.get("returned_from") is None else None,
                sl_at=(answered_at or ended_at).timestamp(),
                sl=data.get("sl") or {},
                overflowed_at=parse_ts(overflow.get("at")).timestamp() if overflow.get("at") else None,
                voicemail_at=parse_ts(voicemail.get("left_at")).timestamp() if voicemail.get("left_at") else None,
            )
        engine.advance()

    # ---------------------------------------------------------------- status

    def require(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("engine not started")
        return self.engine

    def status(self, group_id: int) -> GroupStatus:
        engine = self.require()
        group = engine.groups.get(group_id)
        if group is None:
            return GroupStatus.OPEN
        if group.temporarily_closed:
            return GroupStatus.TEMPORARILY_CLOSED
        # By the clock, not the engine's last tick: a read right after the clock
        # moved must not wait for the timer loop to catch up.
        at = max(engine.now, self.clock.now())
        return GroupStatus.OPEN if engine.is_open(group_id, at) else GroupStatus.CLOSED_SCHEDULE

    def closed_and_waiting(self, group_id: int) -> tuple[bool, int]:
        """Whether the group is closed now (temporarily or by schedule), and its queue length."""
        engine = self.require()
        if group_id not in engine.groups:
            return True, 0
        return not engine.is_open(group_id), len(engine.waiting_calls(group_id))

    def forget_group(self, group_id: int) -> None:
        """§19 The group is deleted: calls waiting or ringing end (uncounted, outcome
        abandoned, a `call.ended` event each so the PBX and consoles let go);
        connected calls go on until hung up; none of them is stored."""
        self.deleted_groups.add(group_id)
        self._used = None
        self.require().remove_group(group_id)
        self.poke()

    def group_by_number(self, number: str, org_id: int | None = None) -> int | None:
        for group in self.require().groups.values():
            if group.number == number and (org_id is None or group.org_id == org_id):
                return group.id
        return None

    async def login(self, agent_id: int, group_id: int, org_id: int, at: float | None = None) -> Agent:
        """Log an agent in to a group, and remember it across restarts."""
        engine = self.require()
        agent = engine.agents.get(agent_id)
        if agent is None or agent.org_id != org_id:
            raise EngineError("unknown_agent", f"no agent {agent_id}")
        agent = engine.agent_login(agent_id, group_id, at=at)
        async with self.db.session() as session, session.begin():
            if await session.get(AgentLogin, (agent_id, group_id)) is None:
                session.add(AgentLogin(user_id=agent_id, response_group_id=group_id))
        return agent

    async def logout(self, agent_id: int, group_id: int | None, org_id: int, at: float | None = None) -> Agent:
        engine = self.require()
        agent = engine.agents.get(agent_id)
        if agent is None or agent.org_id != org_id:
            raise EngineError("unknown_agent", f"no agent {agent_id}")
        agent = engine.agent_logout(agent_id, group_id, at=at)
        async with self.db.session() as session, session.begin():
            query = delete(AgentLogin).where(AgentLogin.user_id == agent_id)
            if group_id is not None:
                query = query.where(AgentLogin.response_group_id == group_id)
            await session.execute(query)
        return agent

    # ---------------------------------------------------------------- timers

    def poke(self) -> None:
        self._wake.set()

    def _poke_threadsafe(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def _used_schedules(self) -> dict[int, list[int]]:
        """Schedule id -> its groups; rebuilt only after groups were (re)loaded."""
        if self._used is None:
            used: dict[int, list[int]] = {}
            for group in self.require().groups.values():
                if group.schedule_id is not None:
                    used.setdefault(group.schedule_id, []).append(group.id)
            self._used = used
        return self._used

    def check_schedules(self) -> None:
        """Report again the groups whose schedule opened or closed since the last check."""
        now = self.clock.now()
        changed: list[int] = []
        for schedule_id, group_ids in self._used_schedules().items():
            is_open = self.schedules.is_open(schedule_id, now)
            if self._schedule_open.get(schedule_id) != is_open:
                self._schedule_open[schedule_id] = is_open
                changed += group_ids
        if changed:
            self.require().schedule_changed(changed)

    def _next_deadline(self) -> float | None:
        deadline = self.require().next_deadline()
        change = self.schedules.next_change(set(self._used_schedules()), self.clock.now())
        if change is not None and (deadline is None or change < deadline):
            return change
        return deadline

    async def _timer_loop(self) -> None:
        engine = self.require()
        while True:
            deadline = self._next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self.clock.now())
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                engine.advance()
                self.check_schedules()
            except Exception:  # noqa: BLE001 - a bug in one timer must not stop the rest
                log.exception("engine timer failed")

    # ---------------------------------------------------------------- events

    def _on_events(self, events: list[EngineEvent]) -> None:
        if self.journal is not None:
            self.journal.record(events)
            self._wake.set()
            return
        for event in events:
            self.bus.publish(event.kind, event.org_id, event.group_id, event.payload, event.at)
            if event.kind == "call.ended":
                self._finished.append({"group_id": event.group_id, "org_id": event.org_id, **event.payload})
        if self._finished:
            self._persist_wake.set()
        self._wake.set()  # the next deadline may have moved

    def _take_finished(self) -> list[dict]:
        batch, self._finished = self._finished, []
        return batch

    async def _persist_loop(self) -> None:
        while True:
            await self._persist_wake.wait()
            self._persist_wake.clear()
            batch = self._take_finished()
            try:
                await self._persist(batch)
            except Exception:  # noqa: BLE001
                log.exception("could not store %d finished calls; retrying", len(batch))
                self._finished[:0] = batch
                await asyncio.sleep(1.0)
                self._persist_wake.set()

    async def _persist(self, batch: list[dict]) -> None:
        async with self._persist_lock:
            await self._store(batch)

    async def _store(self, batch: list[dict]) -> None:
        if not batch:
            return
        async with self.db.session() as session, session.begin():
            session.add_all(self.history_rows(batch))

    def history_rows(self, batch: list[dict]) -> list[CallRow]:
        # A call that ended after its group was deleted goes with the group.
        return call_rows([c for c in batch if c["group_id"] not in self.deleted_groups])

    async def flush(self) -> None:
        """Store every finished call now (tests, shutdown; with several processes,
        everything the engine did so far: the PBX API answers after this)."""
        if self.journal is not None:
            await self.journal.flush()
            return
        await self._persist(self._take_finished())

