"""Saved servers (profiles): which one is used, and the chooser at start."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import OptionList

from screens.profiles import ProfileChooser
from tui.config import ConfigError, ConsoleConfig
from tui.formatting import fmt_date, fmt_datetime, fmt_number, fmt_percent, fmt_time, fmt_weekday_date
from tui.i18n import set_language
from tui.profiles import ChooseProfile, resolve

TWO = {"work": {"server": "https://work.example.com/"}, "test": {"server": "https://test.example.com", "ca_bundle": "/ca.pem"}}


def test_the_order_of_choice() -> None:
    config = ConsoleConfig(profiles=TWO)
    assert resolve(config, "http://x:1/").url == "http://x:1"
    assert resolve(config, None, "test").url == "https://test.example.com"
    assert resolve(config, None, "test").ca_bundle == "/ca.pem"
    assert resolve(config, None, "work").label == "work · https://work.example.com"
    with pytest.raises(ChooseProfile) as info:
        resolve(config)
    assert info.value.names == ["test", "work"]
    assert resolve(ConsoleConfig(profiles=TWO, profile="work")).url == "https://work.example.com"
    assert resolve(ConsoleConfig(profiles=TWO, server="http://direct")).url == "http://direct"
    assert resolve(ConsoleConfig(profiles={"only": TWO["work"]})).profile == "only"
    assert resolve(ConsoleConfig()).url is None  # the embedded demo
    with pytest.raises(ConfigError, match="no saved server"):
        resolve(config, None, "nope")


async def test_the_chooser_lists_the_servers_and_returns_the_one_picked() -> None:
    config = ConsoleConfig(profiles={**TWO, "work": {**TWO["work"], "description": "Kundtjänst"}})
    chooser = ProfileChooser(config, ["test", "work"])
    async with chooser.run_test(size=(80, 24)) as pilot:
        options = chooser.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts == ["test  https://test.example.com", "work  https://work.example.com/  · Kundtjänst"]
        await pilot.press("down", "enter")
    assert chooser.return_value == "work"


async def test_escape_leaves_the_chooser_without_a_server() -> None:
    chooser = ProfileChooser(ConsoleConfig(profiles=TWO), ["test", "work"])
    async with chooser.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
    assert chooser.return_value is None


# ---------------------------------------------------------------- locale formatting

AT = datetime(2026, 11, 25, 14, 5, 9, tzinfo=UTC)


def test_swedish_uses_a_24_hour_clock_and_iso_dates() -> None:
    set_language("sv")
    try:
        assert fmt_time(AT, tz=UTC) == "14:05:09"
        assert fmt_time(AT, seconds=False, tz=UTC) == "14:05"
        assert fmt_date(AT, tz=UTC) == "2026-11-25"
        assert fmt_weekday_date(AT, tz=UTC) == "ons 25 nov"
        assert fmt_datetime(AT, tz=UTC) == "2026-11-25 14:05"
        assert fmt_number(1234567.5, 1) == "1\u00a0234\u00a0567,5"
        assert fmt_percent(80) == "80\u00a0%"
    finally:
        set_language("en")


def test_english_uses_a_12_hour_clock() -> None:
    set_language("en")
    assert fmt_time(AT, tz=UTC) == "2:05:09 PM"
    assert fmt_time(AT.replace(hour=0), seconds=False, tz=UTC) == "12:05 AM"
    assert fmt_date(AT, tz=UTC) == "25 Nov 2026"
    assert fmt_weekday_date(AT, tz=UTC) == "Wed 25 Nov"
    assert fmt_number(1234567.5, 1) == "1,234,567.5"
    assert fmt_time(AT.timestamp(), tz=UTC) == "2:05:09 PM"
