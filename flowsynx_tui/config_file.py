"""The config file's schema: every key typed, unknown keys refused, one line per mistake.

Imported only when a config file is actually read, so ``--help`` and ``--version`` never
pay for pydantic.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flowsynx_tui.config import BACKGROUND_RATE_RANGE, ConfigError, theme_problem

REFRESH_RANGE = (0.2, 3600.0)
_SECRETS = frozenset({"password", "token"})


class ProfileConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: str | None = None
    auth: Literal["none", "basic", "bearer"] | None = None
    username: str | None = None
    password: str | None = None
    token: str | None = None
    refresh: float | None = Field(None, ge=REFRESH_RANGE[0], le=REFRESH_RANGE[1])
    read_only: bool | None = None
    background_rate: float | None = Field(None, ge=BACKGROUND_RATE_RANGE[0], le=BACKGROUND_RATE_RANGE[1])
    live: bool | None = None
    system_ca: bool | None = None


class ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    default_profile: str | None = None
    bell: bool = True
    # The look is the user's, whichever server they watch: top level, not per profile.
    theme: str | None = None
    screenshot_dir: str | None = Field(None, min_length=1)
    profiles: dict[str, ProfileConfig] = Field(default_factory=dict)
    keys: dict[str, str] = Field(default_factory=dict)

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, value: str | None) -> str | None:
        if value is not None and (problem := theme_problem(value)):
            raise ValueError(problem)
        return value


# What each key takes, in the words of the file's user (not pydantic's).
_EXPECTED = {
    "default_profile": "a profile name in quotes",
    "bell": "true or false",
    "theme": 'a theme name in quotes, e.g. "nord"',
    "screenshot_dir": 'a directory in quotes, e.g. "~/Pictures"',
    "profiles": "tables such as [profiles.prod]",
    "keys": 'a table of binding ids and keys, e.g. "app.quit" = "q,ctrl+q"',
    "url": 'a URL in quotes, e.g. "http://localhost:6262"',
    "auth": '"none", "basic" or "bearer"',
    "username": "a string",
    "password": "a string",
    "token": "a string",
    "refresh": f"a number of seconds from {REFRESH_RANGE[0]:g} to {REFRESH_RANGE[1]:g}",
    "read_only": "true or false",
    "background_rate": (
        f"a number of requests per second from {BACKGROUND_RATE_RANGE[0]:g} to {BACKGROUND_RATE_RANGE[1]:g}"
    ),
    "live": "true or false",
    "system_ca": "true or false",
}


def parse_config_bytes(raw: bytes, path: Path) -> tuple[dict[str, Any], ConfigFile]:
    """The file's table and its validated model; ``ConfigError`` with one line otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = raw[error.start : error.start + 1].hex()
        raise ConfigError(f"config file {path}: not UTF-8 text (byte 0x{byte} at offset {error.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    try:
        model = ConfigFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"config file {path}: {describe_errors(error)}") from None
    return data, model


def describe_errors(error: ValidationError) -> str:
    problems = error.errors()
    first = _describe(problems[0])
    return first if len(problems) == 1 else f"{first} (and {len(problems) - 1} more)"


def _describe(problem: Any) -> str:
    loc = tuple(str(part) for part in problem["loc"])
    # A union (``float | None``) reports under the member's name; the user wrote no such key.
    loc = tuple(part for part in loc if part not in ("float", "bool", "str", "literal['none','basic','bearer']"))
    where = _key_path(loc)
    kind = problem["type"]
    if kind == "extra_forbidden":
        return f"{where}: unknown key{_suggestion(loc)}"
    field = _field_of(loc)
    if kind == "value_error" and field == "theme":
        return f"{where}: {problem['ctx']['error']}"
    if loc[:1] == ("profiles",) and len(loc) == 2:
        return f"{where}: expected a table [profiles.{_toml_key(loc[1])}] with url = ..., got {_shown(problem['input'])}"
    if loc[:1] == ("keys",) and len(loc) == 2:
        return f"{where}: expected a string of comma-separated keys (binding ids map to keys, e.g. \"app.quit\" = \"q\"), got {_shown(problem['input'])}"
    expected = _EXPECTED.get(field, "something else")
    got = "a secret of the wrong type" if field in _SECRETS else _shown(problem["input"])
    return f"{where}: expected {expected}, got {got}"


def _field_of(loc: tuple[str, ...]) -> str:
    if loc[:1] == ("profiles",) and len(loc) >= 3:
        return loc[2]
    return loc[0] if loc else ""


def _suggestion(loc: tuple[str, ...]) -> str:
    if loc[:1] == ("profiles",) and len(loc) == 3:
        known = list(ProfileConfig.model_fields)
    elif len(loc) == 1:
        known = list(ConfigFile.model_fields)
    else:
        return ""
    close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"


def _toml_key(part: str) -> str:
    bare = part.replace("_", "").replace("-", "").isalnum()
    return part if bare else json.dumps(part)


def _key_path(loc: tuple[str, ...]) -> str:
    return ".".join(_toml_key(part) for part in loc) or "(top level)"


def _shown(value: Any) -> str:
    """The value as TOML would spell it, cut short: the user recognises what they wrote."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        return "a table"
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
