"""Everything a request handler may need, built once per server."""
from __future__ import annotations

from dataclasses import dataclass, field

from backend.cluster.node import Cluster
from backend.config import ServerSettings
from backend.db.database import Database
from backend.engine.clock import Clock
from backend.engine.service import EngineService
from backend.events import EventBus
from backend.services.auth import PrincipalCache
from backend.throttle import LoginThrottle


@dataclass
class AppState:
    settings: ServerSettings
    clock: Clock
    db: Database
    bus: EventBus
    engine: EngineService
    cluster: Cluster | None = None  # PostgreSQL: this process among several
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    address_throttle: LoginThrottle = field(default_factory=lambda: LoginThrottle(free=30))
    active_requests: int = 0
    last_activity: float = 0.0
