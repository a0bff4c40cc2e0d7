"""What screens that show live data have in common."""
from __future__ import annotations

import time

from textual.screen import Screen

from tui.app import Resynced, StoreChanged, VaxelApp
from tui.store import Change


#: A screen whose clock has not been moved on by its tick for this long takes
#: the time afresh (just shown, or back on top).
TICK_STALE_S = 1.5


class LiveScreen(Screen[None]):
    """Collects the store's changes for itself; redraws them while it is shown."""

    _ticked_at: float | None = None  # monotonic time of the last `tick()`
    _tick_now = 0.0

    @property
    def vaxel(self) -> VaxelApp:
        app = self.app
        assert isinstance(app, VaxelApp)
        return app

    def on_mount(self) -> None:
        self.vaxel.store.watch(self)
        self.watch(self.vaxel, "stale", self._stale_changed, init=False)

    def _stale_changed(self, stale: bool) -> None:
        self.tick()  # stale: frozen at the last word from the server; live again: now
        self.show_stale(stale)

    def tick(self) -> float:
        """Move the screen's clock on (its 1 s timer calls this) and return it."""
        self._ticked_at = time.monotonic()
        self._tick_now = self.vaxel.live_now()
        return self._tick_now

    def live_now(self) -> float:
        """Server time to draw wait times and countdowns at: the last `tick()`'s.

        An event between two ticks then repaints only what it changed (a
        ringing mark, a new row), not also every wait time whose second
        happened to turn since the last tick: those all move together, once a
        second. Frozen at the last word from the server while stale."""
        if self._ticked_at is None or time.monotonic() - self._ticked_at > TICK_STALE_S:
            return self.tick()
        return self._tick_now

    def show_stale(self, stale: bool) -> None:
        """Mark (or unmark) the live figures as not current."""

    def on_unmount(self) -> None:
        self.vaxel.store.unwatch(self)

    @property
    def on_top(self) -> bool:
        """Shown on top. Textual's `is_current` is also true for screens beneath the
        top one, whose redraws would make the top screen repaint whole (every byte
        of it, every second)."""
        try:
            return self.app.screen is self
        except Exception:  # noqa: BLE001 - no screen stack yet / any more
            return False

    def on_store_changed(self, _: StoreChanged) -> None:
        if self.on_top:
            self.show_changes(self.vaxel.store.take_changes(self))

    def on_screen_resume(self) -> None:
        self.show_changes(self.vaxel.store.take_changes(self))

    def on_resynced(self, _: Resynced) -> None:
        self.reload()

    def show_changes(self, changes: set[Change]) -> None:
        """Redraw what `changes` names."""

    def reload(self) -> None:
        """Fetch this screen's snapshots again (the stream could not resume)."""
