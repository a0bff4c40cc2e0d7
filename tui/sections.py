"""The settings sections of a group, in the seed's order, as data.

Each section names its fields by path; the group screen builds a collapsible
section from each, and help shows the seed's own explanation (`seed.<id>`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: text, int, bool; select (enum `choices` or a `catalog`); optint (empty: off);
#: multi (ids picked from a catalog); textarea (several lines); collectors (§13 list).
FieldKind = Literal["text", "int", "bool", "select", "optint", "multi", "textarea", "collectors"]


@dataclass(frozen=True)
class FieldSpec:
    path: str  # in the settings document, e.g. "service_level.threshold_s"
    label: str  # i18n key
    kind: FieldKind = "text"
    unit: str = ""  # i18n key of a unit shown after the value, e.g. "unit.seconds"
    #: select: the fixed values and the i18n key of each one's name.
    choices: tuple[tuple[str, str], ...] = ()
    #: select / multi: the organisation's catalog to pick from (tui/catalog.py).
    catalog: str = ""
    #: select / text: the i18n key of "no value" (None); empty: a value is required.
    none_label: str = ""
    #: bool: i18n key of the question asked before turning it on (§16, §17).
    confirm_on: str = ""


@dataclass(frozen=True)
class SectionSpec:
    id: str
    seed_section: int  # the § in the seed
    title: str  # i18n key
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)


F = FieldSpec
S = "unit.seconds"
LANGUAGES = (("sv-SE", "value.lang.sv-SE"), ("en-GB", "value.lang.en-GB"), ("en-US", "value.lang.en-US"),
             ("fi-FI", "value.lang.fi-FI"), ("nb-NO", "value.lang.nb-NO"), ("da-DK", "value.lang.da-DK"))  # fmt: skip
PROMPT_KINDS = (("tts", "value.prompt.tts"), ("audio", "value.prompt.audio"))


def prompt_fields(prefix: str, kind_label: str) -> tuple[FieldSpec, ...]:
    """A prompt: text-to-speech (language, text) or an audio file."""
    return (
        F(f"{prefix}.kind", kind_label, "select", choices=PROMPT_KINDS),
        F(f"{prefix}.language", "field.prompt.language", "select", choices=LANGUAGES),
        F(f"{prefix}.text", "field.prompt.text", "text"),
        F(f"{prefix}.audio_id", "field.prompt.audio_id", "select", catalog="audio_files", none_label="value.none"),
    )


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("ai_info", 4, "section.ai_info", (F("ai_info", "field.ai_info", "textarea"),)),
    SectionSpec("status", 5, "section.status"),
    SectionSpec("name", 6, "section.name", (F("name", "field.name"),)),
    SectionSpec(
        "opening_hours", 7, "section.opening_hours",
        (
            F("schedule_id", "field.schedule_id", "select", catalog="schedules", none_label="value.always_open"),
            F("closed_action.kind", "field.closed_action.kind", "select",
              choices=(("message", "value.closed.message"), ("voicemail", "value.closed.voicemail"))),
            F("closed_action.message.text", "field.closed_action.message", "text"),
        ),
    ),
    SectionSpec(
        "number", 8, "section.number",
        (
            F("number", "field.number", "select", catalog="numbers"),
            F("billing_id", "field.billing_id", "select", catalog="billing_ids", none_label="value.none"),
            F("mobile_display.mode", "field.mobile_display.mode", "select",
              choices=(("caller_and_id", "value.mobile.caller_and_id"), ("group_number", "value.mobile.group_number"),
                       ("custom", "value.mobile.custom"))),
            F("mobile_display.custom_number", "field.mobile_display.custom_number", none_label="value.none"),
        ),
    ),
    SectionSpec(
        "agents", 9, "section.agents",
        (
            F("agent_group_ids", "field.agent_group_ids", "multi", catalog="agent_groups"),
            F("supervisor_ids", "field.supervisor_ids", "multi", catalog="supervisors"),
        ),
    ),
    SectionSpec(
        "ai_agent", 10, "section.ai_agent",
        (
            F("ai_agent.enabled", "field.ai_agent.enabled", "bool"),
            F("ai_agent.knowledge_source_ids", "field.ai_agent.knowledge_source_ids", "multi", catalog="knowledge_sources"),
        ),
    ),
    SectionSpec(
        "queue", 11, "section.queue",
        (
            F("queue_message.enabled", "field.queue_message.enabled", "bool"),
            F("queue_message.interval_s", "field.queue_message.interval_s", "int", S),
            F("overflow.enabled", "field.overflow.enabled", "bool"),
            F("overflow.max_waiting", "field.overflow.max_waiting", "optint", "unit.calls"),
            F("overflow.max_wait_s", "field.overflow.max_wait_s", "optint", S),
            F("overflow.destination.kind", "field.overflow.destination.kind", "select",
              choices=(("voicemail", "value.dest.voicemail"), ("callback", "value.dest.callback"),
                       ("group", "value.dest.group"), ("external", "value.dest.external"))),
            F("overflow.destination.group_id", "field.overflow.destination.group_id", "select", catalog="groups",
              none_label="value.none"),
            F("overflow.destination.number", "field.overflow.destination.number", none_label="value.none"),
        ),
    ),
    SectionSpec(
        "wrap_up", 11, "section.wrap_up",
        (
            F("wrap_up.answered_s", "field.wrap_up.answered_s", "optint", S),
            F("wrap_up.rejected_s", "field.wrap_up.rejected_s", "int", S),
            F("wrap_up.missed_s", "field.wrap_up.missed_s", "int", S),
        ),
    ),
    SectionSpec(
        "voicemail", 11, "section.voicemail",
        (
            *prompt_fields("voicemail.greeting", "field.voicemail.greeting.kind"),
            F("voicemail.transcribe", "field.voicemail.transcribe", "bool"),
            F("voicemail.notify", "field.voicemail.notify", "bool"),
        ),
    ),
    SectionSpec(
        "routing", 11, "section.routing",
        (
            F("priority", "field.priority", "select",
              choices=(("none", "value.priority.none"), ("medium", "value.priority.medium"),
                       ("highest", "value.priority.highest"))),
            F("call_waiting", "field.call_waiting", "bool"),
            F("vip.return_failed_transfers", "field.vip.return_failed_transfers", "bool"),
            F("vip.message", "field.vip.message"),
        ),
    ),
    SectionSpec(
        "outgoing", 12, "section.outgoing",
        (
            F("outgoing.sms_from_group_number", "field.outgoing.sms_from_group_number", "bool"),
            F("outgoing.caller_id.all_agents", "field.outgoing.caller_id.all_agents", "bool"),
            F("outgoing.caller_id.all_supervisors", "field.outgoing.caller_id.all_supervisors", "bool"),
            F("outgoing.caller_id.user_ids", "field.outgoing.caller_id.user_ids", "multi", catalog="users"),
        ),
    ),
    SectionSpec("collectors", 13, "section.collectors", (F("input_collectors", "field.input_collectors", "collectors"),)),
    SectionSpec(
        "callback", 14, "section.callback",
        (
            F("callback.enabled", "field.callback.enabled", "bool"),
            F("callback.offer_after_s", "field.callback.offer_after_s", "int", S),
            F("callback.attempts", "field.callback.attempts", "int"),
            F("callback.spacing_s", "field.callback.spacing_s", "int", S),
            F("callback.voicemail_last_step", "field.callback.voicemail_last_step", "bool"),
        ),
    ),
    SectionSpec(
        "view", 15, "section.view",
        (
            F("view.flowchart", "field.view.flowchart", "bool"),
            F("view.wait_warning_s", "field.view.wait_warning_s", "int", S),
        ),
    ),
    SectionSpec(
        "service_level", 15, "section.service_level",
        (
            F("service_level.threshold_s", "field.service_level.threshold_s", "int", S),
            F("service_level.early_hangup_s", "field.service_level.early_hangup_s", "int", S),
            F("service_level.target_pct", "field.service_level.target_pct", "int", "unit.percent"),
            F("service_level.show_target", "field.service_level.show_target", "bool"),
        ),
    ),
    SectionSpec("ci", 16, "section.ci",
                (F("conversation_intelligence", "field.conversation_intelligence", "bool", confirm_on="settings.confirm_ci"),)),
    SectionSpec("cases", 17, "section.cases",
                (F("cases_connected", "field.cases_connected", "bool", confirm_on="settings.confirm_cases"),)),
    SectionSpec("permissions", 18, "section.permissions",
                (F("agents_may_toggle_login", "field.agents_may_toggle_login", "bool"),)),
    SectionSpec("delete", 19, "section.delete"),
)  # fmt: skip

#: The sub-fields of one §13 input collector, relative to the item.
COLLECTOR_FIELDS: tuple[FieldSpec, ...] = (
    F("variable", "field.collector.variable"),
    *prompt_fields("prompt", "field.collector.prompt.kind"),
    F("expect.digits_min", "field.collector.digits_min", "int"),
    F("expect.digits_max", "field.collector.digits_max", "int"),
    F("expect.end_key", "field.collector.end_key", "select",
      choices=(("#", "value.key.hash"), ("*", "value.key.star"), ("none", "value.key.none"))),
    F("retries", "field.collector.retries", "int"),
    F("timeout_s", "field.collector.timeout_s", "int", S),
)  # fmt: skip

FIELDS: dict[str, FieldSpec] = {spec.path: spec for section in SECTIONS for spec in section.fields}


def owns(field_path: str, path: str) -> bool:
    """`path` (an edit or an error, e.g. input_collectors.0.variable) belongs to the field."""
    return path == field_path or path.startswith(field_path + ".")


def field_of(path: str) -> FieldSpec | None:
    """The field that shows `path` (errors may name a part of it)."""
    for spec in FIELDS.values():
        if owns(spec.path, path):
            return spec
    return None


def section_of(path: str) -> SectionSpec | None:
    for section in SECTIONS:
        if any(owns(f.path, path) for f in section.fields):
            return section
    return None


def label_of(path: str) -> str:
    """The i18n key of a field's label (for the save preview and errors)."""
    spec = field_of(path)
    return spec.label if spec is not None else path


def choice_label(spec: FieldSpec, value: Any) -> str | None:
    """The i18n key naming a fixed choice, if `value` is one."""
    for choice, key in spec.choices:
        if choice == value:
            return key
    return None
