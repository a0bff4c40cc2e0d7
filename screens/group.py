"""One response group: its settings, and its queue live beside or below them."""
from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from backend.schemas import GroupStatus
from screens.base import LiveScreen
from screens.group_drafts import DraftKeeping
from screens.group_edit import SettingsEditing
from screens.group_live import SupervisorActions
from tui.backoff import Backoff
from tui.catalog import Catalogs, Organisation
from tui.client import ApiError, Unreachable
from tui.draft import Draft
from tui.i18n import t
from tui.sections import FIELDS, SECTIONS
from tui.store import Change
from widgets.header import ScreenHeader
from widgets.key_footer import KeyFooter
from widgets.live_panel import GroupLivePanel

if TYPE_CHECKING:
    from textual.timer import Timer
    from widgets.settings import SettingsSection, StatusSection


def status_text(status: GroupStatus) -> str:
    return t(f"status.{status.value}")


#: At most one extra fetch of the live snapshot this often (see `refetch_live`).
REFETCH_MIN_S = 10.0


class GroupScreen(SupervisorActions, SettingsEditing, DraftKeeping, LiveScreen):
    # Focus is placed once the group has loaded, so the Tab order is the same
    # every time (the sections' bodies are mounted by then).
    AUTO_FOCUS = None

    BINDINGS = [
        Binding("ctrl+s", "save", t("key.save"), id="group.save"),
        Binding("ctrl+t", "toggle_closed", t("key.close_reopen"), id="group.toggle_closed"),
        Binding("h", "history", t("history.key_open"), id="group.history", show=False),
        # Shown in F1 help; the footer keeps room for the main keys at 80 columns.
        Binding("ctrl+z", "revert", t("key.revert"), id="group.revert", show=False),
        Binding("ctrl+l", "live_view", t("key.live_view"), id="group.live_view"),
        Binding("ctrl+o", "enlarge_live", t("key.enlarge_live"), id="group.enlarge_live", show=False),
        Binding("escape", "back", t("key.back"), id="group.back"),
        Binding("f6", "next_section(1)", t("key.next_section"), id="group.next_section", show=False),
        Binding("shift+f6", "next_section(-1)", t("key.previous_section"), id="group.previous_section", show=False),
    ]

    #: Sections open when the group is opened; the others build their bodies
    #: only when first expanded (the first frame stays fast).
    OPEN_SECTIONS = ("status", "name")
    #: Keys that act on the settings: not offered while a watched group has not shown them.
    SETTINGS_ACTIONS = frozenset({"save", "revert", "next_section"})

    def __init__(self, group_id: int, *, live_only: bool = False) -> None:
        super().__init__()
        self.group_id = group_id
        #: Opened straight into its live view (`l` on the overview): the settings
        #: column is built the first time it is shown (`show_settings`). Its ~20
        #: sections are some 60 widgets, ~2.5 MB a watching supervisor never sees.
        self.settings_built = not live_only
        if live_only:
            self.add_class("-live-only")
        self.draft: Draft | None = None
        self.server_errors: dict[str, str] = {}
        self.conflicts: dict[str, str] = {}
        self.saving = False
        self._loaded_once = False
        self._last_refetch = 0.0
        #: Spaces the retries of a load that failed (the server unreachable or failing).
        self._load_retry = Backoff(base=1.0, cap=15.0)
        self._load_retry_timer: Timer | None = None
        #: The settings column's sections are mounted (built with the screen, or on first show).
        self._settings_mounted = not live_only
        #: What asked to run once they are (a section jump while the first build mounts).
        self._after_settings: list[Callable[[], object]] = []

    @property
    def settled(self) -> bool:
        """The group is shown: its draft is there and every open section's fields are mounted."""
        return self.draft is not None and all(s.ready for s in self.query("SettingsSection") if not s.collapsed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.settings_built or action not in self.SETTINGS_ACTIONS

    def _section_widgets(self) -> list[Static | SettingsSection]:
        # Imported here: the section and field widgets load with the settings
        # column, not with a group opened into its live view.
        from widgets.settings import SECTION_CLASSES, SettingsSection

        widgets: list[Static | SettingsSection] = []
        if self.read_only:
            widgets.append(Static(t("group.read_only"), id="read-only-note", markup=False))
        catalogs = self.catalogs()
        for spec in SECTIONS:
            cls = SECTION_CLASSES.get(spec.id, SettingsSection)
            widgets.append(cls(spec, read_only=self.read_only, collapsed=spec.id not in self.OPEN_SECTIONS, catalogs=catalogs))
        return widgets

    def show_settings(self, then: Callable[[], object] | None = None) -> None:
        """Leave the live-only view; the first time, build the settings column.
        `then` runs once the sections are there."""
        self.remove_class("-live-only")
        if self.settings_built:
            if then is not None:
                self._after_settings.append(then)
                if self._settings_mounted:  # else the first build runs it once mounted
                    self._run_after_settings()
            return
        self.settings_built = True
        if then is not None:
            self._after_settings.append(then)
        self.refresh_bindings()
        mounting = self.query_one("#settings", VerticalScroll).mount_all(self._section_widgets())

        async def show_when_mounted() -> None:
            await mounting
            self._settings_mounted = True
            if self.left:
                return
            if self.draft is not None:
                self._show_draft()
                self.query_one("#section-name").build()
            self._run_after_settings()

        self.call_later(show_when_mounted)
        self.load_catalogs()

    def _run_after_settings(self) -> None:
        waiting, self._after_settings = self._after_settings, []
        for then in waiting:
            then()

    @property
    def left(self) -> bool:
        """Switched away from (it is being removed): answers that arrive now are not drawn."""
        return self not in self.app.screen_stack

    @property
    def read_only(self) -> bool:
        me = self.vaxel.me
        return me is None or not me.can_edit_settings

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield ScreenHeader(id="header")
        with Horizontal(id="group-body"):
            with VerticalScroll(id="settings", can_focus=False):
                if self.settings_built:
                    yield from self._section_widgets()
            yield GroupLivePanel(id="live")
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(ScreenHeader).set_where(t("group.loading"))
        self.set_interval(1.0, self._tick)
        self.load()
        if self.settings_built:
            self.load_catalogs()  # else when the settings are first shown: only they pick from them

    def on_unmount(self) -> None:
        super().on_unmount()
        self.vaxel.store.forget_live(self.group_id)

    # ------------------------------------------------------------------ data

    def catalogs(self) -> Catalogs:
        """What this group's fields pick from (kept in the store per session)."""
        store = self.vaxel.store
        others = sorted(((s.id, s.name) for s in store.summaries.values()), key=lambda p: p[1].casefold())
        return Catalogs(store.organisation or Organisation(missing=True), self.group_id, others)

    def reload(self) -> None:
        self.load()

    @work(exclusive=True, group="load")
    async def load(self) -> None:
        client = self.vaxel.client
        store = self.vaxel.store
        known = store.groups.get(self.group_id)
        if self.draft is None and known is not None:
            # The store has this group (opened before, or fetched when its row
            # was highlighted) and the stream keeps it current: show it at once;
            # the fetch below rebases the draft if the server has a newer one.
            self._loaded(Draft(known))
        try:
            versioned, live = await asyncio.gather(client.group(self.group_id), client.group_live(self.group_id))
            if self.left:
                return
        except ApiError as exc:
            if exc.status >= 500:
                self._load_failed(exc.message)
                return
            self.notify(exc.message, severity="error")
            if exc.status == 404:
                self.vaxel.show_overview()
            return
        except Unreachable as exc:
            self._load_failed(t("conn.cannot_reach", reason=str(exc)))
            return
        self._load_retry.reset()
        if self._load_retry_timer is not None:
            self._load_retry_timer.stop()
            self._load_retry_timer = None
        store.load_group(versioned.group)
        store.load_live(live)
        if self.draft is not None:
            self._rebase()
        self._loaded(self.draft or Draft(versioned.group))
        self.show_changes(store.take_changes(self))

    def _load_failed(self, message: str) -> None:
        """Say why the group could not be fetched (once), and fetch it again
        after a while: a screen left waiting for a fetch that failed would show
        nothing, or the settings without the queue, until reopened."""
        if self.left:
            return
        if self._load_retry.attempt == 0:
            self.notify(message, severity="error")
        delay = self._load_retry.next_delay()
        if self.draft is None:
            self.query_one(ScreenHeader).set_where(t("group.load_retry", seconds=math.ceil(delay)))
        if self._load_retry_timer is not None:
            self._load_retry_timer.stop()
        self._load_retry_timer = self.set_timer(delay, self.load)

    def _loaded(self, draft: Draft) -> None:
        """Show the group's draft; the first time, focus §5 and offer a kept draft."""
        self.draft = draft
        if self.left:
            return
        first_load = not self._loaded_once
        self._loaded_once = True
        self._show_draft()
        if self.settings_built:
            self.query_one("#section-name").build()
        if first_load:
            if self.settings_built:
                self.query_one("StatusSection").focus_title()
            else:  # watching: the keys go to the queue
                self.query_one(GroupLivePanel).query_one("#waiting").focus()
            self.offer_kept_draft()

    @work(exclusive=True, group="catalogs")
    async def load_catalogs(self) -> None:
        """The catalogs, fetched with each opening (numbers change owner) beside
        the group, not before its first frame: sections that pick from them
        wait for them (or for their failure, then offering what they hold)."""
        try:
            self.vaxel.store.organisation = await self.vaxel.client.organisation_catalogs()
        except (ApiError, Unreachable):
            pass
        if self.left:
            return
        catalogs = self.catalogs()
        for section in self.query("SettingsSection"):
            section.set_catalogs(catalogs)

    def show_changes(self, changes: set[Change]) -> None:
        mine = {kind for kind, group_id in changes if group_id == self.group_id}
        if "removed" in mine:
            self.notify(t("group.removed"), severity="warning")
            self.vaxel.show_overview()
            return
        if "group" in mine and self.draft is not None:
            self._rebase()
            self._show_draft()
        if "resnapshot" in mine:
            self.refetch_live()
        if mine & {"group", "stats", "waiting", "agents", "trend"}:
            self._show_live()

    def _rebase(self) -> None:
        assert self.draft is not None
        newer = self.vaxel.store.groups.get(self.group_id)
        if newer is None or newer.version <= self.draft.base.version:
            return
        for path in self.draft.rebase(newer):
            self.conflicts[path] = t("group.conflict", value=self.describe(path, self.draft.base_document_value(path)))
        for path in list(self.conflicts):
            if path not in self.draft.edits:
                del self.conflicts[path]

    # ------------------------------------------------------------------ drawing

    def _show_draft(self, edited_now: str | None = None) -> None:
        draft = self.draft
        if draft is None or self.left:
            return
        group = draft.base
        self.query_one(ScreenHeader).set_where(f"{group.name} · {group.number} · {status_text(group.status)}")
        if not self.settings_built:  # the live view only: nothing shows the draft's fields yet
            self.keep_draft()
            return
        problems = {path: p.message for path, p in draft.validate().items()}
        errors = {**self.server_errors, **problems}
        values = {path: draft.value(path) for path in FIELDS}
        dirty = set(draft.edits)
        for section in self.query("SettingsSection"):
            section.show(values, dirty, errors, self.conflicts, edited_now)
        self._show_status()
        self.keep_draft()

    def _show_status(self) -> None:
        """§5's text (each second, from `_show_live`); nothing while §5 is not built."""
        group = self.vaxel.store.groups.get(self.group_id)
        live = self.vaxel.store.live.get(self.group_id)
        if group is None or self.left or not self.settings_built:
            return
        # Before the group's live figures arrive, the overview's line for it
        # (kept current by the stream) tells the status and the queue.
        summary = self.vaxel.store.summaries.get(self.group_id)
        status = live.status if live else summary.status if summary else group.status
        waiting = len(live.waiting) if live else summary.waiting if summary else 0
        hint = t("group.hint_reopen") if status is GroupStatus.TEMPORARILY_CLOSED else t("group.hint_close")
        self.query_one("StatusSection").show_status(status_text(status), t("group.status_waiting", count=waiting) + " " + hint)

    def _show_live(self) -> None:
        live = self.vaxel.store.live.get(self.group_id)
        group = self.vaxel.store.groups.get(self.group_id)
        if live is None or group is None or self.left:
            return
        stale = self.vaxel.stale
        self.query_one(GroupLivePanel).show(
            live, group, self.live_now(), stale=stale, as_of=self.vaxel.data_as_of_text() if stale else ""
        )
        self._show_status()

    def _tick(self) -> None:
        # Wait times, time in state and wrap-up countdowns move with the clock;
        # the panel repaints only the cells whose text changed.
        if self.on_top:
            self.tick()
            self._show_live()

    def show_stale(self, stale: bool) -> None:
        self._show_live()

    @work(exclusive=True, group="live")
    async def refetch_live(self) -> None:
        """The store cannot follow the queue from events alone: fetch it again (rarely)."""
        now = time.monotonic()
        if now - self._last_refetch < REFETCH_MIN_S:
            return
        self._last_refetch = now
        try:
            live = await self.vaxel.client.group_live(self.group_id)
        except (ApiError, Unreachable):
            return
        self.vaxel.store.load_live(live)
        self.show_changes(self.vaxel.store.take_changes(self))

    def action_next_section(self, step: int) -> None:
        """Jump to the next (or previous) section's title: 19 sections are many Tabs."""
        if self.has_class("-live-only"):  # unbuilt, check_action does not offer it; hidden, no Tab
            return
        sections = list(self.query("SettingsSection"))
        focused = self.focused
        current = next((i for i, s in enumerate(sections) if focused is not None and focused in s.walk_children()), None)
        if current is None:
            target = 0 if step > 0 else len(sections) - 1
        else:
            target = (current + step) % len(sections)
        sections[target].focus_title()
        sections[target].scroll_visible(top=True)

    def action_history(self) -> None:
        self.vaxel.open_group_history(self.group_id)

    # ------------------------------------------------------------------ navigation

    def jump_to_section(self, section_id: str) -> None:
        """Open the settings section `section_id` (SectionSpec.id) and focus it (command palette).

        Opened the way a user opens it (its title, then expanded), so its fields
        are built by its own handler; the first field is focused once they exist.
        """
        if not self.settings_built:
            self.show_settings(then=lambda: self.jump_to_section(section_id))
            return
        self.remove_class("-live-only")
        section = self.query_one(f"#section-{section_id}")
        section.collapsed = False
        if section.spec.fields:
            section.focus_first_field()  # once the body is mounted
        else:
            section.focus_title()
