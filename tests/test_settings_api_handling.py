"""Settings API, call handling and the rest: §11 (each part), §13 input collectors,
§14 callback, §15 view and service level, §16 Conversation Intelligence, §17
cases, §18 permissions. Defaults are read from a freshly created group."""
from __future__ import annotations

import httpx
import pytest

from tests.settings_kit import new_group, ok, refused


@pytest.fixture
def fresh(admin: httpx.Client) -> dict:
    return new_group(admin)


def test_11_queue_position_message(admin: httpx.Client, fresh: dict) -> None:
    assert fresh["queue_message"] == {"enabled": False, "interval_s": 60}
    assert ok(admin, fresh["id"], {"queue_message": {"enabled": True, "interval_s": 30}})["queue_message"] == {"enabled": True, "interval_s": 30}
    assert refused(admin, fresh["id"], {"queue_message": {"interval_s": 14}}) == {"queue_message.interval_s": "greater_than_equal"}
    assert refused(admin, fresh["id"], {"queue_message": {"interval_s": 601}}) == {"queue_message.interval_s": "less_than_equal"}


def test_11_overflow(admin: httpx.Client, fresh: dict) -> None:
    gid = fresh["id"]
    assert fresh["overflow"] == {
        "enabled": False, "max_waiting": None, "max_wait_s": None,
        "destination": {"kind": "voicemail", "group_id": None, "number": None}}
    changed = ok(admin, gid, {"overflow": {"enabled": True, "max_waiting": 5, "max_wait_s": 300, "destination": {"kind": "group", "group_id": 2}}})
    assert changed["overflow"]["destination"] == {"kind": "group", "group_id": 2, "number": None}
    external = ok(admin, gid, {"overflow": {"destination": {"kind": "external", "group_id": None, "number": "+46701234567"}}})
    assert external["overflow"]["destination"]["number"] == "+46701234567"
    assert ok(admin, gid, {"overflow": {"destination": {"kind": "callback", "number": None}}})["overflow"]["destination"]["kind"] == "callback"
    assert refused(admin, gid, {"overflow": {"destination": {"kind": "group", "group_id": None}}}) == {"overflow.destination.group_id": "overflow_group_required"}
    assert refused(admin, gid, {"overflow": {"destination": {"kind": "group", "group_id": 404}}}) == {"overflow.destination.group_id": "unknown_id"}
    assert refused(admin, gid, {"overflow": {"destination": {"kind": "group", "group_id": gid}}}) == {"overflow.destination.group_id": "overflow_to_self"}
    assert refused(admin, gid, {"overflow": {"destination": {"kind": "external", "number": None}}}) == {"overflow.destination.number": "overflow_number_required"}
    assert refused(admin, gid, {"overflow": {"max_waiting": 0, "max_wait_s": 5}}) == {
        "overflow.max_waiting": "greater_than_equal", "overflow.max_wait_s": "greater_than_equal"}


def test_11_wrap_up_times(admin: httpx.Client, fresh: dict) -> None:
    assert fresh["wrap_up"] == {"answered_s": None, "rejected_s": 15, "missed_s": 15}  # the seed's
    changed = ok(admin, fresh["id"], {"wrap_up": {"answered_s": 30, "rejected_s": 0, "missed_s": 3600}})
    assert changed["wrap_up"] == {"answered_s": 30, "rejected_s": 0, "missed_s": 3600}
    assert ok(admin, fresh["id"], {"wrap_up": {"answered_s": None}})["wrap_up"]["answered_s"] is None  # off again
    assert refused(admin, fresh["id"], {"wrap_up": {"answered_s": 3601, "rejected_s": -1}}) == {
        "wrap_up.answered_s": "less_than_equal", "wrap_up.rejected_s": "greater_than_equal"}


def test_11_voicemail(admin: httpx.Client, fresh: dict) -> None:
    vm = fresh["voicemail"]
    assert (vm["transcribe"], vm["notify"], vm["greeting"]["kind"], vm["greeting"]["language"]) == (False, False, "tts", "sv-SE")
    assert vm["greeting"]["text"]
    tts = ok(admin, fresh["id"], {"voicemail": {"greeting": {"language": "en-GB", "text": "Leave a message."}, "transcribe": True, "notify": True}})
    assert tts["voicemail"]["greeting"]["text"] == "Leave a message." and tts["voicemail"]["notify"] is True
    audio = ok(admin, fresh["id"], {"voicemail": {"greeting": {"kind": "audio", "audio_id": 3}}})
    assert audio["voicemail"]["greeting"]["audio_id"] == 3
    assert refused(admin, fresh["id"], {"voicemail": {"greeting": {"kind": "audio", "audio_id": None}}}) == {"voicemail.greeting.audio_id": "audio_required"}
    assert refused(admin, fresh["id"], {"voicemail": {"greeting": {"audio_id": 99}}}) == {"voicemail.greeting.audio_id": "unknown_id"}
    assert refused(admin, fresh["id"], {"voicemail": {"greeting": {"language": "swedish"}}}) == {"voicemail.greeting.language": "string_pattern_mismatch"}


def test_11_priority_call_waiting_and_vip(admin: httpx.Client, fresh: dict) -> None:
    assert (fresh["priority"], fresh["call_waiting"]) == ("none", False)
    assert fresh["vip"]["return_failed_transfers"] is False
    for level in ("medium", "highest", "none"):
        assert ok(admin, fresh["id"], {"priority": level})["priority"] == level
    assert refused(admin, fresh["id"], {"priority": "urgent"}) == {"priority": "enum"}
    assert ok(admin, fresh["id"], {"call_waiting": True})["call_waiting"] is True
    vip = ok(admin, fresh["id"], {"vip": {"return_failed_transfers": True, "message": "Välkommen tillbaka."}})["vip"]
    assert vip == {"return_failed_transfers": True, "message": "Välkommen tillbaka."}
    assert refused(admin, fresh["id"], {"vip": {"message": "x" * 201}}) == {"vip.message": "string_too_long"}


def test_11_closed_action_prompt(admin: httpx.Client, fresh: dict) -> None:
    assert fresh["closed_action"]["kind"] == "message"
    assert ok(admin, fresh["id"], {"closed_action": {"kind": "voicemail"}})["closed_action"]["kind"] == "voicemail"
    assert refused(admin, fresh["id"], {"closed_action": {"message": {"kind": "audio", "audio_id": 50}}}) == {"closed_action.message.audio_id": "unknown_id"}


def test_13_input_collectors(admin: httpx.Client, fresh: dict) -> None:
    assert fresh["input_collectors"] == []
    collectors = [
        {"variable": "customer_number", "expect": {"digits_min": 4, "digits_max": 8, "end_key": "#"}, "retries": 1, "timeout_s": 20},
        {"variable": "order_id", "prompt": {"kind": "audio", "audio_id": 4}},
    ]
    stored = ok(admin, fresh["id"], {"input_collectors": collectors})["input_collectors"]
    assert [c["variable"] for c in stored] == ["customer_number", "order_id"]  # order kept
    assert stored[1]["expect"] == {"digits_min": 1, "digits_max": 10, "end_key": "#"}
    assert (stored[1]["retries"], stored[1]["timeout_s"]) == (2, 10)
    reordered = ok(admin, fresh["id"], {"input_collectors": [stored[1], stored[0]]})["input_collectors"]
    assert [c["variable"] for c in reordered] == ["order_id", "customer_number"]
    assert refused(admin, fresh["id"], {"input_collectors": [{"variable": "Kundnr"}]}) == {"input_collectors.0.variable": "identifier"}
    assert refused(admin, fresh["id"], {"input_collectors": [{"variable": "a"}, {"variable": "a"}]}) == {"input_collectors": "duplicate_variable"}
    assert refused(admin, fresh["id"], {"input_collectors": [{"variable": "a", "expect": {"digits_min": 5, "digits_max": 4}}]}) == {"input_collectors.0.expect.digits_max": "max_below_min"}
    assert refused(admin, fresh["id"], {"input_collectors": [{"variable": "a", "retries": 6, "timeout_s": 0}]}) == {
        "input_collectors.0.retries": "less_than_equal", "input_collectors.0.timeout_s": "greater_than_equal"}
    assert refused(admin, fresh["id"], {"input_collectors": [{"variable": "a", "prompt": {"kind": "audio", "audio_id": 77}}]}) == {"input_collectors.0.prompt.audio_id": "unknown_id"}
    assert refused(admin, fresh["id"], {"input_collectors": [{"variable": "a", "expect": {"end_key": "5"}}]}) == {"input_collectors.0.expect.end_key": "literal_error"}


def test_14_callback(admin: httpx.Client, fresh: dict) -> None:
    assert fresh["callback"] == {"enabled": False, "offer_after_s": 60, "attempts": 3, "spacing_s": 120, "voicemail_last_step": False}
    changed = ok(admin, fresh["id"], {"callback": {"enabled": True, "attempts": 5, "spacing_s": 300, "voicemail_last_step": True}})
    assert changed["callback"] == {"enabled": True, "offer_after_s": 60, "attempts": 5, "spacing_s": 300, "voicemail_last_step": True}
    assert refused(admin, fresh["id"], {"callback": {"attempts": 0, "spacing_s": 29}}) == {
        "callback.attempts": "greater_than_equal", "callback.spacing_s": "greater_than_equal"}


def test_15_view_and_service_level(admin: httpx.Client, fresh: dict) -> None:
    assert fresh["view"] == {"flowchart": True, "wait_warning_s": 60}
    assert fresh["service_level"] == {"threshold_s": 90, "early_hangup_s": 10, "target_pct": 80, "show_target": False}
    changed = ok(admin, fresh["id"], {"view": {"flowchart": False}, "service_level": {"threshold_s": 60, "target_pct": 95, "show_target": True}})
    assert changed["view"] == {"flowchart": False, "wait_warning_s": 60}
    assert changed["service_level"] == {"threshold_s": 60, "early_hangup_s": 10, "target_pct": 95, "show_target": True}
    assert refused(admin, fresh["id"], {"service_level": {"early_hangup_s": 60}}) == {"service_level.early_hangup_s": "early_hangup_not_below_threshold"}
    assert refused(admin, fresh["id"], {"service_level": {"target_pct": 101}, "view": {"wait_warning_s": 0}}) == {
        "service_level.target_pct": "less_than_equal", "view.wait_warning_s": "greater_than_equal"}


def test_16_17_18_switches(admin: httpx.Client, fresh: dict) -> None:
    assert (fresh["conversation_intelligence"], fresh["cases_connected"], fresh["agents_may_toggle_login"]) == (False, False, True)
    changed = ok(admin, fresh["id"], {"conversation_intelligence": True, "cases_connected": True, "agents_may_toggle_login": False})
    assert (changed["conversation_intelligence"], changed["cases_connected"], changed["agents_may_toggle_login"]) == (True, True, False)
    assert refused(admin, fresh["id"], {"cases_connected": "yes please"}) == {"cases_connected": "bool_parsing"}


def test_18_agents_cannot_toggle_their_login_when_off(admin: httpx.Client, server) -> None:  # noqa: ANN001
    agent_id = admin.get("/response-groups/1/live").json()["agents"][0]["id"]
    username = next(u["username"] for u in admin.get("/organisation").json()["users"] if u["id"] == agent_id)
    with server.client(username, "agent") as agent:
        assert agent.post(f"/response-groups/1/agents/{agent_id}/logout").status_code == 200  # allowed by default
        ok(admin, 1, {"agents_may_toggle_login": False})
        response = agent.post(f"/response-groups/1/agents/{agent_id}/login")
        assert response.status_code == 403 and response.json()["code"] == "login_toggle_not_allowed", response.text
