"""The three-way merge of a schedule after someone else saved first (§7):
part by part (name, time zone, each weekday, each dated exception)."""
from __future__ import annotations

import copy

from tui.i18n import set_language
from tui.schedules import DAYS, merge_schedule, new_schedule, part_name

OFFICE = [{"start": "08:00", "end": "17:00"}]


def office() -> dict:
    doc = new_schedule("Kontorstid")
    for day in DAYS[:5]:
        doc["weekly"][day] = copy.deepcopy(OFFICE)
    doc["exceptions"] = [{"date": "2026-12-24", "label": "Julafton", "ranges": []}]
    return doc


def test_changes_to_different_parts_are_both_kept() -> None:
    base = office()
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    mine["weekly"]["fri"] = [{"start": "08:00", "end": "15:00"}]
    mine["exceptions"].append({"date": "2026-12-31", "label": "Nyårsafton", "ranges": []})
    theirs["weekly"]["sun"] = [{"start": "10:00", "end": "12:00"}]
    theirs["name"] = "Kontorstid 2027"
    theirs["exceptions"][0]["label"] = "Julafton!"
    merged, conflicts = merge_schedule(base, mine, theirs)
    assert conflicts == []
    assert merged["name"] == "Kontorstid 2027"
    assert merged["weekly"]["fri"] == [{"start": "08:00", "end": "15:00"}]
    assert merged["weekly"]["sun"] == [{"start": "10:00", "end": "12:00"}]
    assert [e["label"] for e in merged["exceptions"]] == ["Julafton!", "Nyårsafton"]


def test_the_same_part_changed_by_both_keeps_mine_and_is_named() -> None:
    base = office()
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    mine["weekly"]["fri"] = [{"start": "08:00", "end": "15:00"}]
    theirs["weekly"]["fri"] = [{"start": "09:00", "end": "16:00"}]
    theirs["weekly"]["mon"] = []
    merged, conflicts = merge_schedule(base, mine, theirs)
    assert conflicts == ["weekly.fri"]
    assert merged["weekly"]["fri"] == [{"start": "08:00", "end": "15:00"}]
    assert merged["weekly"]["mon"] == [], "their other change is taken"
    set_language("en")
    assert part_name("weekly.fri") == "Fri" and part_name("exceptions.2026-12-24") == "exception 2026-12-24"


def test_removed_by_them_and_untouched_by_me_stays_removed_and_equal_changes_agree() -> None:
    base = office()
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    theirs["exceptions"] = []
    mine["timezone"] = theirs["timezone"] = "Europe/Helsinki"
    merged, conflicts = merge_schedule(base, mine, theirs)
    assert (merged["exceptions"], merged["timezone"], conflicts) == ([], "Europe/Helsinki", [])


def test_removed_by_them_but_edited_by_me_is_a_conflict_keeping_mine() -> None:
    base = office()
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    theirs["exceptions"] = []
    mine["exceptions"][0]["ranges"] = [{"start": "09:00", "end": "12:00"}]
    merged, conflicts = merge_schedule(base, mine, theirs)
    assert conflicts == ["exceptions.2026-12-24"] and merged["exceptions"] == mine["exceptions"]
