"""The export and apply commands (the file format is in tui/settings_file.py)."""
from __future__ import annotations

import sys
from pathlib import Path

from backend.schemas import ResponseGroup
from tui.client import ApiError, VaxelClient
from tui.i18n import t
from tui.session import CommandFailed, Session, fail, open_session, run_api
from tui import settings_file as sf


async def find_group(client: VaxelClient, wanted: str) -> int:
    """A group by id or by name (case-insensitive)."""
    summaries, _ = await client.group_summaries()
    if wanted.isdigit() and any(s.id == int(wanted) for s in summaries):
        return int(wanted)
    matches = [s for s in summaries if s.name.casefold() == wanted.casefold()]
    if len(matches) == 1:
        return matches[0].id
    names = ", ".join(f"{s.id} {s.name}" for s in sorted(summaries, key=lambda s: s.id))
    raise CommandFailed(t("script.no_such_group", group=wanted, groups=names))


def run_export(server: str | None, profile: str | None, group: str, fmt: str | None, output: Path | None) -> int:
    try:
        session = open_session(server, profile)

        async def fetch(client: VaxelClient) -> ResponseGroup:
            return (await client.group(await find_group(client, group))).group

        found = run_api(session, fetch)
    except CommandFailed as exc:
        return fail(exc)
    fmt = fmt or (sf.format_of(output) if output else "json")
    text = sf.dumps(sf.document(found), fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(t("script.exported", name=found.name, version=found.version, path=str(output)), file=sys.stderr)
    return 0


def _confirm() -> bool:
    if not sys.stdin.isatty():
        raise CommandFailed(t("script.apply_needs_yes"))
    answer = input(t("script.apply_ask") + " ")
    return answer.strip().lower() in ("y", "yes", "j", "ja")


def run_apply(server: str | None, profile: str | None, path: Path, yes: bool) -> int:
    try:
        doc, fmt = sf.load(path)
    except sf.SettingsFileError as exc:
        print(t("script.bad_file", problem=str(exc)), file=sys.stderr)
        return 1
    group_id = doc["vaxel"]["group_id"]
    try:
        session = open_session(server, profile)
        current = run_api(session, lambda client: client.group(group_id)).group
        found = sf.changes(current, doc["settings"], fmt)
        print(t("script.apply_header", name=current.name, id=group_id, version=doc["vaxel"]["version"]))
        if not found:
            print(t("script.nothing_to_apply"))
            return 0
        for change_path, before, after in found:
            print(f"  {change_path}: {sf.show(before)} → {sf.show(after)}")
        if not yes and not _confirm():
            print(t("script.apply_cancelled"))
            return 1
        return _send(session, path, fmt, doc, found)
    except CommandFailed as exc:
        return fail(exc)


def _send(session: Session, path: Path, fmt: str, doc: dict, found: list) -> int:
    group_id = doc["vaxel"]["group_id"]

    async def patch(client: VaxelClient):  # noqa: ANN202
        try:
            return await client.patch_group(group_id, sf.etag_of(doc), sf.patch_body(found))
        except ApiError as exc:
            if exc.status == 412:
                now = (exc.current or {}).get("version", "?")
                raise CommandFailed(
                    t("script.apply_stale", path=str(path), version=doc["vaxel"]["version"], now=now)
                ) from exc
            if exc.fields:
                reasons = "\n".join(f"  {field}: {reason}" for field, reason in exc.fields.items())
                raise CommandFailed(t("script.apply_refused", reason=exc.message) + "\n" + reasons) from exc
            raise

    saved = run_api(session, patch)
    sf.move_version(path, fmt, saved.group.version)
    print(t("script.applied", count=len(found), version=saved.group.version))
    return 0
