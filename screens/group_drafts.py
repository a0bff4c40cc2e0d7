"""Unsaved edits outlive the console: kept on disk while they exist, offered
again when the group is next opened (tui/drafts.py stores them).

A mixin of `GroupScreen`: `keep_draft()` runs after every change of the draft
(it is called from `_show_draft`), `offer_kept_draft()` once the group loads.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from screens.dialogs import ConfirmScreen
from tui.i18n import t

if TYPE_CHECKING:
    from screens.group import GroupScreen as _Base
else:
    _Base = object


class DraftKeeping(_Base):
    _kept_edits: dict[str, Any] | None = None
    _offering_kept = False

    def keep_draft(self) -> None:
        draft = self.draft
        if draft is None or self.read_only or self._offering_kept:
            return
        if draft.edits == (self._kept_edits or {}):
            # Nothing new to write (this runs on every redraw of the form); a
            # group opened without edits leaves a draft kept from before alone.
            return
        self._kept_edits = dict(draft.edits)
        try:
            self.vaxel.drafts.save(self.group_id, draft.base.name, draft.base.version, draft.edits)
        except OSError as exc:
            self.notify(t("drafts.cannot_keep", reason=str(exc)), severity="warning")

    def forget_draft(self) -> None:
        self._kept_edits = {}
        self.vaxel.drafts.discard(self.group_id)

    def offer_kept_draft(self) -> None:
        """Edits kept from an earlier console: ask whether to bring them back."""
        draft = self.draft
        kept = self.vaxel.drafts.load(self.group_id)
        if draft is None or kept is None or not kept.edits or draft.dirty or self.read_only:
            return
        when = time.strftime("%H:%M", time.localtime(kept.saved_at))
        body = t("drafts.restore_body", count=len(kept.edits), when=when)
        if kept.base_version != draft.base.version:
            body += "\n" + t("drafts.changed_since")
        self._offering_kept = True

        def answered(restore: bool | None) -> None:
            self._offering_kept = False
            if restore and self.draft is not None:
                for path, value in kept.edits.items():
                    self.draft.set(path, value)
                self.show_settings()  # opened in the live view: the edits are in the settings
                self._show_draft()
                self.notify(t("drafts.restored"))
            else:
                self.forget_draft()

        self.app.push_screen(ConfirmScreen(t("drafts.restore_title"), body), answered)
