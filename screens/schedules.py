"""§7 Opening hours: the organisation's schedules, edited by keyboard.

A list of schedules on the left, the chosen one's form on the right: name,
time zone, weekly ranges per weekday, dated exceptions (a public holiday
closed all day, or with hours of its own). Saved whole with PUT and If-Match;
a new schedule is created by its first save. The backend checks every rule and
its refusals are shown beside the field they name.
"""
from __future__ import annotations

import asyncio
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.dialogs import ConfirmScreen
from tui.app import VaxelApp
from tui.client import ApiError, Unreachable
from tui.i18n import t
from tui.schedules import NEW_RANGE, editable, merge_schedule, new_schedule, part_name, reason_text
from widgets.header import ScreenHeader
from widgets.key_footer import KeyFooter
from widgets.schedule_form import ScheduleForm, get_path
from widgets.schedule_state import ScheduleStateLine


async def fetch_schedule_state(app: VaxelApp, line: ScheduleStateLine) -> None:
    """Answer a `ScheduleStateLine.Wanted`: the state and the zone to tell it in."""
    schedule_id = line.schedule_id
    if schedule_id is None:
        return
    try:
        state, schedule = await asyncio.gather(app.client.schedule_state(schedule_id), app.client.schedule(schedule_id))
    except ApiError as exc:
        if line.is_attached:
            line.show_failure(exc.message)
        return
    except Unreachable as exc:
        if line.is_attached:
            line.show_failure(str(exc))
        return
    if line.is_attached:  # its screen may have closed meanwhile
        line.show_state(schedule_id, state, schedule.doc.get("timezone"), app.server_now())


def next_range(ranges: list[dict[str, str]]) -> dict[str, str]:
    """A new range after the day's last one (an hour long), or office hours."""
    if not ranges:
        return dict(NEW_RANGE)
    start = str(ranges[-1].get("end", "17:00"))
    try:
        hour, minute = (int(x) for x in start.split(":"))
    except ValueError:
        return dict(NEW_RANGE)
    end = "24:00" if hour >= 23 else f"{hour + 1:02d}:{minute:02d}"
    return {"start": start, "end": end}


class ScheduleEditorScreen(Screen[None]):
    AUTO_FOCUS = None

    BINDINGS = [
        Binding("ctrl+s", "save", t("key.save"), id="schedules.save"),
        Binding("ctrl+r", "add_range", t("schedule.key_add_range"), id="schedules.add_range"),
        Binding("ctrl+t", "remove", t("schedule.key_remove"), id="schedules.remove"),
        Binding("ctrl+b", "add_exception", t("schedule.key_add_exception"), id="schedules.add_exception"),
        Binding("ctrl+n", "new", t("schedule.key_new"), id="schedules.new", show=False),
        Binding("f8", "delete_schedule", t("schedule.key_delete"), id="schedules.delete", show=False),
        Binding("escape", "back", t("key.back"), id="schedules.back"),
    ]

    DEFAULT_CSS = """
    ScheduleEditorScreen #sched-body { height: 1fr; }
    ScheduleEditorScreen #sched-list { width: 22; height: 1fr; border: none; border-right: vkey $primary; }
    ScheduleEditorScreen #sched-main { width: 1fr; height: 1fr; }
    ScheduleEditorScreen #sched-state { padding: 0 1; }
    ScheduleEditorScreen #sched-note { padding: 0 1; color: $warning; height: auto; }
    ScheduleEditorScreen #sched-loading { padding: 0 1; color: $text-muted; }
    """

    def __init__(self, schedule_id: int | None = None) -> None:
        super().__init__()
        self.schedule_id = schedule_id
        self.etag = ""
        #: What the server has (editable parts): unsaved edits differ from it.
        self.saved: dict[str, Any] | None = None
        self.schedules: list[dict[str, Any]] = []
        self.saving = False
        #: A schedule (or a new one) is in the form: before, keys do nothing.
        self.loaded = False

    @property
    def vaxel(self) -> VaxelApp:
        assert isinstance(self.app, VaxelApp)
        return self.app

    @property
    def read_only(self) -> bool:
        me = self.vaxel.me
        return me is None or not me.can_edit_settings

    @property
    def form(self) -> ScheduleForm:
        return self.query_one(ScheduleForm)

    @property
    def dirty(self) -> bool:
        if not self.loaded:
            return False
        return self.saved is None or editable(self.form.doc) != self.saved

    def compose(self) -> ComposeResult:
        yield ScreenHeader(t("schedule.title"), id="header")
        with Horizontal(id="sched-body"):
            yield OptionList(id="sched-list")
            with Vertical(id="sched-main"):
                if self.read_only:
                    yield Static(t("schedule.read_only"), id="sched-note", markup=False)
                yield Static(t("schedule.loading"), id="sched-loading", markup=False)
                state = ScheduleStateLine(None, id="sched-state")
                form = ScheduleForm(new_schedule(""), read_only=self.read_only)
                state.display = form.display = False  # until a schedule is in it
                yield state
                yield form
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load_list(select=self.schedule_id)

    # ------------------------------------------------------------------ loading

    @work(exclusive=True, group="list")
    async def load_list(self, select: int | None = None) -> None:
        try:
            self.schedules = sorted(await self.vaxel.client.schedules(), key=lambda s: str(s["name"]).casefold())
        except (ApiError, Unreachable) as exc:
            self._load_failed(exc)
            return
        self._fill_list()
        ids = [s["id"] for s in self.schedules]
        chosen = select if select in ids else (ids[0] if ids else None)
        if chosen is None:
            await self._show(None, new_schedule(t("schedule.new_name")), "")
        elif chosen != self.schedule_id or self.saved is None:
            self.load_schedule(chosen)
        else:
            self._highlight(chosen)

    def _fill_list(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(str(s["name"]), id=str(s["id"])) for s in self.schedules])
        if self.schedule_id is None and self.saved is None:
            options.add_option(Option(t("schedule.unsaved_entry"), id="new"))

    def _highlight(self, schedule_id: int | None) -> None:
        options = self.query_one(OptionList)
        try:
            options.highlighted = options.get_option_index("new" if schedule_id is None else str(schedule_id))
        except Exception:  # noqa: BLE001 - not in the list (yet)
            pass

    @work(exclusive=True, group="schedule")
    async def load_schedule(self, schedule_id: int) -> None:
        try:
            loaded = await self.vaxel.client.schedule(schedule_id)
        except (ApiError, Unreachable) as exc:
            self._load_failed(exc)
            return
        await self._show(schedule_id, loaded.doc, loaded.etag)

    def _load_failed(self, exc: Exception) -> None:
        """Said in a notice and, while nothing is in the form yet, in its place."""
        text = t("schedule.load_failed", reason=str(exc))
        self.notify(text, severity="error")
        if not self.loaded:
            self.query_one("#sched-loading", Static).update(text)

    async def _show(self, schedule_id: int | None, doc: dict[str, Any], etag: str) -> None:
        self.schedule_id, self.etag = schedule_id, etag
        working = editable(doc)
        self.saved = editable(doc) if schedule_id is not None else None
        form = self.form
        form.doc = working
        form.errors = {}
        form.opened = set()
        await form.recompose()
        if not self.loaded:
            self.loaded = True
            self.query_one("#sched-loading").display = False
            form.display = self.query_one(ScheduleStateLine).display = True
        self._fill_list()
        self._highlight(schedule_id)
        self.query_one(ScheduleStateLine).set_schedule(schedule_id)
        self._show_header()
        form.focus_path("name")

    def _show_header(self) -> None:
        name = self.form.doc.get("name") or "–"
        mark = " •" if self.dirty and not self.read_only else ""
        self.query_one(ScreenHeader).set_where(f"{t('schedule.title')} · {name}{mark}")

    # ------------------------------------------------------------------ choosing

    @on(OptionList.OptionSelected, "#sched-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        if key is None or key == "new" or (self.schedule_id is not None and key == str(self.schedule_id)):
            self.form.focus_path("name")
            return
        self._unless_unsaved(lambda: self.load_schedule(int(key)))

    def _unless_unsaved(self, then: Any) -> None:
        """Do `then`, after asking, when there are unsaved edits."""
        if self.dirty and not self.read_only:
            self.app.push_screen(
                ConfirmScreen(t("schedule.leave_title"), t("schedule.leave_body")),
                lambda leave: then() if leave else self._highlight(self.schedule_id),
            )
        else:
            then()

    def on_schedule_form_edited(self, event: ScheduleForm.Edited) -> None:
        errors = {p: r for p, r in self.form.errors.items() if p != event.path}
        if errors != self.form.errors:
            self.form.show_errors(errors)
        self._show_header()

    # ------------------------------------------------------------------ structure

    async def _rebuild(self, focus: str, block: str | None = None) -> None:
        """Rebuild `block` (a day, an exception) or, without one, every exception."""
        form = self.form
        if form.errors:
            form.show_errors({})  # indexes may have moved: old refusals could name other rows now
        if block is None:
            await form.rebuild_exceptions()
        else:
            await form.rebuild_ranges(block)
        form.focus_path(focus)
        self._show_header()

    def _ranges_of(self, path: str | None) -> str | None:
        """The list of ranges the focused field belongs to: `weekly.mon`, `exceptions.1.ranges`."""
        if not path:
            return None
        parts = path.split(".")
        if parts[0] == "weekly" and len(parts) >= 2:
            return f"weekly.{parts[1]}"
        if parts[0] == "exceptions" and len(parts) >= 2:
            return f"exceptions.{parts[1]}.ranges"
        return None

    async def action_add_range(self) -> None:
        if self._refuse_read_only():
            return
        base = self._ranges_of(self.form.focused_path())
        if base is None:
            self.notify(t("schedule.focus_a_day"), severity="warning")
            return
        ranges = get_path(self.form.doc, base)
        ranges.append(next_range(ranges))
        await self._rebuild(f"{base}.{len(ranges) - 1}", base.removesuffix(".ranges"))

    async def action_remove(self) -> None:
        if self._refuse_read_only():
            return
        path = self.form.focused_path()
        parts = (path or "").split(".")
        doc = self.form.doc
        if parts[0] == "weekly" and len(parts) >= 4:
            del doc["weekly"][parts[1]][int(parts[2])]
            await self._rebuild(f"weekly.{parts[1]}", f"weekly.{parts[1]}")
        elif parts[0] == "exceptions" and len(parts) >= 5 and parts[2] == "ranges":
            del doc["exceptions"][int(parts[1])]["ranges"][int(parts[3])]
            await self._rebuild(f"exceptions.{parts[1]}", f"exceptions.{parts[1]}")
        elif parts[0] == "exceptions" and len(parts) >= 2:
            index = int(parts[1])
            del doc["exceptions"][index]
            self.form.removed_exception(index)
            left = len(doc["exceptions"])
            await self._rebuild(f"exceptions.{min(index, left - 1)}" if left else "timezone")
        else:
            self.notify(t("schedule.focus_a_range"), severity="warning")

    async def action_add_exception(self) -> None:
        if self._refuse_read_only():
            return
        exceptions = self.form.doc["exceptions"]
        exceptions.append({"date": "", "label": "", "ranges": []})
        await self.form.append_exception()
        self.form.focus_path(f"exceptions.{len(exceptions) - 1}.date")
        self._show_header()

    def action_new(self) -> None:
        if self._refuse_read_only():
            return

        async def start() -> None:
            self.saved = None
            self.schedule_id = None
            self._fill_list()
            await self._show(None, new_schedule(t("schedule.new_name")), "")

        self._unless_unsaved(lambda: self.run_worker(start(), group="schedule", exclusive=True))

    def _refuse_read_only(self) -> bool:
        if not self.loaded:
            return True  # nothing in the form yet
        if self.read_only:
            self.notify(t("schedule.read_only"), severity="warning")
        return self.read_only

    # ------------------------------------------------------------------ saving

    def action_save(self) -> None:
        if self._refuse_read_only() or self.saving:
            return
        if not self.dirty:
            self.notify(t("schedule.nothing_to_save"))
            return
        self.save()

    @work(exclusive=True, group="save")
    async def save(self) -> None:
        client = self.vaxel.client
        body = editable(self.form.doc)
        self.saving = True
        try:
            if self.schedule_id is None:
                saved = await client.create_schedule(body)
            else:
                saved = await client.put_schedule(self.schedule_id, self.etag, body)
        except ApiError as exc:
            await self._save_refused(exc)
            return
        except Unreachable as exc:
            key = "schedule.save_unknown" if exc.maybe_applied else "schedule.save_unreachable"
            self.notify(t(key, reason=str(exc)), severity="error", timeout=10)
            return
        finally:
            self.saving = False
        created = self.schedule_id is None
        self.schedule_id, self.etag = int(saved.doc["id"]), saved.etag
        self.saved = editable(saved.doc)
        self.form.show_errors({})
        self._show_header()
        self.query_one(ScheduleStateLine).ask()
        self.notify(t("schedule.created" if created else "schedule.saved", name=self.saved["name"]))
        self.load_list(select=self.schedule_id)

    async def _save_refused(self, exc: ApiError) -> None:
        if exc.status == 412 and self.schedule_id is not None:
            await self._merge_theirs()
            return
        if exc.fields:
            # Refused exceptions are opened, so each refusal shows beside its field.
            await self.form.open_exceptions(
                {int(p.split(".")[1]) for p in exc.fields if p.startswith("exceptions.") and p.split(".")[1].isdigit()}
            )
            doc = self.form.doc
            codes = exc.field_codes
            self.form.show_errors({path: reason_text(codes.get(path), path, why, doc) for path, why in exc.fields.items()})
        reason = t("schedule.fix_fields") if exc.fields else exc.message
        self.notify(t("schedule.save_refused", reason=reason), severity="error", timeout=10)

    async def _merge_theirs(self) -> None:
        """Someone saved first: their changes join these edits part by part
        (a weekday, an exception, the name); where both changed the same part,
        these edits stay and the part is named. Nothing is saved until Ctrl+S."""
        assert self.schedule_id is not None
        try:
            current = await self.vaxel.client.schedule(self.schedule_id)
        except (ApiError, Unreachable) as exc:
            self.notify(t("schedule.save_refused", reason=str(exc)), severity="error", timeout=10)
            return
        mine = editable(self.form.doc)
        merged, conflicts = merge_schedule(self.saved or mine, mine, current.doc)
        self.etag, self.saved = current.etag, editable(current.doc)
        if merged != mine:
            self.form.doc = merged
            await self.form.recompose()
        self._show_header()
        if conflicts:
            parts = ", ".join(part_name(p) for p in conflicts)
            self.notify(t("schedule.stale_conflicts", parts=parts), severity="warning", timeout=15)
        else:
            self.notify(t("schedule.stale_merged"), severity="warning", timeout=10)

    # ------------------------------------------------------------------ deleting

    def action_delete_schedule(self) -> None:
        if self._refuse_read_only():
            return
        if self.schedule_id is None:
            self.load_list()  # an unsaved new schedule: just drop it
            return
        name = self.saved["name"] if self.saved else str(self.schedule_id)
        self.app.push_screen(
            ConfirmScreen(t("schedule.delete_title", name=name), t("schedule.delete_body")),
            lambda ok: self.delete(self.schedule_id) if ok else None,
        )

    @work(exclusive=True, group="save")
    async def delete(self, schedule_id: int | None) -> None:
        if schedule_id is None:
            return
        try:
            await self.vaxel.client.delete_schedule(schedule_id)
        except ApiError as exc:
            # 409 schedule_in_use: the backend names the groups; say it as it says it.
            self.form.show_errors({"": t("schedule.delete_refused", reason=exc.message)})
            self.notify(t("schedule.delete_refused", reason=exc.message), severity="error", timeout=10)
            return
        except Unreachable as exc:
            self.notify(t("conn.cannot_reach", reason=str(exc)), severity="error")
            return
        self.notify(t("schedule.deleted"))
        self.saved = None
        self.schedule_id = None
        self.load_list()

    # ------------------------------------------------------------------ leaving

    def action_back(self) -> None:
        self._unless_unsaved(self.app.pop_screen)
