"""The backend's settings: command-line flags over `VAXEL_SERVER_…` variables."""
from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(user_data_dir("vaxel", appauthor=False))


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{default_data_dir() / 'vaxel.db'}"


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VAXEL_SERVER_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8470, ge=0, le=65535, description="Port; 0 picks a free one.")
    database: str = Field(default_factory=default_database_url, description="SQLAlchemy URL.")
    demo: bool = Field(False, description="Seed the demo organisation and run the simulator.")
    simulate: bool | None = Field(None, description="Run the traffic simulator (default: with --demo).")
    simulator_seed: int = Field(20261125, description="Seed for the traffic simulator.")
    simulator_speed: float = Field(1.0, gt=0, description="Simulated traffic rate multiplier.")
    token_ttl_s: int = Field(12 * 3600, ge=60, description="Lifetime of an access token.")
    medium_boost_s: float = Field(
        60.0, ge=0, description="Medium priority: calls count as having waited this much longer."
    )
    timezone: str = Field("Europe/Stockholm", description="Time zone for 'today' and schedules.")
    tls_cert: str | None = Field(None, description="PEM certificate (chain) to serve HTTPS with.")
    tls_key: str | None = Field(None, description="PEM private key for tls_cert.")
    advertise_url: str | None = Field(
        None,
        description="Several processes on PostgreSQL: the URL the other processes reach this one at "
        "(default: the address it listens on).",
    )
    idle_exit_s: float | None = Field(
        None, description="Exit after this many seconds with no clients (the embedded backend)."
    )
