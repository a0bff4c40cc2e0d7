"""Which server to talk to: --server, --profile, the config, or a choice at start.

Order: --server URL; --profile NAME; VAXEL_SERVER / `server`; VAXEL_PROFILE /
`profile`; the only saved profile; with several saved and none chosen, the
console asks (scripts are told to pass --profile). Nothing at all: the
embedded demo backend.
"""
from __future__ import annotations

from dataclasses import dataclass

from tui.config import ConfigError, ConsoleConfig


@dataclass(frozen=True)
class Target:
    url: str | None  # None: the embedded demo backend
    ca_bundle: str | None = None
    profile: str | None = None

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


def from_profile(config: ConsoleConfig, name: str) -> Target:
    profile = config.profiles.get(name)
    if profile is None:
        known = ", ".join(sorted(config.profiles)) or "–"
        raise ConfigError(f"no saved server (profile) named {name!r}; saved: {known}")
    return Target(profile.server.rstrip("/"), profile.ca_bundle or config.ca_bundle, name)


def resolve(config: ConsoleConfig, server: str | None = None, profile: str | None = None) -> Target:
    if server:
        return Target(server.rstrip("/"), config.ca_bundle)
    if profile:
        return from_profile(config, profile)
    if config.server:
        return Target(config.server.rstrip("/"), config.ca_bundle)
    if config.profile:
        return from_profile(config, config.profile)
    if len(config.profiles) == 1:
        return from_profile(config, next(iter(config.profiles)))
    if len(config.profiles) > 1:
        raise ChooseProfile(sorted(config.profiles))
    return Target(None, config.ca_bundle)
