"""The queue engine: the routing the settings describe, on an injectable clock.

`core.Engine` is synchronous and pure (no I/O): tests drive it exactly with a
`FakeClock`. `service.EngineService` runs it inside the server: it loads state
from the database, fires timers, publishes events and stores finished calls.
"""
