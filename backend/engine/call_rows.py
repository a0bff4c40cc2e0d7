"""History rows (`calls`) of finished calls, from their `call.ended` payloads."""
from __future__ import annotations

from datetime import datetime

from backend.db.models import CallRow


def parse_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def call_rows(batch: list[dict]) -> list[CallRow]:
    """History rows of finished calls (the payloads of their `call.ended` events)."""
    rows = []
    for c in batch:
        data = dict(c.get("data") or {})
        data["sl"] = c.get("sl") or {}
        data["collected"] = c.get("collected") or {}
        rows.append(
            CallRow(
                id=c["call_id"],
                org_id=c["org_id"],
                group_id=c["group_id"],
                caller=c["caller"],
                arrived_at=parse_ts(c["arrived_at"]),
                enqueued_at=parse_ts(c["enqueued_at"]),
                answered_at=parse_ts(c["answered_at"]),
                ended_at=parse_ts(c["ended_at"]),
                outcome=c["outcome"],
                agent_id=c["agent_id"],
                wait_s=c["wait_s"],
                vip=c["vip"],
                data=data,
            )
        )
    return rows
