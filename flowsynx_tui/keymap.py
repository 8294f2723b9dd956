"""Checks of the config file's ``[keys]``: Textual applies a keymap silently, so an unknown
binding id, a key it cannot match or a key that takes another binding's place would just
not work. Imports every screen and widget, hence only when ``[keys]`` is not empty.

A screen and a widget with keys say which of our widgets with keys of their own they hold,
in ``KEYED_WIDGETS``: while one of those has the focus its keys come before the screen's
and the app's, so a remap onto one of them is a clash too (``screen.refresh = "j"`` lost
to the tables' j, and Refresh had no key and left the footer)."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import unicodedata
from collections.abc import Mapping, Sequence

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.keys import KEY_ALIASES, Keys
from textual.screen import Screen

from flowsynx_tui.text import one_line

_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED_KEYS = frozenset(key.value for key in Keys) | frozenset(KEY_ALIASES) | frozenset(
    alias for aliases in KEY_ALIASES.values() for alias in aliases
)


def _our_classes() -> list[type[DOMNode]]:
    import flowsynx_tui.app  # noqa: F401 - the app's own bindings
    import flowsynx_tui.screens
    import flowsynx_tui.widgets

    for package in (flowsynx_tui.screens, flowsynx_tui.widgets):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("flowsynx_tui.") and "BINDINGS" in cls.__dict__:
            found.append(cls)
    return found


def _bindings(cls: type[DOMNode]) -> list[Binding]:
    merged: BindingsMap = cls._merge_bindings()
    return [binding for bindings in merged.key_to_bindings.values() for binding in bindings]


def has_keys(cls: type[DOMNode]) -> bool:
    """Whether ``cls`` has bindings ``[keys]`` can remap (Textual's own have no id)."""
    return any(binding.id for binding in _bindings(cls))


def focus_chains(cls: type[DOMNode]) -> list[tuple[type[DOMNode], ...]]:
    """``cls`` alone, and with each widget with keys it holds (``KEYED_WIDGETS``), down to
    the one that has the focus: the classes whose bindings one key press meets."""
    chains: list[tuple[type[DOMNode], ...]] = [(cls,)]
    for held in getattr(cls, "KEYED_WIDGETS", ()):
        chains += [(cls, *chain) for chain in focus_chains(held)]
    return chains


def key_problem(key: str) -> str | None:
    """Why Textual could never match ``key`` (one of a comma-separated list), or None."""
    if not key:
        return "an empty key"
    if len(key) == 1:
        # A control or format character (an escape, U+202E) is no key to press: keys have names.
        return None if key.isprintable() else f"{key!r} is not a key to press (name it: tab, escape…)"
    *modifiers, name = key.split("+")
    if not name:
        return f"{key!r} has no key after the +"
    unknown = [modifier for modifier in modifiers if modifier.lower() not in _MODIFIERS]
    if unknown:
        return f"{key!r}: {unknown[0]!r} is not a modifier (ctrl, shift, alt, meta, super)"
    if len(name) == 1 or name in _NAMED_KEYS:
        return None
    try:
        # Textual names punctuation by its Unicode name: question_mark, full_stop.
        unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        close = difflib.get_close_matches(name, sorted(_NAMED_KEYS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"{key!r} is not a key name{hint}"
    return None


#: A dialog's answers, and the keys its focused button takes before any binding of the dialog.
_DIALOG_ANSWERS = frozenset({"confirm.yes", "confirm.no"})
_BUTTON_KEYS = frozenset({"enter", "space"})


def _normal(key: str) -> str:
    from textual.keys import _character_to_key

    return _character_to_key(key) if len(key) == 1 else key


def checked_keymap(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The entries that can be applied, and one line per problem. An entry with a problem
    is left out, so the binding keeps its key as the warning says: Textual took a key it
    can never match (the action had no key left), and a key another binding has (which
    then lost it, or was shadowed by it: Start gone from the footer and the help)."""
    classes = _our_classes()
    by_class = {cls: _bindings(cls) for cls in classes}
    ids = {binding.id for bindings in by_class.values() for binding in bindings if binding.id}
    problems: list[str] = []
    usable: dict[str, list[str]] = {}
    for binding_id, keys in keymap.items():
        # The file's own text, said on a terminal: an escape in it must not act there.
        where = f"[keys] {one_line(binding_id, 60)}"
        if binding_id not in ids:
            close = difflib.get_close_matches(binding_id, sorted(ids), n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (the help screen, ?, lists the ids)"
            problems.append(f"{where}: no binding has this id{hint}; ignored")
            continue
        parts = [part.strip() for part in keys.split(",")]
        bad = next((problem for part in parts if (problem := key_problem(part))), None)
        if bad:
            problems.append(f"{where}: {bad}; the binding keeps its key")
            continue
        pressed = next((part for part in parts if binding_id in _DIALOG_ANSWERS and _normal(part) in _BUTTON_KEYS), None)
        if pressed:
            # Accepted, it never answered: the focused button (No, at first) takes the key.
            problems.append(f"{where}: {one_line(pressed, 20)} presses the focused button in a dialog; the binding keeps its key")
            continue
        usable[binding_id] = [_normal(part) for part in parts]
    # A remap left out gives its binding its own key back, which may be another remap's:
    # again until none clashes (each round leaves one out at least).
    in_file = list(keymap)
    clashed: dict[str, str] = {}
    while clashes := _clashes(by_class, usable):
        left_out: set[str] = set()
        # The last listed first, so that of two given one key the first listed keeps it,
        # whichever of the classes holding them was looked at first.
        for name, (key, others) in sorted(clashes.items(), key=lambda clash: in_file.index(clash[0]), reverse=True):
            if left_out.intersection(others):
                continue
            del usable[name]
            left_out.add(name)
            holders = ", ".join(f"{other} ({owner})" for other, owner in others.items())
            swap = f"give {next(iter(others))} another key" if len(others) == 1 else "give those other keys"
            clashed[name] = (
                f"[keys] {name}: {one_line(key, 20)} is also the key of {holders}; ignored, the binding keeps its key "
                f"({swap} too to swap them)"
            )
    problems += [clashed[name] for name in in_file if name in clashed]
    return {binding_id: keymap[binding_id] for binding_id in usable}, problems


def _clashes(
    by_class: Mapping[type[DOMNode], list[Binding]], keymap: Mapping[str, list[str]]
) -> dict[str, tuple[str, dict[str, str]]]:
    """Remapped bindings whose key other bindings of one scope have: by the remapped id,
    the key and the others' ids with the class that declares them. A scope is what one key
    press meets: a class's bindings, with those of the widgets it holds down to the focused
    one, and for a screen the app's."""
    from textual.app import App
    from textual.screen import Screen

    app_bindings = [b for cls, bindings in by_class.items() if issubclass(cls, App) for b in bindings]
    declared_by = {
        binding.id: cls.__name__
        for cls in by_class
        for binding in cls.__dict__["BINDINGS"]
        if isinstance(binding, Binding) and binding.id
    }
    merged: dict[type[DOMNode], list[Binding]] = dict(by_class)
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for cls in by_class:
        for chain in focus_chains(cls):
            scope = [b for held in chain for b in merged.setdefault(held, _bindings(held))]
            # A screen's keys come before the app's: a key on both means one of them is lost.
            if issubclass(cls, Screen):
                scope += app_bindings
            _clashes_in(scope, keymap, declared_by, found)
    return found


def _clashes_in(
    scope: list[Binding],
    keymap: Mapping[str, list[str]],
    declared_by: Mapping[str, str],
    found: dict[str, tuple[str, dict[str, str]]],
) -> None:
    owners: dict[str, list[Binding]] = {}
    for binding in scope:
        if binding.id is None:  # Textual's own defaults (ctrl+q quits anyway)
            continue
        for key in keymap.get(binding.id, [binding.key]):
            owners.setdefault(key, []).append(binding)
    for key, holders in owners.items():
        named = {b.id or b.action: b for b in holders}
        # Only a key the user gave: a default overlap (q quits, and closes the help
        # screen) is the design.
        remapped = [name for name in named if name in keymap and key != named[name].key]
        for name in remapped:
            for other in named:
                if other != name and named[other].action != named[name].action:
                    found.setdefault(name, (key, {}))[1].setdefault(other, declared_by.get(other, "?"))


#: The problems one toast lists: each takes a few lines, and ``config check`` lists them all.
TOAST_PROBLEMS = 3


def problems_toast(problems: Sequence[str]) -> tuple[str, str]:
    """The title and text of the one toast that says ``problems`` at start: a toast each
    stacked five of them over the screen."""
    count = len(problems)
    shown = list(problems[:TOAST_PROBLEMS])
    if count > TOAST_PROBLEMS:
        shown.append(f"and {count - TOAST_PROBLEMS} more: flowsynx-tui config check lists every one.")
    return f"[keys]: {count} {'entry' if count == 1 else 'entries'} not applied", "\n".join(shown)


def key_shown(screen: Screen[object], binding_id: str, default: str) -> str:
    """The key a binding working on ``screen`` has now (``[keys]`` may have remapped it), as
    the footer shows it: for text that tells the user what to press."""
    for active in screen.active_bindings.values():
        if active.binding.id == binding_id:
            return screen.app.get_key_display(active.binding)
    return default
