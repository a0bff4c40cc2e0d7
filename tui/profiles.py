"""Which server to talk to: --server, --profile, the config, the last one
signed in to, or a choice at start.

Order: --server URL; --profile NAME; VAXEL_SERVER / `server`; VAXEL_PROFILE /
`profile`; the server last signed in to (`vaxel login`, tui/last_server.py);
the only saved profile; with several saved and none chosen, the console asks
(scripts are told to pass --profile). Nothing at all: the embedded demo
backend (a running one, else one started as the console does).
"""
from __future__ import annotations

from dataclasses import dataclass

from tui.config import ConfigError, ConsoleConfig
from tui.server_url import BadServerUrl, parse_server_url

#: Where a target came from (`Target.source`).
GIVEN, PROFILE, CONFIG, LAST, EMBEDDED = "given", "profile", "config", "last", "embedded"


@dataclass(frozen=True)
class Target:
    url: str | None  # None: the embedded demo backend
    ca_bundle: str | None = None
    profile: str | None = None
    source: str = GIVEN

    @property
    def label(self) -> str:
        if self.url is None:
            return ""
        return f"{self.profile} · {self.url}" if self.profile else self.url


class ChooseProfile(Exception):
    """Several saved servers and none chosen."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def _config_url(value: str, where: str) -> str:
    try:
        return parse_server_url(value).url
    except BadServerUrl as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def from_profile(config: ConsoleConfig, name: str, source: str = PROFILE) -> Target:
    profile = config.profiles.get(name)
    if profile is None:
        known = ", ".join(sorted(config.profiles)) or "–"
        raise ConfigError(f"no saved server (profile) named {name!r}; saved: {known}")
    url = _config_url(profile.server, f"profiles.{name}.server")
    return Target(url, profile.ca_bundle or config.ca_bundle, name, source)


def resolve(
    config: ConsoleConfig, server: str | None = None, profile: str | None = None, *, last: str | None = None
) -> Target:
    """The target; `server` has been checked already (tui/server_url.py), `last`
    is the server last signed in to."""
    if server:
        return Target(server.rstrip("/"), config.ca_bundle)
    if profile:
        return from_profile(config, profile)
    if config.server:
        return Target(_config_url(config.server, "server"), config.ca_bundle, source=CONFIG)
    if config.profile:
        return from_profile(config, config.profile, CONFIG)
    if last:
        for name, saved in config.profiles.items():  # a saved server keeps its name and CA
            if saved.server.rstrip("/") == last:
                return from_profile(config, name, LAST)
        return Target(last, config.ca_bundle, source=LAST)
    if len(config.profiles) == 1:
        return from_profile(config, next(iter(config.profiles)), CONFIG)
    if len(config.profiles) > 1:
        raise ChooseProfile(sorted(config.profiles))
    return Target(None, config.ca_bundle, source=EMBEDDED)
