"""`vaxel status [--json]`: every group once, for cron, monitoring and pipelines.

Exit codes: 0 all well; 2 some group's longest wait is past its wait-warning
threshold (§15 Varning för väntetid); 1 the server could not be asked
(unreachable, not signed in, refused) — with the reason on stderr.
"""
from __future__ import annotations

import json
import sys
from typing import Any

from backend.schemas import GroupSummary
from tui.client import VaxelClient
from tui.formatting import fmt_duration, fmt_percent, fmt_time
from tui.i18n import t
from tui.session import CommandFailed, fail, open_session, run_api

EXIT_OK, EXIT_FAILED, EXIT_WAIT_WARNING = 0, 1, 2


def group_status(summary: GroupSummary, now: float) -> dict[str, Any]:
    longest = None if summary.oldest_enqueued_at is None else max(0.0, now - summary.oldest_enqueued_at.timestamp())
    return {
        "id": summary.id,
        "name": summary.name,
        "number": summary.number,
        "state": summary.status.value,
        "waiting": summary.waiting,
        "longest_wait_s": None if longest is None else round(longest, 1),
        "wait_warning_s": summary.wait_warning_s,
        "past_wait_warning": longest is not None and longest > summary.wait_warning_s,
        "service_level_pct": None if summary.sl_today.percent is None else round(summary.sl_today.percent, 1),
        "service_level_target_pct": summary.sl_target_pct,
        "agents": {
            "free": summary.agents_free,
            "busy": summary.agents_busy,
            "wrap_up": summary.agents_wrap_up,
            "logged_out": summary.agents_logged_out,
        },
    }


def table(rows: list[dict[str, Any]], now: float) -> str:
    headers = [t("col.name"), t("col.status"), t("col.waiting"), t("col.longest"), t("col.sl_today")]
    body = []
    for row in rows:
        longest = "–" if row["longest_wait_s"] is None else fmt_duration(row["longest_wait_s"])
        if row["past_wait_warning"]:
            longest += " !"
        body.append(
            [row["name"], t(f"status.{row['state']}"), str(row["waiting"]), longest, fmt_percent(row["service_level_pct"])]
        )
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in [headers, *body]]
    late = sum(1 for r in rows if r["past_wait_warning"])
    lines.append("")
    lines.append(t("script.as_of", time=fmt_time(now)) + ("  " + t("script.late", count=late) if late else ""))
    return "\n".join(lines)


def run_status(server: str | None, profile: str | None, as_json: bool) -> int:
    try:
        session = open_session(server, profile)

        async def fetch(client: VaxelClient) -> tuple[list[GroupSummary], float]:
            summaries, _ = await client.group_summaries()
            return summaries, client.clock.server_now()

        summaries, now = run_api(session, fetch)
    except CommandFailed as exc:
        return fail(exc)
    rows = [group_status(s, now) for s in sorted(summaries, key=lambda s: (s.name.casefold(), s.id))]
    if as_json:
        json.dump({"server_time": now, "groups": rows}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(table(rows, now))
    return EXIT_WAIT_WARNING if any(r["past_wait_warning"] for r in rows) else EXIT_OK
