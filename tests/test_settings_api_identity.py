"""Settings API, identity sections: the organisation's catalogs, §2 create, §4 AI
background, §6 name, §8 number and billing, §9 agent groups and supervisors,
§10 AI support agent, §12 outgoing; every id checked against the organisation."""
from __future__ import annotations

import httpx

from tests.server import RunningServer
from tests.settings_kit import new_group, ok, organisation, patch, refused


def test_organisation_lists_every_catalog(admin: httpx.Client, supervisor: httpx.Client) -> None:
    org = organisation(admin)
    assert (org["id"], org["name"], org["ai_agents_enabled"]) == (1, "Demo AB", True)
    numbers = {n["number"]: n["group_id"] for n in org["numbers"]}
    assert numbers["+46812345600"] == 1 and numbers["+46812345605"] == 6
    assert numbers["+46812345690"] is None  # free
    assert [b["label"] for b in org["billing_ids"]] == ["Kostnadsställe 100", "Kostnadsställe 200", "Kostnadsställe 300"]
    assert {"Kundtjänst", "Växel", "Support"} <= {g["name"] for g in org["agent_groups"]}
    admin_user = next(u for u in org["users"] if u["username"] == "admin")
    assert admin_user["display_name"] == "Alva Admin" and admin_user["roles"] == ["admin"]
    assert "password_hash" not in admin_user
    assert [k["name"] for k in org["knowledge_sources"]] == ["Hjälpcenter", "Produktblad", "Vanliga frågor"]
    assert "Välkommen.wav" in [a["name"] for a in org["audio_files"]]
    assert [s["name"] for s in org["schedules"]] == ["Dygnet runt", "Kontorstid"]
    assert supervisor.get("/organisation").json()["numbers"] == org["numbers"]  # readable by anyone signed in


def test_organisation_flag_needs_phone_system(admin: httpx.Client, supervisor: httpx.Client) -> None:
    assert supervisor.patch("/organisation", json={"ai_agents_enabled": False}).status_code == 403
    assert organisation(admin)["ai_agents_enabled"] is True
    turned = admin.patch("/organisation", json={"ai_agents_enabled": False})
    assert turned.status_code == 200 and turned.json()["ai_agents_enabled"] is False
    assert admin.get("/me").json()["ai_agents_enabled"] is False
    assert admin.patch("/organisation", json={"name": "Other"}).status_code == 422


# ------------------------------------------------------------------ §2 create


def test_create_takes_a_free_number_and_gets_the_seed_defaults(admin: httpx.Client) -> None:
    group = new_group(admin, billing_id=2, agent_group_ids=[1, 2], supervisor_ids=[2],
                      mobile_display={"mode": "group_number"})
    assert (group["billing_id"], group["agent_group_ids"], group["supervisor_ids"]) == (2, [1, 2], [2])
    assert group["mobile_display"] == {"mode": "group_number", "custom_number": None}
    assert group["schedule_id"] is None and group["status"] == "open"
    numbers = {n["number"]: n["group_id"] for n in organisation(admin)["numbers"]}
    assert numbers["+46812345690"] == group["id"]


def test_create_refuses_numbers_outside_the_pool_or_taken(admin: httpx.Client) -> None:
    outside = admin.post("/response-groups", json={"name": "Ny", "number": "+46855555555"})
    assert outside.status_code == 422
    assert outside.json()["errors"] == [
        {"field": "number", "reason": "not one of the organisation's numbers", "code": "number_not_in_pool"}]
    taken = admin.post("/response-groups", json={"name": "Ny", "number": "+46812345601"})
    assert {e["field"]: e["code"] for e in taken.json()["errors"]} == {"number": "number_taken"}
    bad = admin.post("/response-groups", json={"name": "Ny", "number": "0812345"})
    assert {e["field"]: e["code"] for e in bad.json()["errors"]} == {"number": "e164"}
    assert "Ny" not in {g["name"] for g in admin.get("/response-groups").json()}


def test_create_refuses_unknown_ids_naming_each(admin: httpx.Client) -> None:
    response = admin.post(
        "/response-groups",
        json={"name": "Ny", "number": "+46812345691", "billing_id": 99, "agent_group_ids": [1, 77], "supervisor_ids": [88]},
    )
    assert response.status_code == 422
    assert {e["field"]: e["code"] for e in response.json()["errors"]} == {
        "billing_id": "unknown_id", "agent_group_ids.1": "unknown_id", "supervisor_ids.0": "unknown_id"}


def test_supervisors_must_have_the_supervisor_or_admin_role(admin: httpx.Client) -> None:
    users = {u["username"]: u for u in organisation(admin)["users"]}
    agent = next(u for u in users.values() if u["roles"] == ["agent"])
    response = admin.post(
        "/response-groups",
        json={"name": "Ny", "number": "+46812345691", "supervisor_ids": [users["supervisor"]["id"], agent["id"]]},
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("supervisor_ids.1", "not_a_supervisor")]
    group = new_group(admin, supervisor_ids=[users["admin"]["id"], users["supervisor"]["id"]])
    assert group["supervisor_ids"] == sorted([users["admin"]["id"], users["supervisor"]["id"]])
    assert refused(admin, group["id"], {"supervisor_ids": [agent["id"]]}) == {"supervisor_ids.0": "not_a_supervisor"}


def test_create_needs_phone_system(supervisor: httpx.Client) -> None:
    assert supervisor.post("/response-groups", json={"name": "Ny", "number": "+46812345691"}).status_code == 403


# ------------------------------------------------------------------ §4, §6


def test_ai_background_is_multiline_text_kept_when_ai_is_off(admin: httpx.Client) -> None:
    assert new_group(admin)["ai_info"] == ""
    text = "Vi säljer cyklar.\nÖppet vardagar."
    assert ok(admin, 1, {"ai_info": text})["ai_info"] == text
    admin.patch("/organisation", json={"ai_agents_enabled": False})
    assert admin.get("/response-groups/1").json()["ai_info"] == text
    assert refused(admin, 1, {"ai_info": "x" * 4001}) == {"ai_info": "string_too_long"}
    assert refused(admin, 1, {"ai_info": "bad\x07bell"}) == {"ai_info": "control_characters"}


def test_name_is_trimmed_unique_and_1_to_64_characters(admin: httpx.Client) -> None:
    assert ok(admin, 3, {"name": "  Support  "})["name"] == "Support"
    assert refused(admin, 3, {"name": "   "}) == {"name": "string_too_short"}
    assert refused(admin, 3, {"name": "x" * 65}) == {"name": "string_too_long"}
    assert refused(admin, 3, {"name": "Växel"}, status=409) == {"name": "name_taken"}
    assert ok(admin, 3, {"name": "y" * 64})["name"] == "y" * 64


# ------------------------------------------------------------------ §8


def close_and_empty(admin: httpx.Client, group_id: int) -> None:
    assert admin.post(f"/response-groups/{group_id}/close").status_code == 200


def test_number_changes_only_while_closed_and_empty(admin: httpx.Client, server: RunningServer) -> None:
    assert refused(admin, 2, {"number": "+46812345692"}, status=409) == {"number": "number_change_needs_closed_empty_group"}
    with server.client("pbx") as pbx:
        # A call waiting from before the closing keeps the number in place.
        for agent_id in [a["id"] for a in admin.get("/response-groups/2/live").json()["agents"]]:
            pbx.post(f"/pbx/agents/{agent_id}/logout", json={})
        call = pbx.post("/pbx/calls", json={"number": "+46812345601", "caller": "+46701234567"}).json()
        assert call["state"] == "queued"
        close_and_empty(admin, 2)
        assert refused(admin, 2, {"number": "+46812345692"}, status=409) == {"number": "number_change_needs_closed_empty_group"}
        assert pbx.post(f"/pbx/calls/{call['call_id']}/hangup", json={}).status_code == 200
    changed = ok(admin, 2, {"number": "+46812345692"})
    assert changed["number"] == "+46812345692"
    numbers = {n["number"]: n["group_id"] for n in organisation(admin)["numbers"]}
    assert numbers["+46812345692"] == 2 and numbers["+46812345601"] is None  # the old one is free again


def test_number_must_be_free_and_in_the_pool(admin: httpx.Client) -> None:
    close_and_empty(admin, 3)
    assert refused(admin, 3, {"number": "+46855555555"}) == {"number": "number_not_in_pool"}
    assert refused(admin, 3, {"number": "+46812345600"}) == {"number": "number_taken"}
    assert refused(admin, 3, {"number": "12345"}) == {"number": "e164"}


def test_billing_id_and_mobile_display(admin: httpx.Client) -> None:
    group = new_group(admin)
    assert group["billing_id"] is None
    assert group["mobile_display"] == {"mode": "caller_and_id", "custom_number": None}
    assert ok(admin, 3, {"billing_id": 3})["billing_id"] == 3
    assert refused(admin, 3, {"billing_id": 42}) == {"billing_id": "unknown_id"}
    assert refused(admin, 3, {"mobile_display": {"mode": "custom"}}) == {"mobile_display.custom_number": "custom_number_required"}
    assert refused(admin, 3, {"mobile_display": {"mode": "custom", "custom_number": "070-123"}}) == {"mobile_display.custom_number": "e164"}
    shown = ok(admin, 3, {"mobile_display": {"mode": "custom", "custom_number": "+46701234567"}})
    assert shown["mobile_display"] == {"mode": "custom", "custom_number": "+46701234567"}
    assert refused(admin, 3, {"mobile_display": {"mode": "fax"}}) == {"mobile_display.mode": "literal_error"}


# ------------------------------------------------------------------ §9, §10, §12


def test_agent_groups_and_supervisors_are_picked_from_the_organisation(admin: httpx.Client) -> None:
    assert ok(admin, 3, {"agent_group_ids": [3, 1], "supervisor_ids": [1, 2]})["agent_group_ids"] == [1, 3]
    assert ok(admin, 3, {"agent_group_ids": [3]})["agent_group_ids"] == [3]  # removed again
    assert refused(admin, 3, {"agent_group_ids": [3, 999]}) == {"agent_group_ids.1": "unknown_id"}
    assert refused(admin, 3, {"supervisor_ids": [1, 2, 555]}) == {"supervisor_ids.2": "unknown_id"}


def test_ai_support_agent(admin: httpx.Client) -> None:
    assert new_group(admin)["ai_agent"] == {"enabled": False, "knowledge_source_ids": []}
    on = ok(admin, 3, {"ai_agent": {"enabled": True, "knowledge_source_ids": [1, 3]}})
    assert on["ai_agent"] == {"enabled": True, "knowledge_source_ids": [1, 3]}
    assert refused(admin, 3, {"ai_agent": {"knowledge_source_ids": [1, 3, 12]}}) == {"ai_agent.knowledge_source_ids.2": "unknown_id"}
    assert refused(admin, 3, {"ai_agent": {"enabled": "maybe"}}) == {"ai_agent.enabled": "bool_parsing"}


def test_outgoing_sms_and_caller_id(admin: httpx.Client) -> None:
    assert new_group(admin)["outgoing"] == {
        "sms_from_group_number": False, "caller_id": {"all_agents": False, "all_supervisors": False, "user_ids": []}}
    changed = ok(admin, 3, {"outgoing": {"sms_from_group_number": True, "caller_id": {"all_supervisors": True, "user_ids": [4]}}})
    assert changed["outgoing"] == {
        "sms_from_group_number": True, "caller_id": {"all_agents": False, "all_supervisors": True, "user_ids": [4]}}
    assert refused(admin, 3, {"outgoing": {"caller_id": {"user_ids": [4, 4040]}}}) == {"outgoing.caller_id.user_ids.1": "unknown_id"}


def test_a_change_elsewhere_does_not_recheck_unrelated_sections(admin: httpx.Client) -> None:
    ok(admin, 3, {"billing_id": 1})
    assert ok(admin, 3, {"view": {"wait_warning_s": 45}})["billing_id"] == 1


def test_every_settings_write_needs_phone_system(supervisor: httpx.Client, admin: httpx.Client) -> None:
    group_id = supervisor.get("/me").json()["supervises"][0]
    for body in ({"billing_id": 1}, {"schedule_id": 1}, {"ai_agent": {"enabled": True}}, {"agent_group_ids": [1]}):
        assert patch(supervisor, group_id, body).status_code == 403
    assert admin.get(f"/response-groups/{group_id}").json()["version"] == 1


def test_closed_by_schedule_counts_as_closed_for_the_number_rule(server: RunningServer) -> None:
    server.clock.set(server.clock.now() + 9 * 3600)  # 18:00: Kundtjänst is closed by Kontorstid
    with server.client("admin") as admin:  # a fresh token: the old one may have expired
        assert admin.get("/response-groups/1").json()["status"] == "closed_schedule"
        assert ok(admin, 1, {"number": "+46812345693"})["number"] == "+46812345693"
        assert refused(admin, 2, {"number": "+46812345694"}, status=409) == {"number": "number_change_needs_closed_empty_group"}


def test_ids_of_another_organisation_are_unknown(admin: httpx.Client, server: RunningServer) -> None:
    async def other_org() -> dict[str, int]:
        from backend.db.models import AudioFile, BillingIdRow, Organisation, OrgNumber

        async with server.state.db.session() as session, session.begin():
            org = Organisation(name="Andra AB", ai_agents_enabled=False)
            session.add(org)
            await session.flush()
            billing = BillingIdRow(org_id=org.id, label="Deras")
            audio = AudioFile(org_id=org.id, name="Deras.wav")
            session.add_all([billing, audio, OrgNumber(org_id=org.id, number="+46899900000")])
            await session.flush()
            return {"billing": billing.id, "audio": audio.id}

    theirs = server.call(other_org)
    assert refused(admin, 3, {"billing_id": theirs["billing"], "voicemail": {"greeting": {"kind": "audio", "audio_id": theirs["audio"]}}}) == {
        "billing_id": "unknown_id", "voicemail.greeting.audio_id": "unknown_id"}
    assert "+46899900000" not in {n["number"] for n in organisation(admin)["numbers"]}
    created = admin.post("/response-groups", json={"name": "Ny", "number": "+46899900000"})
    assert {e["field"]: e["code"] for e in created.json()["errors"]} == {"number": "number_not_in_pool"}
