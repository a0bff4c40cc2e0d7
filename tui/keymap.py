"""Key bindings by id: discovery, the user's [keys] table, and its problems.

Every binding of the console has an id (`group.save`); users rebind keys in the
config file by id (`[keys] "group.save" = "ctrl+s,f2"`), applied with Textual's
`App.set_keymap`. An unknown id, or a key that two bindings would share where
both are active (the same widget or screen, or a screen and the app), is
reported with the file and the line, and the console does not start with it.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from tui.config import Source

#: The packages whose classes carry the console's bindings.
PACKAGES = ("screens", "widgets")


@dataclass(frozen=True)
class Bound:
    owner: type[DOMNode]
    binding: Binding

    @property
    def keys(self) -> list[str]:
        return [k.strip() for k in self.binding.key.split(",") if k.strip()]


def binding_classes() -> list[type[DOMNode]]:
    """The app, and every screen and widget class of the console with bindings of its own."""
    from tui.app import VaxelApp

    found: dict[str, type[DOMNode]] = {"tui.app.VaxelApp": VaxelApp}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__, package_name + "."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, DOMNode)
                    and value.__module__.split(".")[0] in ("tui", *PACKAGES)
                    and value.__dict__.get("BINDINGS")
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def own_bindings(cls: type[DOMNode]) -> list[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)] + [
        Binding(*b) for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, tuple)
    ]


def all_bindings() -> list[Bound]:
    return [Bound(cls, b) for cls in binding_classes() for b in own_bindings(cls)]


def by_id() -> dict[str, Bound]:
    return {bound.binding.id: bound for bound in all_bindings() if bound.binding.id}


def _scopes() -> list[list[Bound]]:
    """Groups of bindings that are active together: each class with what it
    inherits, and each screen with the app's."""
    from tui.app import VaxelApp

    def merged(cls: type[DOMNode]) -> list[Bound]:
        return [Bound(cls, b) for bs in cls._merge_bindings().key_to_bindings.values() for b in bs]

    app = merged(VaxelApp)
    scopes = []
    for cls in binding_classes():
        own = merged(cls)
        scopes.append(own + app if issubclass(cls, Screen) else own)
    return scopes


_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}


def known_key(key: str) -> bool:
    """Whether Textual can ever send `key` (normalized: "question_mark", "ctrl+s", "f2")."""
    from textual.keys import Keys, key_to_character

    *modifiers, base = key.split("+") if key != "+" else ["+"]
    if not base or any(m not in _MODIFIERS for m in modifiers):
        return False
    bases = {value.split("+")[-1] for value in (k.value for k in Keys)}
    return len(base) == 1 or base in bases or key_to_character(base) is not None


def problems(keymap: dict[str, str], sources: dict[str, Source] | None = None) -> list[str]:
    """What is wrong with the user's [keys] table, each with the file and the line."""
    from textual.app import App

    from tui.i18n import t

    sources = sources or {}
    raw = keymap
    keymap = App._normalize_keymap(keymap)  # "?" → "question_mark", as Textual will see it

    def where(binding_id: str) -> str:
        source = sources.get(f"keys.{binding_id}")
        return source.where if source else "[keys]"

    known = by_id()
    found = [f"{where(i)}: keys.{i}: {t('keys.unknown_id', id=i)}" for i in keymap if i not in known]
    for binding_id, keys in keymap.items():
        for key in keys.split(","):
            if not known_key(key.strip()):
                found.append(f"{where(binding_id)}: keys.{binding_id}: {t('keys.bad_key', key=key.strip() or raw[binding_id])}")
    seen: set[tuple[str, str, str]] = set()
    for scope in _scopes():
        owners: dict[str, Bound] = {}
        for bound in scope:
            rebound = keymap.get(bound.binding.id or "")
            keys = [k.strip() for k in rebound.split(",")] if rebound else bound.keys
            for key in keys:
                other = owners.get(key)
                if other is not None and other.binding is not bound.binding and (rebound or keymap.get(other.binding.id or "")):
                    mine, theirs = (bound, other) if rebound else (other, bound)
                    label = mine.binding.id or mine.binding.action
                    other_label = theirs.binding.id or theirs.binding.action
                    marker = (label, other_label, key)
                    if marker not in seen:
                        seen.add(marker)
                        found.append(
                            f"{where(label)}: keys.{label}: "
                            + t("keys.conflict", key=key, other=other_label, where=theirs.owner.__name__)
                        )
                owners.setdefault(key, bound)
    return found


def print_keys() -> int:
    """`vaxel keys`: every binding by id with its key (the user's where rebound)."""
    from tui.config import ConfigError, load_config_with_sources
    from tui.i18n import t

    try:
        config, sources = load_config_with_sources()
    except ConfigError as exc:
        print(t("config.invalid", problem=str(exc)))
        return 1
    print(t("keys.header"))
    for binding_id, bound in sorted(by_id().items()):
        key = config.keys.get(binding_id, bound.binding.key)
        print(f"  {binding_id:28} {key:16} {bound.binding.description}")
    found = problems(config.keys, sources)
    if found:
        print()
        print(t("keys.problems"))
        for line in found:
            print("  " + line)
        return 1
    return 0
