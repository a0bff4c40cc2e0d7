"""What screens that show live data have in common."""
from __future__ import annotations

from textual.screen import Screen

from tui.app import Resynced, StoreChanged, VaxelApp
from tui.store import Change


class LiveScreen(Screen[None]):
    """Collects the store's changes for itself; redraws them while it is shown."""

    @property
    def vaxel(self) -> VaxelApp:
        app = self.app
        assert isinstance(app, VaxelApp)
        return app

    def on_mount(self) -> None:
        self.vaxel.store.watch(self)
        self.watch(self.vaxel, "stale", self._stale_changed, init=False)

    def _stale_changed(self, stale: bool) -> None:
        self.show_stale(stale)

    def live_now(self) -> float:
        """Server time to tick wait times to; frozen at the last word from the server while stale."""
        return self.vaxel.live_now()

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
