"""The demo organisation: groups, agent groups, agents, supervisors, an admin.

Seeded once, into an empty database, by `vaxel serve --demo` and the embedded
backend. The passwords are for demos only and are printed at start.
"""
from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from backend.db.database import Database
from backend.db.models import (
    AgentGroup,
    AgentGroupMember,
    AgentLogin,
    AudioFile,
    BillingIdRow,
    KnowledgeSource,
    Organisation,
    OrgNumber,
    ResponseGroupAgentGroup,
    ResponseGroupRow,
    ResponseGroupSupervisor,
    ScheduleRow,
    User,
)
from backend.schemas.auth import PHONE_SYSTEM
from backend.schemas.groups import ResponseGroupSettings
from backend.security import hash_password
from backend.services.groups import RELATIONAL, deep_merge

DEMO_USERS = {
    "admin": ("admin", "Alva Admin", ["admin"], [PHONE_SYSTEM]),
    "supervisor": ("supervisor", "Sam Supervisor", ["supervisor"], []),
    "pbx": ("pbx", "PBX gateway", ["service"], ["pbx"]),
}

# name, number, agent groups, supervised by `supervisor`, wait warning (s)
DEMO_GROUPS = [
    ("Kundtjänst", "+46812345600", ["Kundtjänst"], True, 60),
    ("Växel", "+46812345601", ["Växel"], True, 30),
    ("Teknisk support", "+46812345602", ["Support"], True, 90),
    ("Fakturering", "+46812345603", ["Ekonomi"], False, 120),
    ("Försäljning", "+46812345604", ["Sälj", "Kundtjänst"], False, 45),
    ("Jour", "+46812345605", ["Support"], False, 60),
]

DEMO_AGENTS = {
    "Kundtjänst": ["Anna Lind", "Björn Ek", "Cecilia Berg", "David Holm"],
    "Växel": ["Elin Sjö", "Fredrik Dahl"],
    "Support": ["Gustav Nord", "Hanna Ström", "Ivar Lund"],
    "Ekonomi": ["Johanna Ås", "Karl Vik"],
    "Sälj": ["Lisa Mo", "Mats Ros", "Nora Falk"],
}

AGENT_PASSWORD = "agent"

#: The organisation's catalogs (§7–§13). Free numbers besides the groups' own.
DEMO_FREE_NUMBERS = [f"+468123456{n:02d}" for n in (6, 7, 8, 9, *range(90, 100))]
DEMO_BILLING_IDS = ["Kostnadsställe 100", "Kostnadsställe 200", "Kostnadsställe 300"]
DEMO_KNOWLEDGE_SOURCES = ["Hjälpcenter", "Produktblad", "Vanliga frågor"]
DEMO_AUDIO_FILES = ["Välkommen.wav", "Stängt.wav", "Röstbrevlåda.wav", "Kundnummer.wav"]
#: §7 Which schedule each group follows; the rest have none (always open), so
#: the demo has traffic at any hour.
DEMO_SCHEDULE_OF = {"Kundtjänst": "Kontorstid", "Fakturering": "Kontorstid", "Jour": "Dygnet runt"}

#: Settings that make every engine feature show in the demo (Kundtjänst keeps
#: the defaults). `overflow.destination.group` names a group; seeding turns it
#: into its id.
DEMO_SETTINGS: dict[str, dict[str, Any]] = {
    "Växel": {
        "priority": "highest",
        "vip": {"return_failed_transfers": True, "message": "Du kopplas strax till nästa lediga medarbetare."},
        "queue_message": {"enabled": True, "interval_s": 30},
        "overflow": {"enabled": True, "max_wait_s": 120, "destination": {"kind": "group", "group": "Kundtjänst"}},
    },
    "Teknisk support": {
        "callback": {"enabled": True, "offer_after_s": 45, "attempts": 3, "spacing_s": 120, "voicemail_last_step": True},
        "conversation_intelligence": True,
    },
    "Fakturering": {
        "input_collectors": [
            {
                "variable": "invoice_number",
                "prompt": {"text": "Ange ditt fakturanummer och avsluta med fyrkant."},
                "expect": {"digits_min": 6, "digits_max": 10},
            }
        ],
        "overflow": {"enabled": True, "max_waiting": 2, "destination": {"kind": "voicemail"}},
        "voicemail": {"transcribe": True, "notify": True},
        "wrap_up": {"answered_s": 20},
    },
    "Försäljning": {
        "priority": "medium",
        "overflow": {"enabled": True, "max_wait_s": 60, "destination": {"kind": "callback"}},
        "callback": {"voicemail_last_step": True},
    },
    "Jour": {
        "call_waiting": True,
        "closed_action": {"kind": "voicemail"},
        "voicemail": {"transcribe": True},
        "agents_may_toggle_login": False,
    },
}


def demo_settings(name: str, number: str, warning: int, group_ids: dict[str, int]) -> ResponseGroupSettings:
    extra = copy.deepcopy(DEMO_SETTINGS.get(name, {}))
    destination = extra.get("overflow", {}).get("destination", {})
    if "group" in destination:
        destination["group_id"] = group_ids[destination.pop("group")]
    return ResponseGroupSettings.model_validate(
        deep_merge({"name": name, "number": number, "view": {"wait_warning_s": warning}}, extra)
    )


def easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _saturday_from(start: date) -> date:
    return start + timedelta(days=(5 - start.weekday()) % 7)


def swedish_holidays(year: int) -> list[tuple[date, str]]:
    """Public holidays, with midsummer, Christmas and New Year's eves (closed in practice)."""
    e = easter(year)
    midsummer = _saturday_from(date(year, 6, 20))
    days = [
        (date(year, 1, 1), "Nyårsdagen"),
        (date(year, 1, 6), "Trettondedag jul"),
        (e - timedelta(days=2), "Långfredagen"),
        (e, "Påskdagen"),
        (e + timedelta(days=1), "Annandag påsk"),
        (date(year, 5, 1), "Första maj"),
        (e + timedelta(days=39), "Kristi himmelsfärdsdag"),
        (e + timedelta(days=49), "Pingstdagen"),
        (date(year, 6, 6), "Sveriges nationaldag"),
        (midsummer - timedelta(days=1), "Midsommarafton"),
        (midsummer, "Midsommardagen"),
        (_saturday_from(date(year, 10, 31)), "Alla helgons dag"),
        (date(year, 12, 24), "Julafton"),
        (date(year, 12, 25), "Juldagen"),
        (date(year, 12, 26), "Annandag jul"),
        (date(year, 12, 31), "Nyårsafton"),
    ]
    return sorted(days)


def demo_schedules(year: int) -> dict[str, dict[str, Any]]:
    office = [{"start": "08:00", "end": "17:00"}]
    holidays = [h for y in (year, year + 1) for h in swedish_holidays(y)]
    return {
        "Kontorstid": {
            "weekly": {d: office if d not in ("sat", "sun") else [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
            "exceptions": [{"date": d.isoformat(), "label": label, "ranges": []} for d, label in holidays],
        },
        "Dygnet runt": {
            "weekly": {d: [{"start": "00:00", "end": "24:00"}] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
            "exceptions": [],
        },
    }


async def _seed_catalogs(session: Any, org_id: int, at: datetime) -> dict[str, int]:
    """Numbers, billing IDs, knowledge sources, audio files, schedules; returns schedule ids by name."""
    numbers = [number for _name, number, *_rest in DEMO_GROUPS] + DEMO_FREE_NUMBERS
    session.add_all(OrgNumber(org_id=org_id, number=n) for n in numbers)
    session.add_all(BillingIdRow(org_id=org_id, label=label) for label in DEMO_BILLING_IDS)
    session.add_all(KnowledgeSource(org_id=org_id, name=name) for name in DEMO_KNOWLEDGE_SOURCES)
    session.add_all(AudioFile(org_id=org_id, name=name) for name in DEMO_AUDIO_FILES)
    schedules = {
        name: ScheduleRow(org_id=org_id, name=name, timezone="Europe/Stockholm", version=1, created_at=at, updated_at=at, **doc)
        for name, doc in demo_schedules(at.year).items()
    }
    session.add_all(schedules.values())
    await session.flush()
    return {name: row.id for name, row in schedules.items()}


def demo_credentials() -> str:
    return (
        "Demo users (for demos only): admin/admin (phone-system permission), "
        f"supervisor/supervisor (read-only settings), agent1…agentN/{AGENT_PASSWORD}, pbx/pbx."
    )


async def seed_if_empty(db: Database, now: float) -> bool:
    """Seed the demo organisation unless the database already has one."""
    async with db.session() as session, session.begin():
        if (await session.scalar(select(func.count(Organisation.id)))) > 0:
            return False
        at = datetime.fromtimestamp(now, UTC)
        org = Organisation(name="Demo AB", ai_agents_enabled=True)
        session.add(org)
        await session.flush()
        schedule_ids = await _seed_catalogs(session, org.id, at)

        users: dict[str, User] = {}
        for username, (password, name, roles, permissions) in DEMO_USERS.items():
            users[username] = User(
                org_id=org.id,
                username=username,
                display_name=name,
                password_hash=hash_password(password),
                roles=roles,
                permissions=permissions,
            )
        agent_groups: dict[str, AgentGroup] = {}
        n = 0
        for team, names in DEMO_AGENTS.items():
            team_group = AgentGroup(org_id=org.id, name=team)
            agent_groups[team] = team_group
            session.add(team_group)
            for name in names:
                n += 1
                users[f"agent{n}"] = User(
                    org_id=org.id,
                    username=f"agent{n}",
                    display_name=name,
                    password_hash=hash_password(AGENT_PASSWORD),  # a salt of its own
                    roles=["agent"],
                    permissions=[],
                )
        session.add_all(users.values())
        await session.flush()
        for team, names in DEMO_AGENTS.items():
            by_name = {u.display_name: u for u in users.values()}
            for name in names:
                session.add(AgentGroupMember(agent_group_id=agent_groups[team].id, user_id=by_name[name].id))

        rows: dict[str, ResponseGroupRow] = {}
        for name, number, teams, supervised, warning in DEMO_GROUPS:
            settings = ResponseGroupSettings.model_validate(
                {"name": name, "number": number, "view": {"wait_warning_s": warning}}
            )
            row = rows[name] = ResponseGroupRow(
                org_id=org.id,
                name=name,
                number=number,
                settings=settings.model_dump(mode="json", exclude=RELATIONAL),
                version=1,
                created_at=at,
                updated_at=at,
                agent_groups=[ResponseGroupAgentGroup(agent_group_id=agent_groups[t].id) for t in teams],
                supervisors=[ResponseGroupSupervisor(user_id=users["supervisor"].id)] if supervised else [],
            )
            session.add(row)
            await session.flush()
            # Most agents start logged in; one per team stays out, to show the state.
            for team in teams:
                for name_ in DEMO_AGENTS[team][:-1] if len(DEMO_AGENTS[team]) > 2 else DEMO_AGENTS[team]:
                    agent = next(u for u in users.values() if u.display_name == name_)
                    session.add(AgentLogin(user_id=agent.id, response_group_id=row.id))
        group_ids = {name: row.id for name, row in rows.items()}
        for name, number, _teams, _supervised, warning in DEMO_GROUPS:
            settings = demo_settings(name, number, warning, group_ids)
            settings.schedule_id = schedule_ids.get(DEMO_SCHEDULE_OF.get(name, ""))
            rows[name].settings = settings.model_dump(mode="json", exclude=RELATIONAL)
    return True
