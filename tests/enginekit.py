"""A small world for engine tests: the pure Engine on a FakeClock, with its events.

Times are given as seconds after T0 (`w.t(12)`), so tables read like a timeline.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from backend.engine.clock import FakeClock
from backend.engine.core import Engine
from backend.engine.model import Call, EngineEvent, GroupConfig

#: 2026-11-26 09:00 in Stockholm (08:00 UTC), a Thursday.
T0 = 1_795_680_000.0
STOCKHOLM = ZoneInfo("Europe/Stockholm")


class World:
    def __init__(self, **engine_kwargs: Any) -> None:
        self.clock = FakeClock(T0)
        self.engine = Engine(self.clock, tz=STOCKHOLM, **engine_kwargs)
        self.events: list[EngineEvent] = []
        self.engine.listeners.append(self.events.extend)

    @staticmethod
    def t(seconds: float) -> float:
        return T0 + seconds

    def group(self, group_id: int, agents: tuple[int, ...] = (), **config: Any) -> GroupConfig:
        for agent_id in agents:
            if agent_id not in self.engine.agents:
                self.engine.upsert_agent(agent_id, f"Agent {agent_id}")
        old = self.engine.groups.get(group_id)
        if old is not None:
            cfg = replace(old, agent_ids=frozenset(agents) | old.agent_ids, **config)
        else:
            cfg = GroupConfig(id=group_id, name=f"G{group_id}", agent_ids=frozenset(agents), **config)
        self.engine.upsert_group(cfg)
        return cfg

    def login(self, agent_id: int, *group_ids: int, at: float = 0.0) -> None:
        for group_id in group_ids:
            self.engine.agent_login(agent_id, group_id, at=self.t(at))

    def arrive(self, group_id: int, caller: str = "+46700000000", at: float = 0.0, **kw: Any) -> Call:
        return self.engine.call_arrived(group_id, caller, at=self.t(at), **kw)

    def advance(self, to: float) -> None:
        self.engine.advance(self.t(to))

    # -------------------------------------------------------------- reading

    def kinds(self, *kinds: str) -> list[EngineEvent]:
        return [e for e in self.events if e.kind in kinds]

    def offered_to(self, agent_id: int) -> int | None:
        return self.engine.agents[agent_id].offered_call

    def offers(self) -> list[tuple[int, int]]:
        """(call id, agent id) of every offer so far, in order."""
        return [(e.payload["call_id"], e.payload["agent_id"]) for e in self.kinds("call.offered")]

    def ended(self, call_id: int) -> dict:
        [event] = [e for e in self.kinds("call.ended") if e.payload["call_id"] == call_id]
        return event.payload

    def outcome(self, call_id: int) -> str | None:
        found = [e.payload["outcome"] for e in self.kinds("call.ended") if e.payload["call_id"] == call_id]
        assert len(found) <= 1, f"call {call_id} ended {len(found)} times"
        return found[0] if found else None

    def sl(self, group_id: int) -> tuple[int, int, int, int]:
        c = self.engine.sl_today(group_id)
        return (c.answered_within, c.answered, c.abandoned, c.early_hangups)

    def serve(self, agent_id: int, at: float, talk: float = 10.0) -> int:
        """The agent answers what rings at `at` and ends it `talk` seconds later."""
        self.engine.advance(self.t(at))
        call_id = self.offered_to(agent_id)
        assert call_id is not None, f"nothing rings at agent {agent_id} at +{at}"
        self.engine.agent_answered(agent_id, call_id, at=self.t(at))
        self.engine.call_ended(call_id, at=self.t(at + talk))
        return call_id
