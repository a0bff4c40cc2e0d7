"""Response groups as ready-to-send JSON bytes, forgotten whenever a group changes.

A group's GET is the most frequent read (every console polls it, with its
ETag), and building it costs a query, a model and its serialisation. The
bytes are kept per group and sent as they are until the group changes.

Invalidation happens in one place: a session that writes to a group table
(an ORM flush or an UPDATE/DELETE/INSERT statement, whoever issues it) marks
itself, and when that session commits the whole cache is dropped — every
version bump goes through such a commit. A reader that built its entry from
a snapshot older than the last drop does not store it (the generation check),
so a read racing a commit cannot put stale bytes back.

Per process: with several server processes each has its own cache, dropped
only by its own commits; so an entry is also rebuilt once it is `max_age_s`
old, which bounds how long another process's change can go unseen.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

#: Tables a group's JSON is built from.
GROUP_TABLES = frozenset({"response_groups", "response_group_agent_groups", "response_group_supervisors"})
_MARK = "vaxel_groups_changed"
_CACHE = "vaxel_read_cache"


@dataclass(frozen=True, slots=True)
class CachedGroup:
    org_id: int
    status: str
    etag: str
    body: bytes
    built_at: float = field(default_factory=time.monotonic)


class ReadCache:
    def __init__(self, max_entries: int = 10_000, max_age_s: float = 1.0) -> None:
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self.generation = 0
        self._groups: dict[int, CachedGroup] = {}
        self._building: dict[tuple[int, int], asyncio.Future[CachedGroup | None]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, group_id: int, status: str) -> CachedGroup | None:
        entry = self._groups.get(group_id)
        if entry is None or entry.status != status or time.monotonic() - entry.built_at > self.max_age_s:
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def put(self, group_id: int, generation: int, entry: CachedGroup) -> None:
        """Store `entry`, built from data read after `generation` was current."""
        if generation != self.generation:
            return  # a commit changed groups while it was being built
        if len(self._groups) >= self.max_entries:
            self._groups.clear()
        self._groups[group_id] = entry

    async def fill(self, group_id: int, build: Callable[[], Awaitable[CachedGroup]]) -> CachedGroup:
        """Build a group's entry and store it. Misses that come while one is being
        built from the same generation wait for that one instead of building
        their own: when an entry expires under load, one query, not one per
        caller. A build from before a commit is never shared with a later caller."""
        key = (group_id, self.generation)
        pending = self._building.get(key)
        if pending is not None:
            entry = await asyncio.shield(pending)
            if entry is not None:
                return entry
        future: asyncio.Future[CachedGroup | None] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            entry = await build()
        except BaseException:
            future.set_result(None)  # whoever waits builds its own (and gets its own error)
            raise
        finally:
            if self._building.get(key) is future:
                del self._building[key]
        future.set_result(entry)
        self.put(group_id, key[1], entry)
        return entry

    def clear(self) -> None:
        self.generation += 1
        self._groups.clear()


def session_info(cache: ReadCache) -> dict[str, Any]:
    """The `info` every session of a database carries, so its commits reach the cache."""
    return {_CACHE: cache}


def _table_names(state: ORMExecuteState) -> set[str]:
    statement = state.statement
    table = getattr(statement, "table", None)
    if table is not None:
        return {getattr(table, "name", str(table))}
    text = str(getattr(statement, "text", "")).lower()
    return {name for name in GROUP_TABLES if name in text}


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert or not state.is_select) and _table_names(state) & GROUP_TABLES:
        state.session.info[_MARK] = True


@event.listens_for(Session, "after_flush")
def _on_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__tablename__", None)
        if table in GROUP_TABLES:
            session.info[_MARK] = True
            return


@event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    if session.info.pop(_MARK, False):
        cache = session.info.get(_CACHE)
        if cache is not None:
            cache.clear()


@event.listens_for(Session, "after_soft_rollback")
def _on_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_MARK, None)
