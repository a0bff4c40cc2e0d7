"""Collapsible settings sections, one per part of the seed (§).

A section's body is built the first time it is opened (and once the group's
values are there), so a group with every section paints fast. Fields report
edits with `SettingField.Changed`; the screen keeps the draft and tells
sections what to show. Sections never call the API: actions that leave the
form (edit a schedule, delete the group) are messages to the screen.
"""
from __future__ import annotations

from typing import Any

from textual import on
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Static

from tui.catalog import Catalogs, Organisation
from tui.i18n import t
from tui.sections import SectionSpec, owns
from widgets.fields import SettingField, make_field

try:  # §7's state line ("Open · closes 17:00") comes with the schedule editor's branch
    from widgets.schedule_state import ScheduleStateLine
except ImportError:  # pragma: no cover - until then the line stays a plain Static
    ScheduleStateLine = None  # type: ignore[assignment,misc]

Shown = tuple[dict[str, Any], set[str], dict[str, str], dict[str, str]]


class SettingsSection(Collapsible):
    """One section of the seed (§); its fields are built when first opened."""

    DEFAULT_CSS = """
    SettingsSection { border-top: none; padding: 0; background: $surface; }
    SettingsSection > Contents { padding: 0 0 0 2; }
    SettingsSection.-dirty > CollapsibleTitle { color: $accent; }
    SettingsSection.-invalid > CollapsibleTitle { color: $error; }
    SettingsSection .section-note { color: $warning; height: auto; }
    SettingsSection .section-keys { height: 1; margin-top: 1; }
    """

    def __init__(
        self, spec: SectionSpec, *, read_only: bool, collapsed: bool = True, catalogs: Catalogs | None = None
    ) -> None:
        super().__init__(title=self._title_text(spec, False, False), collapsed=collapsed, id=f"section-{spec.id}")
        self.spec = spec
        self.read_only = read_only
        self.catalogs = catalogs or Catalogs(Organisation(missing=True))
        #: Sections that pick from the catalogs are built once they are there.
        self.catalogs_final = not self.needs_catalogs()
        #: The body has been asked for (mounting may still be under way).
        self.built = False
        #: The body is mounted and shows the draft: fields can be queried.
        self.ready = False
        self._wanted = False
        self._focus_when_ready = False
        self._values: dict[str, Any] = {}
        self._shown: Shown | None = None

    @staticmethod
    def _title_text(spec: SectionSpec, dirty: bool, invalid: bool) -> str:
        marks = (" ●" if dirty else "") + (" ⚠" if invalid else "")
        return f"§{spec.seed_section} {t(spec.title)}{marks}"

    def needs_catalogs(self) -> bool:
        # §13's items pick audio files.
        return any(spec.catalog or spec.kind == "collectors" for spec in self.spec.fields)

    def set_catalogs(self, catalogs: Catalogs) -> None:
        """The organisation's catalogs as fetched (or as far as they could be)."""
        self.catalogs = catalogs
        self.catalogs_final = True
        if self._wanted and not self.built:
            self.build()

    def body(self) -> list[Widget]:
        """The widgets inside; sections with special bodies extend this."""
        return [
            make_field(spec, self._values.get(spec.path), read_only=self.read_only, catalogs=self.catalogs)
            for spec in self.spec.fields
        ]

    def on_mount(self) -> None:
        if not self.collapsed:
            self.build()

    def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        if event.collapsible is self:
            self.build()

    def build(self) -> None:
        """Mount the body (once), as soon as the group's values are there."""
        self._wanted = True
        if self.built or self._shown is None or not self.catalogs_final:
            return
        self.built = True
        built_with = self._shown
        mounting = self.query_one(Collapsible.Contents).mount_all(self.body())

        async def show_when_mounted() -> None:
            await mounting
            self.ready = True
            # The editors were built with the draft's values: if the draft is
            # still what they were built with, only the marks are shown (an
            # editor is left as it is); if it changed meanwhile (a live update,
            # an undo), every editor shows the draft.
            self.show(*self._shown, keep_editors=self._shown is built_with)  # type: ignore[misc]
            self.body_ready()
            if self._focus_when_ready:
                self._focus_when_ready = False
                self.call_after_refresh(self._focus_first)

        self.call_later(show_when_mounted)

    def body_ready(self) -> None:
        """Called once the body is mounted and shows the draft; sections extend it."""

    def show(
        self,
        values: dict[str, Any],
        dirty: set[str],
        errors: dict[str, str],
        conflicts: dict[str, str],
        edited_now: str | None = None,
        *,
        keep_editors: bool = False,
    ) -> None:
        """Show the draft: values by path, which are edited, which are refused.

        `edited_now`: the path whose editor just reported an edit (left as typed);
        `keep_editors`: leave every editor as it is.
        """
        self._values = values
        self._shown = (values, dirty, errors, conflicts)
        paths = [spec.path for spec in self.spec.fields]
        is_dirty = any(owns(p, d) for p in paths for d in dirty)
        is_invalid = any(owns(p, e) for p in paths for e in errors)
        self.set_class(is_dirty, "-dirty")
        self.set_class(is_invalid, "-invalid")
        self.title = self._title_text(self.spec, is_dirty, is_invalid)
        if self._wanted and not self.built:
            self.build()
            return
        if self.ready:
            for field in self.children_fields():
                mine = {p: m for p, m in errors.items() if owns(field.path, p)}
                field.show(
                    values.get(field.path),
                    dirty=any(owns(field.path, d) for d in dirty),
                    error=self._error_for(field, mine),
                    conflict=conflicts.get(field.path),
                    keep_editor=keep_editors or field.path == edited_now,
                    errors=mine,
                )

    @staticmethod
    def _error_for(field: SettingField, mine: dict[str, str]) -> str | None:
        """A field shows its own refusal, or one of a part of it (agent_group_ids.1);
        a list of forms shows its parts' refusals beside the parts."""
        if field.path in mine or field.spec.kind == "collectors":
            return mine.get(field.path)
        return next(iter(mine.values()), None)

    def children_fields(self) -> list[SettingField]:
        """This section's own fields (not the parts inside a list field)."""
        paths = {spec.path for spec in self.spec.fields}
        return [f for f in self.query(SettingField) if f.path in paths]

    def focus_title(self) -> None:
        self._title.focus()

    def focus_first_field(self) -> None:
        self.collapsed = False
        self.build()
        if self.ready:
            self.call_after_refresh(self._focus_first)
        else:
            self._focus_when_ready = True

    def _focus_first(self) -> None:
        for field in self.children_fields():
            if field.focus_editor():
                return
        for button in self.query(Button):
            if button.focusable:
                button.focus()
                return


class StatusSection(SettingsSection):
    """§5 Nuvarande status: what callers get now, and the key to change it."""

    def body(self) -> list[Widget]:
        return [Static("", id="status-text", markup=False), Static("", id="status-hint", markup=False)]

    def show_status(self, status_text: str, hint: str) -> None:
        self.title = f"§{self.spec.seed_section} {t(self.spec.title)}: {status_text}"
        self._pending_status = (status_text, hint)
        if self.ready:
            # Only when the text changes: every update relayouts the screen.
            for selector, text in (("#status-text", status_text), ("#status-hint", hint)):
                try:
                    widget = self.query_one(selector, Static)
                except NoMatches:  # the screen is being left
                    return
                if widget.content != text:
                    widget.update(text)

    def body_ready(self) -> None:
        pending = getattr(self, "_pending_status", None)
        if pending is not None:
            self.show_status(*pending)


class AiInfoSection(SettingsSection):
    """§4: when the organisation has AI agents off, say so; the text is kept."""

    def needs_catalogs(self) -> bool:
        return True

    def body(self) -> list[Widget]:
        note = Static(t("settings.ai_off"), id="ai-off-note", classes="section-note", markup=False)
        note.display = not self.catalogs.ai_agents_enabled
        return [note, *super().body()]


class OpeningHoursSection(SettingsSection):
    """§7 Öppettider. The schedule editor and the schedule's state line are
    built elsewhere: `show_schedule_state()` fills the line, and the button
    asks the screen to open the editor (`ScheduleEditRequested`)."""

    class ScheduleEditRequested(Message):
        def __init__(self, schedule_id: int | None) -> None:
            super().__init__()
            self.schedule_id = schedule_id

    def body(self) -> list[Widget]:
        state: Widget
        if ScheduleStateLine is not None:
            state = ScheduleStateLine(self._values.get("schedule_id"), id="schedule-state")
        else:
            state = Static("", id="schedule-state", markup=False)
            state.display = False  # until someone fills it
        return [
            state,
            *super().body(),
            Button(t("settings.schedule_edit"), id="schedule-edit", compact=True, classes="section-keys"),
        ]

    def show(self, values: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().show(values, *args, **kwargs)
        if self.ready:
            line = self.query("#schedule-state").first()
            if hasattr(line, "set_schedule"):  # the chosen (maybe unsaved) schedule's state
                line.set_schedule(values.get("schedule_id"))

    def show_schedule_state(self, text: str) -> None:
        if self.ready:
            state = self.query_one("#schedule-state", Static)
            state.update(text)
            state.display = bool(text)

    @on(Button.Pressed, "#schedule-edit")
    def _edit(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.ScheduleEditRequested(self._values.get("schedule_id")))


class DeleteSection(SettingsSection):
    """§19 Ta bort svarsgrupp: the last section; the screen asks for the name."""

    class DeleteRequested(Message):
        pass

    def body(self) -> list[Widget]:
        return [
            Static(t("settings.delete_warning"), classes="section-note", markup=False),
            Button(t("settings.delete_button"), id="group-delete", compact=True, variant="error",
                   disabled=self.read_only, classes="section-keys"),
        ]  # fmt: skip

    @on(Button.Pressed, "#group-delete")
    def _delete(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.DeleteRequested())


SECTION_CLASSES: dict[str, type[SettingsSection]] = {
    "status": StatusSection,
    "ai_info": AiInfoSection,
    "opening_hours": OpeningHoursSection,
    "delete": DeleteSection,
}
