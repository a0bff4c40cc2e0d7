"""The console as `bench/live.py` runs it in a pty: the real app, one of three views.

    python -m bench.live_console URL GROUP_ID {live,datatable,group}

- `live`: the waiting calls of one group in Vaxel's `WaitingCallsTable`
  (repaints changed cells only), fed by the real store and stream;
- `datatable`: the same calls, the same store and stream, in a plain Textual
  `DataTable` updated with `update_cell` (the baseline the issue names);
- `group`: the real group screen opened in its live view (`l` on the overview:
  flowchart, calls, agents, SL; the settings column is built only when shown).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# As `vaxel` starts (tui/cli.py): no search for pydantic plugins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from textual import work  # noqa: E402
from textual.app import ComposeResult

from screens.base import LiveScreen
import tui.app
from tui.app import VaxelApp
from tui.client import VaxelClient
from tui.store import Change
from widgets.header import ScreenHeader
from widgets.key_footer import KeyFooter
from widgets.waiting_calls import WaitingCallsTable


class BenchCallsScreen(LiveScreen):
    def __init__(self, group_id: int, baseline: bool) -> None:
        super().__init__()
        self.group_id = group_id
        self.baseline = baseline

    def compose(self) -> ComposeResult:
        yield ScreenHeader(id="header")
        if self.baseline:  # imported only here: DataTable is ~0.4 MB the other views do not load
            from bench.live_datatable import DataTableCalls

            yield DataTableCalls(id="calls")
        else:
            yield WaitingCallsTable(id="calls")
        if not os.environ.get("BENCH_NO_FOOTER"):
            yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0, self._tick)
        self.load()

    def reload(self) -> None:
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        client = self.vaxel.client
        group = (await client.group(self.group_id)).group
        self.query_one(ScreenHeader).set_where(group.name)
        self.vaxel.store.load_group(group)
        self.vaxel.store.load_live(await client.group_live(self.group_id))
        self._draw()

    def show_changes(self, changes: set[Change]) -> None:
        if any(group_id == self.group_id for _, group_id in changes):
            self._draw()

    def _tick(self) -> None:
        self.tick()
        self._draw()

    def _draw(self) -> None:
        live = self.vaxel.store.live.get(self.group_id)
        group = self.vaxel.store.groups.get(self.group_id)
        if live is None or group is None:
            return
        table = self.query_one("#calls")
        table.show(live.ordered_calls(), self.live_now(), group.view.wait_warning_s, group.service_level.threshold_s)  # type: ignore[attr-defined]


class BenchApp(VaxelApp):
    # A relative CSS_PATH is resolved beside the subclass; the app's sheet is in tui/.
    CSS_PATH = str(Path(tui.app.__file__).with_name("vaxel.tcss"))

    def __init__(self, client: VaxelClient, group_id: int, mode: str) -> None:
        super().__init__(client, credentials=("admin", "admin"), server_label="bench", freeze_after_start=True)
        self.group_id, self.mode = group_id, mode
        self._pushed = False

    def on_mount(self) -> None:
        super().on_mount()
        self._opener = self.set_interval(0.1, self._open_view)

    def _open_view(self) -> None:
        if self._pushed or type(self.screen).__name__ != "OverviewScreen":
            return
        self._pushed = True
        self._opener.stop()  # ten wake-ups a second are not the console's: not in its idle CPU
        if self.mode == "group":
            from screens.group import GroupScreen

            # As `l` on the overview opens it: the live view only, its
            # settings column built when first shown (never, here).
            self.switch_screen(GroupScreen(self.group_id, live_only=True))
        else:
            self.switch_screen(BenchCallsScreen(self.group_id, baseline=self.mode == "datatable"))


def main() -> None:
    url, group_id, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    BenchApp(VaxelClient(url), group_id, mode).run()


if __name__ == "__main__":
    main()
