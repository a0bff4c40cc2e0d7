"""Kept drafts: written atomically and privately, removed when saved or undone."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from tui.drafts import DraftStore


def test_round_trip_and_privacy(tmp_path: Path) -> None:
    store = DraftStore("http://a", tmp_path)
    store.save(2, "Växel", 3, {"name": "Växeln", "service_level.threshold_s": 60})
    draft = store.load(2)
    assert draft is not None
    assert draft.edits == {"name": "Växeln", "service_level.threshold_s": 60}
    assert draft.base_version == 3 and draft.group_name == "Växel"
    [path] = list((tmp_path / "drafts").iterdir())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_no_edits_means_no_file(tmp_path: Path) -> None:
    store = DraftStore("http://a", tmp_path)
    store.save(2, "Växel", 3, {"name": "X"})
    store.save(2, "Växel", 3, {})
    assert store.load(2) is None
    assert store.all() == []


def test_drafts_are_per_server(tmp_path: Path) -> None:
    DraftStore("http://a", tmp_path).save(1, "A", 1, {"name": "x"})
    DraftStore("http://b", tmp_path).save(1, "B", 1, {"name": "y"})
    assert [d.group_name for d in DraftStore("http://a", tmp_path).all()] == ["A"]
    assert DraftStore("http://b", tmp_path).load(1).edits == {"name": "y"}


def test_a_corrupt_file_is_ignored(tmp_path: Path) -> None:
    store = DraftStore("http://a", tmp_path)
    store.save(1, "A", 1, {"name": "x"})
    next((tmp_path / "drafts").iterdir()).write_text("{not json")
    assert store.load(1) is None and store.all() == []
