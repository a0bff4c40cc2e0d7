"""The ASGI application: `create_app(settings, clock)`."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from backend import demo
from backend.api import agents, auth, errors, events, group_admin, groups, openapi, organisation, pbx, schedules
from backend.api import calls as call_history
from backend.api.fast_reads import FastGroupReads
from backend.api.streaming import FastEventStreams
from backend.api.idempotency import Idempotency
from backend.api.limits import BodyLimit
from backend.cluster.forward import ForwardToOwner
from backend.cluster.node import Cluster
from backend.config import ServerSettings
from backend.db.database import Database
from backend.engine.clock import Clock, SystemClock
from backend.engine.service import EngineService
from backend.events import EventBus
from backend.services.schedules import load_book
from backend.simulator import Simulator
from backend.state import AppState

log = logging.getLogger(__name__)

try:
    VERSION = version("vaxel")
except PackageNotFoundError:  # running from a source tree
    VERSION = "0+unknown"

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: ServerSettings, clock: Clock | None = None) -> FastAPI:
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database)
        await db.migrate()
        if settings.demo:
            await demo.seed_if_empty(db, clock.now())
        bus = EventBus(db)
        await bus.start()
        engine = EngineService(db, bus, clock, tz=settings.timezone, medium_boost_s=settings.medium_boost_s)
        async with db.session() as session:
            await load_book(session, engine.schedules)
        cluster = None
        if db.is_sqlite:
            await engine.start()
        else:  # several processes may share it: one runs the queues (backend/cluster)
            cluster = Cluster(engine, bus, settings.advertise_url or f"http://{settings.host}:{settings.port}")
            await cluster.start()
        state = AppState(settings=settings, clock=clock, db=db, bus=bus, engine=engine, cluster=cluster)
        if cluster is not None:
            state.principals = cluster.principals
        app.state.vaxel = state
        simulator = None
        if (settings.demo if settings.simulate is None else settings.simulate) and (cluster is None or cluster.ownership.is_owner):
            simulator = Simulator(engine, seed=settings.simulator_seed, speed=settings.simulator_speed, tz=settings.timezone)
            simulator.start()
        try:
            yield
        finally:
            if simulator:
                simulator.stop()
            await (cluster.stop() if cluster else engine.stop())
            await bus.stop()
            await db.dispose()

    app = FastAPI(
        title="Vaxel",
        version=VERSION,
        summary="Response groups (svarsgrupper): settings, live queues and the PBX-facing API.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    # Outermost first to see a request: FastGroupReads, FastEventStreams, ForwardToOwner, BodyLimit, then Idempotency.
    app.add_middleware(Idempotency)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    # A process that does not run the queues hands such requests on whole (backend/cluster).
    app.add_middleware(ForwardToOwner, cluster=lambda: getattr(getattr(app.state, "vaxel", None), "cluster", None))
    # An ordinary event stream skips the rest too: its sends go straight to the server.
    app.add_middleware(FastEventStreams, prefix=API_PREFIX)
    app.add_middleware(FastGroupReads, prefix=API_PREFIX)  # outermost: a cached GET skips the rest
    errors.install(app)
    openapi.document(app)
    for router in (auth.router, groups.router, agents.router, events.router, pbx.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(call_history.router, prefix=API_PREFIX)
    for router in (organisation.router, schedules.router, group_admin.router):
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/healthz", tags=["health"], include_in_schema=True)
    async def healthz() -> dict[str, str]:
        """Liveness for load balancers and the console's embedded-backend check; with
        several processes, `queues` says whether this one runs them (owner) or not (standby)."""
        body = {"status": "ok", "version": VERSION}
        cluster = getattr(getattr(app.state, "vaxel", None), "cluster", None)
        if cluster is not None:
            body["queues"] = "owner" if cluster.ownership.is_owner else "standby"
        return body

    return app
