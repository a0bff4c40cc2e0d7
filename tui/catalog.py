"""The organisation's catalogs the group settings pick from (GET /organisation).

No Textual here. Fields ask `choices(catalog, ...)` for (value, label) pairs;
the save preview asks `label(catalog, value)` so it can say "Kontorstid"
instead of "1".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Catalog names a FieldSpec may use.
#: Roles whose users may supervise a group (as the backend's check).
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})

CATALOGS = ("numbers", "billing_ids", "agent_groups", "users", "knowledge_sources", "audio_files", "schedules", "groups")


@dataclass
class Organisation:
    id: int = 0
    name: str = ""
    ai_agents_enabled: bool = True
    #: number -> group id using it (None: free)
    numbers: dict[str, int | None] = field(default_factory=dict)
    #: catalog name -> [(id, label)]
    lists: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: True when the server had no catalogs to give (an older backend).
    missing: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Organisation:
        def pairs(key: str, label: str) -> list[tuple[int, str]]:
            return [(int(item["id"]), str(item.get(label) or item["id"])) for item in data.get(key, [])]

        def label(u: dict[str, Any]) -> str:
            return str(u.get("display_name") or u.get("username") or u["id"])

        users = [(int(u["id"]), label(u)) for u in data.get("users", [])]
        # §9 names supervisors: users with the supervisor or admin role (the
        # backend refuses anyone else). An older backend sends no roles: all.
        supervisors = [
            (int(u["id"]), label(u))
            for u in data.get("users", [])
            if "roles" not in u or SUPERVISOR_ROLES & set(u.get("roles") or ())
        ]
        return cls(
            id=int(data.get("id", 0)),
            name=str(data.get("name", "")),
            ai_agents_enabled=bool(data.get("ai_agents_enabled", True)),
            numbers={str(n["number"]): n.get("group_id") for n in data.get("numbers", [])},
            lists={
                "billing_ids": pairs("billing_ids", "label"),
                "agent_groups": pairs("agent_groups", "name"),
                "users": users,
                "supervisors": supervisors,
                "knowledge_sources": pairs("knowledge_sources", "name"),
                "audio_files": pairs("audio_files", "name"),
                "schedules": pairs("schedules", "name"),
            },
        )


@dataclass
class Catalogs:
    """What one group's fields may pick from: the organisation's catalogs, the
    other response groups (overflow targets), and the group itself."""

    organisation: Organisation
    group_id: int = 0
    groups: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ai_agents_enabled(self) -> bool:
        return self.organisation.ai_agents_enabled

    def choices(self, catalog: str, current: Any = None) -> list[tuple[Any, str]]:
        """(value, label) pairs to pick from; the current value is always among them."""
        if catalog == "numbers":
            out: list[tuple[Any, str]] = [
                (number, number)
                for number, owner in sorted(self.organisation.numbers.items())
                if owner is None or owner == self.group_id
            ]
        elif catalog == "groups":
            out = [(gid, name) for gid, name in self.groups if gid != self.group_id]
        else:
            out = list(self.organisation.lists.get(catalog, []))
        values = {value for value, _ in out}
        extra = current if isinstance(current, list) else [current]
        for value in extra:
            if value is not None and value not in values:
                out.append((value, str(value)))
        return out

    def label(self, catalog: str, value: Any) -> str:
        for choice, text in self.choices(catalog):
            if choice == value:
                return text
        return str(value)
