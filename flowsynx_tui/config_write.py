"""Writing one setting back into the user's config file: the theme picked in the palette.

The file is the user's: its comments, its order and its mode stay as they are. So the text
is edited (one ``theme = ...`` line replaced or added at the top level), never rebuilt
from the parsed table, and the edit is parsed again before it replaces the file, which is
renamed into place so a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import tomllib
from pathlib import Path

# A top-level ``theme`` line; the value is a TOML basic or literal string on one line, and
# whatever follows it (a comment) is kept.
_THEME_LINE = re.compile(
    r"""^(?P<head>[ \t]*(?:theme|"theme"|'theme')[ \t]*=[ \t]*)"""
    r"""(?P<value>"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*')?(?P<tail>[^\r\n]*)$"""
)
# The commented-out line of ``config init``'s template, under which the real one goes.
_COMMENTED_THEME = re.compile(r"^[ \t]*#[ \t]*theme[ \t]*=")
_TABLE_HEADER = re.compile(r"^[ \t]*\[")
_KEY_LINE = re.compile(r"^[ \t]*[A-Za-z0-9_\"'-]")
_NEW_FILE = "# flowsynx-tui configuration (flowsynx-tui config init writes a commented template).\n"


class ConfigWriteError(Exception):
    """The setting could not be written; the message is one line for the user."""


def remember_theme(path: Path, theme: str) -> bool:
    """Set the top-level ``theme`` of the config file at ``path`` (created 0600 when there
    is none); False when it already said so."""
    target = Path(os.path.realpath(path))  # a symlinked dotfile stays a symlink
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        raw = None
    except OSError as error:
        raise ConfigWriteError(f"cannot read {path}: {error.strerror or error}") from None
    if raw is None:
        _write(target, _NEW_FILE + f"theme = {json.dumps(theme)}\n", mode=0o600)
        return True
    try:
        text = raw.decode("utf-8")
        before = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise ConfigWriteError(f"{path} is not valid TOML now; not editing it") from None
    edited = set_top_level_theme(text, theme)
    if edited == text:
        return False
    try:
        after = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        after = None
    if after != {**before, "theme": theme}:
        # An unusual layout (a theme inside a multi-line string, a dotted key): better no
        # edit than a wrong one.
        raise ConfigWriteError(f"cannot edit {path} safely; add theme = {json.dumps(theme)} at its top yourself")
    _write(target, edited, mode=stat.S_IMODE(target.stat().st_mode))
    return True


def set_top_level_theme(text: str, theme: str) -> str:
    """``text`` with its top-level ``theme`` set to ``theme``, everything else as it was."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    value = json.dumps(theme)
    top = next((i for i, line in enumerate(lines) if _TABLE_HEADER.match(line)), len(lines))
    for i in range(top):
        body = lines[i].rstrip("\r\n")
        match = _THEME_LINE.match(body)
        if match:
            lines[i] = f"{match['head']}{value}{match['tail']}{lines[i][len(body):]}"
            return "".join(lines)
    line = f"theme = {value}{newline}"
    commented = [i for i in range(top) if _COMMENTED_THEME.match(lines[i])]
    keys = [i for i in range(top) if _KEY_LINE.match(lines[i]) and not lines[i].lstrip().startswith("#")]
    if commented:
        at = commented[-1] + 1
    elif keys:
        at = keys[-1] + 1
    elif top < len(lines):
        # Before the first table and the comments that lead into it, which are about it.
        at = top
        while at > 0 and lines[at - 1].lstrip().startswith("#"):
            at -= 1
        line += newline
    else:
        at = len(lines)
    if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
        lines[at - 1] += newline
    lines.insert(at, line)
    return "".join(lines)


def _write(target: Path, text: str, *, mode: int) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise ConfigWriteError(f"cannot write to {target.parent}: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigWriteError(f"cannot write {target}: {error.strerror or error}") from None
