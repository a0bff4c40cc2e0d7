"""Editing a group's settings: the draft, confirmations, the save preview, the
save with If-Match, refusals beside their fields, leaving with unsaved edits.

A mixin of `GroupScreen` (screens/group.py), which owns layout and live data.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from screens.dialogs import ConfirmScreen
from tui.client import ApiError, Unreachable
from tui.draft import Draft, part_at, translate_error
from tui.i18n import t
from tui.sections import FIELDS, field_of, label_of

if TYPE_CHECKING:
    from screens.group import GroupScreen as _Base
    from widgets.fields import SettingField
    from widgets.settings import DeleteSection, OpeningHoursSection
else:
    _Base = object


class SettingsEditing(_Base):
    draft: Draft | None
    server_errors: dict[str, str]
    conflicts: dict[str, str]

    def describe(self, path: str, value: Any) -> str:
        from tui.values import describe  # with the settings column, not when only watching

        return describe(field_of(path), value, self.catalogs())

    def on_setting_field_changed(self, event: SettingField.Changed) -> None:
        if self.draft is None or self.read_only:
            return
        path, value = event.field.path, event.value
        spec = FIELDS.get(path)
        if spec is not None and spec.confirm_on and value is True and self.draft.value(path) is not True:
            # §16/§17: turning on is a decision of its own; ask before it is even drafted.
            def answered(yes: bool | None) -> None:
                if yes:
                    self._edit(path, True)
                else:
                    self._show_draft()

            self.app.push_screen(ConfirmScreen(t(f"{spec.confirm_on}.title"), t(f"{spec.confirm_on}.body")), answered)
            return
        self._edit(path, value, edited_now=path)

    def _edit(self, path: str, value: Any, edited_now: str | None = None) -> None:
        assert self.draft is not None
        before = self.draft.value(path)
        self.draft.set(path, value)
        for known in list(self.server_errors):
            # A refusal goes when what it refused is edited (in a list: that part only).
            if known == path or (
                known.startswith(path + ".") and part_at(before, known[len(path) + 1 :]) != part_at(value, known[len(path) + 1 :])
            ):
                del self.server_errors[known]
        self._show_draft(edited_now=edited_now)

    def action_save(self) -> None:
        draft = self.draft
        if draft is None or self.read_only:
            if self.read_only:
                self.notify(t("group.read_only"), severity="warning")
            return
        if not draft.dirty:
            self.notify(t("group.nothing_to_save"))
            return
        problems = draft.validate()
        if problems:
            self._show_draft()
            first = next(iter(problems.values()))
            self._open_section_of(first.path)
            self.notify(t("group.fix_first", field=t(label_of(first.path)), reason=first.message), severity="error")
            return
        lines = [
            t("group.change_line", field=t(label_of(path)), old=self.describe(path, old), new=self.describe(path, new))
            for path, old, new in draft.changes()
        ]
        self.app.push_screen(ConfirmScreen(t("group.save_title"), "\n".join(lines)), self._save_confirmed)

    def _save_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.save()

    @work(exclusive=True, group="save")
    async def save(self) -> None:
        draft = self.draft
        assert draft is not None
        self.saving = True
        try:
            saved = await self.vaxel.client.patch_group(self.group_id, draft.etag, draft.patch())
        except ApiError as exc:
            self._save_refused(exc)
            return
        except Unreachable as exc:
            # Sent, and no answer even to the retries: say that it is unknown.
            unknown = "group.save_outcome_unknown" if exc.maybe_applied else "group.save_unreachable"
            self.notify(t(unknown, reason=str(exc)), severity="error", timeout=15)
            return
        finally:
            self.saving = False
        self.vaxel.store.load_group(saved.group)
        if not self.is_attached:
            return  # left meanwhile (a retried save can take seconds); the store has it
        self.draft = Draft(saved.group)
        self.server_errors.clear()
        self.conflicts.clear()
        self._show_draft()
        self.notify(t("group.saved"))

    def _save_refused(self, exc: ApiError) -> None:
        draft = self.draft
        assert draft is not None
        if exc.status == 412 and exc.current:
            from backend.schemas import ResponseGroup

            newer = ResponseGroup.model_validate(exc.current)
            self.vaxel.store.load_group(newer)
            self._rebase()
            self._show_draft()
            self.notify(t("group.stale_save"), severity="warning", timeout=10)
            return
        if exc.fields:
            self.server_errors = {
                path: translate_error(exc.field_codes.get(path) or exc.code, None, reason)
                for path, reason in exc.fields.items()
            }
            self._show_draft()
            placed = [path for path in exc.fields if field_of(path) is not None]
            if placed:
                self._open_section_of(placed[0])
        self.notify(t("group.save_refused", reason=exc.message), severity="error", timeout=10)

    def _open_section_of(self, path: str) -> None:
        """Open the section holding `path`, so its refusal is seen."""
        for section in self.query("SettingsSection"):  # by name: widgets.settings loads with the settings column
            if any(spec.path == path or path.startswith(spec.path + ".") for spec in section.spec.fields):
                section.collapsed = False
                section.build()
                return

    def action_revert(self) -> None:
        if self.draft is not None and self.draft.dirty:
            self.draft.discard()
            self.server_errors.clear()
            self.conflicts.clear()
            self._show_draft()
            self.notify(t("group.reverted"))

    def action_back(self) -> None:
        if self.draft is not None and self.draft.dirty:
            self.app.push_screen(
                ConfirmScreen(t("group.leave_title"), t("group.leave_body", count=len(self.draft.edits))),
                lambda leave: self._leave_without_saving() if leave else None,
            )
        else:
            self.vaxel.show_overview()

    def _leave_without_saving(self) -> None:
        self.forget_draft()  # the user chose to drop the edits
        self.vaxel.show_overview()

    # ------------------------------------------------------------------ hooks to other screens

    def on_opening_hours_section_schedule_edit_requested(self, event: OpeningHoursSection.ScheduleEditRequested) -> None:
        opener = getattr(self.app, "open_schedule_editor", None)
        if opener is None:
            self.notify(t("settings.schedule_editor_missing"), severity="warning")
            return
        opener(event.schedule_id)

    def on_delete_section_delete_requested(self, _: DeleteSection.DeleteRequested) -> None:
        if self.read_only:
            self.notify(t("group.read_only"), severity="warning")
            return
        confirm = getattr(self.app, "confirm_delete_group", None)
        group = self.vaxel.store.groups.get(self.group_id)
        if confirm is None or group is None:
            self.notify(t("settings.delete_missing"), severity="warning")
            return
        confirm(group)
