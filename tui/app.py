"""The Vaxel console: the App, its session, and the one worker that owns the stream.

The App is given its dependencies (the API client, the token store), so tests
pass real ones against a real backend. Screens start workers that call the
client; the stream worker applies events to the `LiveStore` and tells the
active screen that something changed.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive

from backend.schemas import Me
from tui.client import ApiError, NotVaxelServer, Unreachable, VaxelClient
from tui.drafts import DraftStore, KeepsDrafts
from tui.commands import VaxelCommands
from tui.everyday import EverydayMixin
from tui.formatting import fmt_time
from tui.i18n import t
from tui.secrets import TokenStore
from tui.store import LiveStore
from tui.stream import Backoff, Connected, Disconnected, EventStream, StreamEvent

if TYPE_CHECKING:
    from textual.driver import Driver

    from backend.schemas import GroupSummary, ResponseGroup
    from tui.prefetch import Prefetch
    from tui.shutdown import Shutdown

log = logging.getLogger("vaxel.app")

#: Without a byte from the stream (events or the 5-s ping) for this long, what
#: the console shows is marked stale: one ping late, plus room for jitter.
STALE_AFTER_S = 8.0
#: How long a wait-alert flash lasts.
FLASH_S = 1.0


class StoreChanged(Message):
    """Something in the store changed; ask `store.take_changes()` what.

    A burst of events collapses into one of these: a newer one replaces any
    still waiting in the queue.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)


class Resynced(Message):
    """Snapshots were reloaded (first connection, or the stream could not resume)."""


class VaxelApp(EverydayMixin, App[None]):
    CSS_PATH = "vaxel.tcss"
    TITLE = "Vaxel"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    COMMANDS = App.COMMANDS | {VaxelCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", t("key.quit"), id="app.quit", priority=True),
        # F1 and ? (help where you are: screens/help.py); ctrl+p the palette (tui/commands.py).
        # F1 has priority, so it works in dialogs too; ? does not, so fields can take it.
        Binding("f1", "help", t("key.help"), id="app.help", priority=True),
        Binding("question_mark", "help", t("key.help"), id="app.help_question", show=False),
        Binding("ctrl+p", "command_palette", t("key.palette"), id="app.palette", show=False, priority=True),
    ]

    #: "connecting", "live", "reconnecting", "stale", "offline"
    # repaint=False: the widgets that show these watch them; repainting the
    # whole screen on a state change would cost a full frame over SSH.
    connection: reactive[str] = reactive("connecting", repaint=False)
    connection_detail: reactive[str] = reactive("", repaint=False)
    #: The live figures are older than `stale_after_s`: screens mark them so.
    stale: reactive[bool] = reactive(False, repaint=False)

    def __init__(
        self,
        client: VaxelClient,
        *,
        tokens: TokenStore | None = None,
        server_label: str = "",
        store: LiveStore | None = None,
        stream_factory: Callable[[VaxelClient], EventStream] = EventStream,
        credentials: tuple[str, str] | None = None,
        wait_alert: str = "off",
        stale_after_s: float = STALE_AFTER_S,
        theme: str = "textual-dark",
        keymap: dict[str, str] | None = None,
        prefetch: Prefetch | None = None,
        freeze_after_start: bool = False,
        shutdown: Shutdown | None = None,
        driver_class: type[Driver] | None = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        #: Ends the console on SIGTERM, SIGHUP or a terminal gone (tui/shutdown.py).
        self.shutdown = shutdown
        self.register_vaxel_themes(theme)
        if keymap:
            self.set_keymap(keymap)
        #: "off", "bell" or "flash": what happens when a group's longest wait
        #: crosses its wait-warning threshold (ConsoleConfig.wait_alert).
        self.wait_alert = wait_alert
        self.stale_after_s = stale_after_s
        self._late_groups: set[int] | None = None
        self.client = client
        self.tokens = tokens
        self.server_label = server_label or client.base_url
        self.store = store or LiveStore()
        self._stream_factory = stream_factory
        self.stream: EventStream | None = None
        #: Signed in automatically with these (the embedded demo backend).
        self._credentials = credentials
        #: Unsaved edits kept on disk (the embedded backend's port changes
        #: from start to start, so its drafts are filed under one name).
        self.drafts = DraftStore("embedded" if credentials else client.base_url)
        self._offline_reported = False
        self._session_retry = Backoff()
        self._prefetching: int | None = None
        #: The first session's figures, already asked for at start (tui/prefetch.py).
        self._start_figures = prefetch
        #: gc.freeze() once the stream is up (the console process only: in a test
        #: process, frozen apps would never be collected).
        self._freeze_after_start = freeze_after_start

    @property
    def me(self) -> Me | None:
        return self.store.me

    def server_now(self) -> float:
        return self.client.clock.server_now()

    def _silent_for(self) -> float:
        stream = self.stream
        return 0.0 if stream is None or not stream.last_seen else max(0.0, time.monotonic() - stream.last_seen)

    def live_now(self) -> float:
        """Server time to show live figures at: frozen at the last word from the server while stale."""
        now = self.server_now()
        return now - self._silent_for() if self.stale else now

    def data_as_of_text(self) -> str:
        """Local wall-clock time of the last word from the server, for 'stale since'."""
        return fmt_time(self.client.clock.local_time() - self._silent_for())

    # ------------------------------------------------------------------ session

    def on_mount(self) -> None:
        self.client.on_unauthorized = self._token_refused
        self.set_interval(1.0, self._every_second)
        if self.shutdown is not None:
            loop = asyncio.get_running_loop()
            self.shutdown.attach(lambda: loop.call_soon_threadsafe(self.end_unasked))
        self.start_session()

    def end_unasked(self) -> None:
        """End because the console was told to (SIGTERM, SIGHUP) or its terminal
        went away: the open group's unsaved edits are written once more (they
        are on disk from each change, as a kill would leave them), then exit."""
        for screen in self.screen_stack:
            if isinstance(screen, KeepsDrafts):
                try:
                    screen.keep_draft()
                except Exception:  # noqa: BLE001 - the edits already on disk stay; ending must go on
                    log.exception("keeping the unsaved edits of %r failed", screen)
        status = self.shutdown.status if self.shutdown is not None else None
        self.exit(return_code=status or 0)

    def _every_second(self) -> None:
        self._check_stale()
        self._check_wait_alerts()

    def _token_refused(self) -> None:
        """Any request got 401: sign in again; screens keep their drafts."""
        self.client.token = None
        if self.tokens is not None:
            self.tokens.clear(self.client.base_url)
        self.workers.cancel_group(self, "stream")
        self.connection = "offline"
        if self._credentials is not None:
            self.start_session()  # the embedded demo signs itself in again
        else:
            self.ask_to_log_in(t("login.expired"))

    @work(exclusive=True, group="session")
    async def start_session(self) -> None:
        try:
            await self._start_session()
        finally:
            # `vaxel` starts with the cyclic collector off (tui/cli.py run()):
            # on again once the first screen is up, whatever it is.
            gc.enable()

    async def _start_session(self) -> None:
        try:
            if self.client.token is None and self._credentials is not None:
                await self.client.login(*self._credentials)
            if self.client.token is None:
                self.ask_to_log_in()
                return
            # Who we are and the overview's figures, at once; the stream then
            # starts after the event those figures are as of (no second load).
            prefetched = await self._prefetched()
            if prefetched is not None:
                me, summaries, as_of = prefetched
            else:
                results = await asyncio.gather(self.client.me(), self.client.group_summaries(), return_exceptions=True)
                for result in results:
                    if isinstance(result, BaseException):
                        raise result
                me, (summaries, as_of) = results
        except ApiError as exc:
            if exc.status != 401:
                self._offline(exc.message)
            return  # on 401, on_unauthorized has asked the user to sign in
        except NotVaxelServer as exc:
            self._offline(str(exc), told=str(exc))
            return
        except Unreachable as exc:
            self._offline(str(exc))
            return
        self.store.me = me
        self.store.load_summaries(summaries, as_of)
        self._offline_reported = False
        self._session_retry.reset()
        from screens.base import LiveScreen
        from screens.overview import OverviewScreen

        if not self.is_screen_installed("overview"):
            self.install_screen(OverviewScreen(), name="overview")
        if not any(isinstance(s, LiveScreen) for s in self.screen_stack):
            await self.push_screen("overview")
            kept = self.drafts.all()
            if kept:  # the console ended with unsaved edits: say where they are
                names = ", ".join(dict.fromkeys(d.group_name for d in kept))
                self.notify(t("drafts.kept_at_start", groups=names), timeout=20)
        self._tell_screens(Resynced)
        self._tell_screens(StoreChanged)
        if "httpx" not in sys.modules:
            # The stream loads httpx (~100 ms): let the overview paint first.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.screen.wait_for_refresh(), 0.5)
        self.run_stream(after=as_of)

    async def _prefetched(self) -> tuple[Me, list[GroupSummary], int] | None:
        prefetch, self._start_figures = self._start_figures, None  # the first session only
        if prefetch is None or prefetch.base_url != self.client.base_url:
            return None
        await prefetch.wait()
        return prefetch.figures(self.client.clock)

    def _offline(self, reason: str, told: str | None = None) -> None:
        """The server cannot be reached to start the session: say so once (`told`:
        in these words), keep trying."""
        self.connection, self.connection_detail = "offline", reason
        if not self._offline_reported:
            self._offline_reported = True
            self.notify(told or t("conn.cannot_reach", reason=reason), severity="error", timeout=10)
        self._session_retry.attempt = min(self._session_retry.attempt, 6)
        self.set_timer(self._session_retry.next_delay(), self.start_session)

    # Navigation. The overview and a group screen take turns on the stack
    # instead of stacking: Textual treats the screen beneath the top one as
    # showing through, and every message that screen handles (a timer tick, a
    # store change) makes the top screen repaint whole: a live overview under
    # a group screen cost a full frame a second (issue 5's byte budget). For
    # the same reason only live screens are told of store changes, never the
    # blank screen Textual keeps at the bottom.

    def open_group(self, group_id: int, *, live_only: bool = False) -> None:
        from screens.group import GroupScreen

        self.switch_screen(GroupScreen(group_id, live_only=live_only))

    #: A highlighted row rests this long before its group is fetched.
    PREFETCH_AFTER_S = 0.15

    def prefetch_group(self, group_id: int) -> None:
        """Fetch the highlighted group's settings ahead of Enter, so that its
        screen shows them at once (the stream keeps them current after)."""
        if group_id not in self.store.groups and group_id != self._prefetching:
            self._prefetching = group_id
            self.run_worker(self._prefetch(group_id), group="prefetch", exclusive=True, exit_on_error=False)

    async def _prefetch(self, group_id: int) -> None:
        try:
            await asyncio.sleep(self.PREFETCH_AFTER_S)  # still highlighted: the next highlight cancels this
            if group_id in self.store.groups:
                return
            versioned = await self.client.group(group_id)
        except (ApiError, Unreachable):
            return  # only a head start: opening the group fetches it and says what failed
        finally:
            if self._prefetching == group_id:
                self._prefetching = None
        if group_id not in self.store.groups:
            self.store.load_group(versioned.group)

    def show_overview(self) -> None:
        self.switch_screen("overview")

    # Issue 3's screens (screens/schedules.py, delete_group.py, create_group.py, history.py).

    def open_schedule_editor(self, schedule_id: int | None = None) -> None:
        from screens.schedules import ScheduleEditorScreen

        self.push_screen(ScheduleEditorScreen(schedule_id))

    def on_schedule_state_line_wanted(self, message: Message) -> None:
        from screens.schedules import fetch_schedule_state

        self.run_worker(fetch_schedule_state(self, message.line), group="schedule-state")  # type: ignore[attr-defined]

    def confirm_delete_group(self, group: ResponseGroup) -> None:
        from screens.delete_group import DeleteGroupScreen

        self.push_screen(DeleteGroupScreen(group))

    def open_create_group(self) -> None:
        from screens.create_group import CreateGroupScreen

        if self.me is None or not self.me.can_edit_settings:
            self.notify(t("create.no_permission"), severity="warning")
            return
        self.push_screen(CreateGroupScreen(), lambda group_id: self.open_group(group_id) if group_id else None)

    def open_group_history(self, group_id: int) -> None:
        from screens.history import HistoryScreen

        self.push_screen(HistoryScreen(group_id))

    def ask_to_log_in(self, message: str = "") -> None:
        from screens.login import LoginScreen

        if not any(isinstance(s, LoginScreen) for s in self.screen_stack):
            self.push_screen(LoginScreen(self.server_label, message), self._logged_in)

    def _logged_in(self, token: str | None) -> None:
        if token:
            self.client.token = token
            if self.tokens is not None:  # a real server (the demo signs itself in): the next `vaxel` goes there
                from tui.last_server import LastServer

                LastServer().remember(self.client.base_url)
            if self.store.me is not None:
                self.run_stream()  # signed in again mid-session: screens stay as they were
            else:
                self.start_session()

    # ------------------------------------------------------------------ stream

    @work(exclusive=True, group="stream")
    async def run_stream(self, after: int | None = None) -> None:
        """The one worker that owns the event stream; `after`: the event id the
        store's figures are as of (the stream resumes there, without a resync)."""
        self.stream = stream = self._stream_factory(self.client)
        if after is not None:
            stream.last_event_id = after
        async for item in stream:
            if isinstance(item, StreamEvent):
                try:
                    self.store.apply(item.id, item.kind, item.data, item.raw)
                except (KeyError, TypeError, ValueError) as exc:
                    # Not an event as the API sends it: what is shown can no
                    # longer be trusted to follow, so reload it (never end the console).
                    log.warning("event %s (%s) cannot be applied: %r; reloading", item.id, item.kind, exc)
                    self.store.needs_resync = True
                if self.store.needs_resync:
                    await self.resync()
                self.connection = "live"
                self._tell_screens(StoreChanged)
            elif isinstance(item, Connected):
                self.connection, self.connection_detail = "live", ""
                self.stale = False
                if not item.resumed:
                    await self.resync()
                if self._freeze_after_start:
                    # Everything loaded so far (modules, classes, the first
                    # screens) lives as long as the console: keep it out of the
                    # collector's full passes, which otherwise walk it all and
                    # stall a frame now and then.
                    # Collected first: garbage frozen with them would never be
                    # freed (~1 MB of start-up cycles: schema building, CSS).
                    self._freeze_after_start = False
                    gc.collect()
                    gc.freeze()
                    # Once more, now over nothing but the young: the collector
                    # runs a full pass only when the objects promoted since the
                    # last one reach a quarter of those that pass left behind.
                    # Left at the ~250,000 just frozen, that took ~60,000
                    # promotions, and the cycles that die old (a screen's
                    # messages, replaced rows) piled up until then.
                    gc.collect()
            elif isinstance(item, Disconnected):
                if item.auth_failed:
                    self._token_refused()
                    return
                self.connection = "reconnecting"
                self.connection_detail = t("conn.retry_in", seconds=f"{item.retry_in:.0f}", reason=item.reason)

    async def resync(self) -> None:
        """Reload the overview's figures; screens reload what they show."""
        self.store.needs_resync = False
        try:
            summaries, as_of = await self.client.group_summaries()
        except (ApiError, Unreachable) as exc:
            self.connection_detail = str(exc)
            return
        self.store.load_summaries(summaries, as_of)
        self._tell_screens(Resynced)
        self._tell_screens(StoreChanged)

    def _tell_screens(self, message: type[Message]) -> None:
        from screens.base import LiveScreen

        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen):
                screen.post_message(message())

    def _check_stale(self) -> None:
        stream = self.stream
        if stream is None:
            return
        silent = self._silent_for()
        # While reconnecting, what is shown stays good for a few seconds too.
        self.stale = silent > self.stale_after_s or self.connection == "offline"
        if self.connection in ("live", "stale"):
            self.connection = "stale" if silent > self.stale_after_s else "live"

    # ------------------------------------------------------------------ wait alerts

    def _check_wait_alerts(self) -> None:
        """Bell or flash when a group's longest wait crosses its warning threshold.

        Groups already past it when the console starts are not announced: only
        a crossing is. Stale figures announce nothing.
        """
        if self.wait_alert == "off" or self.stale or not self.store.summaries:
            return
        now = self.server_now()
        late = {
            s.id
            for s in self.store.summaries.values()
            if s.oldest_enqueued_at is not None and now - s.oldest_enqueued_at.timestamp() > s.wait_warning_s
        }
        crossed = set() if self._late_groups is None else late - self._late_groups
        self._late_groups = late
        if crossed:
            names = ", ".join(sorted(self.store.summaries[g].name for g in crossed))
            self.alert_wait(names)

    def alert_wait(self, names: str) -> None:
        if self.wait_alert == "bell":
            self.bell()
        elif self.wait_alert == "flash":
            self.screen.add_class("-flash")
            self.set_timer(FLASH_S, self._end_flash)
        self.notify(t("alert.wait_crossed", groups=names), severity="warning", timeout=5)

    def _end_flash(self) -> None:
        for screen in self.screen_stack:
            screen.remove_class("-flash")

    # ------------------------------------------------------------------ actions

    async def on_unmount(self) -> None:
        if self.shutdown is not None:
            self.shutdown.detach()
        await self.client.aclose()
