"""A recorded day of PBX events, fed through the HTTP API with `at`, gives exactly
the expected statistics (tests/record_day.py made the recording)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.record_day import PATH, record
from tests.server import RunningServer
from tests.test_pbx_api import patch

GROUP = 1  # Kundtjänst: four agents in the demo organisation


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def load() -> dict:
    return json.loads(Path(PATH).read_text())


def test_the_recording_is_what_the_seeded_simulator_makes() -> None:
    """Seeded and reproducible: recording again gives the very same day."""
    assert record() == load()


def test_the_engine_agreed_with_the_independent_oracle_when_recording() -> None:
    expected = load()["expected"]
    assert expected["sl_engine"] == expected["sl"]["total"]
    # A day worth replaying: queues built, calls were abandoned, some answered late.
    total = expected["sl"]["total"]
    assert total["abandoned"] > total["early_hangups"] > 0
    assert total["answered"] > total["answered_within"] > 0
    assert expected["outcomes"]["abandoned"] == total["abandoned"]


def test_a_recorded_day_replays_exactly_through_the_api(server: RunningServer, admin: httpx.Client) -> None:
    day = load()
    start = day["start"]
    with server.client("pbx") as pbx:
        patch(admin, GROUP, day["settings"])
        agents = sorted(a["id"] for a in admin.get(f"/response-groups/{GROUP}/live").json()["agents"])
        assert len(agents) == 4
        slot = {i + 1: agent for i, agent in enumerate(agents)}
        for agent in agents:  # a clean start: nobody logged in anywhere
            assert pbx.post(f"/pbx/agents/{agent}/logout", json={"at": iso(start)}).status_code == 200
        calls: dict[int, int] = {}
        for event in day["events"]:
            at = iso(start + event["t"])
            op = event["op"]
            if op == "arrive":
                response = pbx.post("/pbx/calls", json={"group_id": GROUP, "caller": event["caller"], "at": at})
                calls[event["call_id"]] = response.json()["call_id"]
            elif op == "login":
                for _ in event["group_ids"]:
                    response = pbx.post(f"/pbx/agents/{slot[event['agent_id']]}/login", json={"group_id": GROUP, "at": at})
            elif op == "logout":
                response = pbx.post(f"/pbx/agents/{slot[event['agent_id']]}/logout", json={"at": at})
            elif op in ("answer", "reject"):
                body = {"agent_id": slot[event["agent_id"]], "at": at}
                response = pbx.post(f"/pbx/calls/{calls[event['call_id']]}/{op}", json=body)
            else:  # end, hangup
                response = pbx.post(f"/pbx/calls/{calls[event['call_id']]}/{op}", json={"at": at})
            assert response.status_code in (200, 201), (event, response.text)

    expected = day["expected"]
    end = start + expected["end_t"]
    live = admin.get(f"/response-groups/{GROUP}/live").json()
    assert live["sl_today"] == expected["sl"]["total"]
    assert live["flow"] == expected["flow"]
    assert len(live["waiting"]) == expected["still_waiting"]
    handled = {a["id"]: a["handled_today"] for a in live["agents"]}
    assert {str(i): handled[agent] for i, agent in slot.items()} == expected["handled"]

    report = admin.get(
        f"/response-groups/{GROUP}/service-level", params={"from": iso(start), "to": iso(start + 6 * 3600), "by": "hour"}
    ).json()
    assert report["counts"] == expected["sl"]["total"]
    assert [b["counts"] for b in report["buckets"]] == expected["sl"]["by_hour"]

    history = admin.get(
        f"/response-groups/{GROUP}/calls", params={"from": iso(start), "to": iso(end + 1), "limit": 1000}
    ).json()["calls"]
    outcomes: dict[str, int] = {}
    for call in history:
        outcomes[call["outcome"]] = outcomes.get(call["outcome"], 0) + 1
    assert outcomes == expected["outcomes"]
