"""§2 Create a response group: name, number, billing ID, display number,
agent groups and supervisors, picked from the organisation's catalogs.

The backend checks everything (a free number of the organisation, a unique
name…) and names the field of each refusal; it is shown under that field and
the rest of the form stays as typed.
"""
from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Select, SelectionList, Static

from tui.app import VaxelApp
from tui.catalog import Organisation
from tui.client import ApiError, Unreachable
from tui.draft import translate_error
from tui.i18n import maybe, t
from widgets.header import ScreenHeader
from widgets.key_footer import KeyFooter

#: Form rows, each with its error line: the first part of an error's field path.
ROWS = ("name", "number", "billing_id", "mobile_display", "agent_group_ids", "supervisor_ids")
DISPLAY_MODES = ("caller_and_id", "group_number", "custom")


def catalog_choices(org: Any) -> dict[str, list[tuple[Any, str]]]:
    """(value, label) pairs per catalog, from GET /organisation.

    Takes the parsed JSON or an object with `numbers` ({number: group id or
    None}) and `lists` ({catalog: [(id, label)]}), whichever the client gives.
    """
    if isinstance(org, dict):
        org = Organisation.from_json(org)
    numbers, lists = dict(org.numbers), org.lists
    return {
        "numbers": [(n, n) for n, owner in sorted(numbers.items()) if owner is None],
        **{key: list(lists.get(key, [])) for key in ("billing_ids", "agent_groups", "supervisors")},
    }


def field_reason(code: str, reason: str) -> str:
    """A refusal in the user's language: this screen's own words, the shared ones, or the backend's."""
    return maybe(f"create.error.{code}") or translate_error(code, None, reason)


class CreateGroupScreen(Screen[int | None]):
    AUTO_FOCUS = None

    BINDINGS = [
        Binding("ctrl+s", "create", t("create.key_create"), id="create.create"),
        Binding("escape", "cancel", t("create.key_cancel"), id="create.cancel"),
    ]

    DEFAULT_CSS = """
    CreateGroupScreen #create-form { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    CreateGroupScreen Horizontal { height: auto; }
    CreateGroupScreen .cg-label { width: 18; }
    CreateGroupScreen Input { width: 1fr; max-width: 40; background: $boost; }
    CreateGroupScreen Input:focus { background: $primary 40%; }
    CreateGroupScreen Select { width: 1fr; max-width: 40; }
    CreateGroupScreen SelectionList { height: auto; max-height: 5; width: 1fr; max-width: 58; background: $boost; }
    CreateGroupScreen SelectionList:focus { background: $primary 20%; }
    CreateGroupScreen .cg-error { color: $error; padding-left: 18; height: auto; display: none; }
    CreateGroupScreen .cg-error.-shown { display: block; }
    CreateGroupScreen #cg-custom-row { display: none; }
    CreateGroupScreen #cg-custom-row.-shown { display: block; }
    CreateGroupScreen #cg-note { color: $text-muted; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.catalogs: Any = None
        self.creating = False

    @property
    def vaxel(self) -> VaxelApp:
        assert isinstance(self.app, VaxelApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield ScreenHeader(t("create.title"), id="header")
        yield VerticalScroll(Static(t("create.loading"), id="cg-note", markup=False), id="create-form", can_focus=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="load")
    async def load(self) -> None:
        try:
            self.catalogs = await self.vaxel.client.organisation()
        except (ApiError, Unreachable) as exc:
            self.query_one("#cg-note", Static).update(t("create.load_failed", reason=str(exc)))
            return
        await self.query_one("#create-form").mount_all(self._fields(self.catalogs))
        self.query_one("#cg-note", Static).update(t("create.hint"))
        self.query_one("#cg-name", Input).focus()

    def _row(self, label: str, widget: Any, row_id: str = "") -> Horizontal:
        return Horizontal(Label(label, classes="cg-label"), widget, id=row_id or None)

    def _fields(self, catalogs: Any) -> list[Any]:
        choices = catalog_choices(catalogs)
        free = [number for number, _ in choices["numbers"]]
        billing = [(label, value) for value, label in choices["billing_ids"]]
        modes = [(t(f"create.display.{mode}"), mode) for mode in DISPLAY_MODES]
        agent_groups = [(label, value) for value, label in choices["agent_groups"]]
        users = [(label, value) for value, label in choices["supervisors"]]

        def error(row: str) -> Static:
            return Static("", id=f"cg-error-{row}", classes="cg-error", markup=False)

        return [
            self._row(t("create.name"), Input(id="cg-name", compact=True, max_length=64)),
            error("name"),
            self._row(
                t("create.number"),
                Select([(n, n) for n in free], prompt=t("create.pick_number"), id="cg-number", compact=True),
            ),
            error("number"),
            self._row(t("create.billing"), Select(billing, prompt=t("create.no_billing"), id="cg-billing", compact=True)),
            error("billing_id"),
            self._row(
                t("create.display_mode"),
                Select(modes, value="caller_and_id", allow_blank=False, id="cg-display", compact=True),
            ),
            self._row(t("create.custom_number"), Input(placeholder="+46…", id="cg-custom", compact=True), "cg-custom-row"),
            error("mobile_display"),
            Label(t("create.agent_groups")),
            SelectionList[int](*agent_groups, id="cg-agent-groups", compact=True),
            error("agent_group_ids"),
            Label(t("create.supervisors")),
            SelectionList[int](*users, id="cg-supervisors", compact=True),
            error("supervisor_ids"),
        ]

    @on(Select.Changed, "#cg-display")
    def _display_changed(self, event: Select.Changed) -> None:
        self.query_one("#cg-custom-row").set_class(event.value == "custom", "-shown")

    def body(self) -> dict[str, Any]:
        number = self.query_one("#cg-number", Select).value
        billing = self.query_one("#cg-billing", Select).value
        mode = self.query_one("#cg-display", Select).value
        custom = self.query_one("#cg-custom", Input).value.strip()
        return {
            "name": self.query_one("#cg-name", Input).value,
            "number": "" if number is Select.NULL else number,
            "billing_id": None if billing is Select.NULL else billing,
            "mobile_display": {"mode": mode, "custom_number": (custom or None) if mode == "custom" else None},
            "agent_group_ids": list(self.query_one("#cg-agent-groups", SelectionList).selected),
            "supervisor_ids": list(self.query_one("#cg-supervisors", SelectionList).selected),
        }

    def show_errors(self, errors: dict[str, str]) -> None:
        by_row: dict[str, list[str]] = {}
        for path, reason in errors.items():
            row = path.split(".")[0]
            by_row.setdefault(row if row in ROWS else "name", []).append(reason)
        for row in ROWS:
            line = self.query_one(f"#cg-error-{row}", Static)
            reasons = by_row.get(row)
            line.update("! " + "; ".join(reasons) if reasons else "")
            line.set_class(bool(reasons), "-shown")

    def action_create(self) -> None:
        if self.catalogs is None or self.creating:
            return
        self.create(self.body())

    @work(exclusive=True, group="create")
    async def create(self, body: dict[str, Any]) -> None:
        self.creating = True
        try:
            created = await self.vaxel.client.create_group(body)
        except ApiError as exc:
            codes = exc.field_codes
            errors = {path: field_reason(codes.get(path, exc.code), why) for path, why in exc.fields.items()}
            self.show_errors(errors)
            reason = t("create.fix_fields") if errors else exc.message
            self.notify(t("create.refused", reason=reason), severity="error", timeout=10)
            return
        except Unreachable as exc:
            key = "create.outcome_unknown" if exc.maybe_applied else "conn.cannot_reach"
            self.notify(t(key, reason=str(exc)), severity="error", timeout=10)
            return
        finally:
            self.creating = False
        self.vaxel.store.load_group(created.group)
        self.notify(t("create.done", name=created.group.name))
        self.dismiss(created.group.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
