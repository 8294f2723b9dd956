"""``flowsynx-tui config path|check|init`` and ``flowsynx-tui completion SHELL``."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowsynx_tui.config import (
    ConfigError,
    config_path_from,
    load_config_file,
    resolve_settings,
    screenshot_dir_from,
    unused_profiles_warning,
)
from flowsynx_tui.text import one_line

if TYPE_CHECKING:
    from flowsynx_tui.api.auth import Credentials

PROG = "flowsynx-tui"

TEMPLATE = """\
# flowsynx-tui configuration. Every key is checked at start: a typo or a wrong type stops
# the dashboard with one line naming the key. `flowsynx-tui config check` shows what each
# profile resolves to. Precedence: command-line flags, then the environment
# (FLOWSYNX_URL, FLOWSYNX_TOKEN, FLOWSYNX_USERNAME, FLOWSYNX_PASSWORD), then the profile.

# The profile used without --profile.
default_profile = "local"

# Ring the terminal bell when a new approval is waiting.
bell = true

# The look: one of Textual's themes, e.g. nord, gruvbox, dracula, textual-light (--theme
# for one run; ctrl+p, Theme lists them all). A theme picked there is written here.
# theme = "textual-dark"

# Where ctrl+s saves an SVG screenshot of the screen (default: the working directory).
# screenshot_dir = "~/Pictures"

[profiles.local]
url = "http://localhost:6262"
auth = "none"                   # none | basic | bearer
# username = "admin"            # basic auth; the password comes from FLOWSYNX_PASSWORD
refresh = 2.0                   # seconds between polls, 0.2 to 3600
read_only = false               # true hides start/cancel/approve/reject
background_rate = 20.0          # requests/s for what is not on screen, 0.1 to 1000
live = true                     # status changes from the server's hub; false polls only
# system_ca = true              # trust the operating system's CA store (a corporate CA)

# [profiles.prod]
# url = "https://flowsynx.example.com"
# auth = "bearer"               # the token comes from FLOWSYNX_TOKEN (or a prompt)
# read_only = true

# Secrets are better kept in the environment; a profile may hold password = "..." or
# token = "...", and then this file must stay readable by you alone (it is created 0600).

[keys]
# binding id = "comma-separated keys"; the help screen (?) lists the ids.
# "app.quit" = "q,ctrl+q"
# "log.follow" = "F"
"""


def run_config_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "completion":
        from flowsynx_tui.completion import completion_script

        sys.stdout.write(completion_script(parser, args.shell))
        return 0
    path, named = config_path_from(getattr(args, "config", None))
    if args.action == "path":
        print(path)
        return 0
    if args.action == "profiles":
        return _print_profiles(path)
    if args.action == "init":
        return _init(path)
    # The dashboard's own flags are not the file: say so rather than seem to check them.
    ignored = [flag for flag, given in (("--url", getattr(args, "url", None)), ("--token", getattr(args, "token", None)),
                                        ("--username", getattr(args, "username", None)),
                                        ("--password", getattr(args, "password", None))) if given is not None]
    if ignored:
        print(f"{PROG}: warning: config check reads the config file only; {', '.join(ignored)} not checked", file=sys.stderr)
    return _check(path, named, only=getattr(args, "profile", None))


def _print_profiles(path: Path) -> int:
    # Called by the completion scripts on every TAB: quiet whatever the file holds.
    try:
        data, _ = load_config_file(path)
    except ConfigError:
        return 0
    for name in sorted(data.get("profiles", {})):
        print(name)
    return 0


def _init(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_EXCL: never overwrite a file someone wrote by hand; 0600 from the first byte,
        # since the user may add a password to it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"config file {path} already exists; not overwriting it") from None
    except OSError as error:
        raise ConfigError(f"cannot write config file {path}: {error.strerror or errno.errorcode.get(error.errno, error)}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(TEMPLATE)
    print(f"wrote {path}")
    return 0


def _check(path: Path, named: bool, only: str | None = None) -> int:
    """``only``: the one profile to check (``--profile``)."""
    if not path.exists():
        if named or only is not None:
            raise ConfigError(f"config file {path}: no such file" + (f" (for --profile {only})" if only else ""))
        print(f"{path}: no config file; the defaults apply ({PROG} config init writes one)")
        return 0
    data, read_warnings = load_config_file(path)
    warnings = list(read_warnings)
    for warning in warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    profiles = sorted(data.get("profiles", {}))
    if only is not None:
        if only not in profiles:
            known = ", ".join(profiles) or "none defined"
            raise ConfigError(f"unknown profile {only!r} (profiles: {known})")
        profiles = [only]
    default = data.get("default_profile")
    if profiles and default is None and only is None:
        warnings.append(unused_profiles_warning(data.get("profiles", {})))
        print(f"{PROG}: warning: {warnings[-1]}", file=sys.stderr)
    lines = [
        f"  bell: {'on' if data.get('bell', True) else 'off'}",
        f"  theme: {data.get('theme') or 'textual-dark (the default)'}",
        f"  screenshots: {screenshot_dir_from(data.get('screenshot_dir'), path) or 'the working directory'}",
    ]
    keys = data.get("keys", {})
    applied, key_problems = _checked_keymap(keys)
    for problem in key_problems:
        print(f"{PROG}: warning: {problem}", file=sys.stderr)
    for binding, key in keys.items():
        # An entry the dashboard ignores is not listed as if it were applied.
        listed = f"  keys: {one_line(binding, 60)} = {one_line(str(key), 40)}"
        lines.append(listed + ("" if binding in applied else " (not applied: see the warning)"))
    if not profiles:
        lines.append("  no profiles: the defaults apply")
    failed = 0
    for name in profiles:
        label = f"profile {name}" + (" (default)" if name == default else "")
        try:
            # As the dashboard would start with --profile NAME: the environment counts.
            settings = resolve_settings(profile=name, config_path=path)
        except ConfigError as error:
            lines.append(f"  {label}: error: {error}")
            failed += 1
            continue
        lines.append(
            f"  {label}: {settings.url}, auth {settings.auth or 'auto'} ({_who(settings.credentials, data, name)}), "
            f"refresh {settings.refresh:g} s, read-only {'yes' if settings.read_only else 'no'}, "
            f"background {settings.background_rate:g}/s, live {'yes' if settings.live else 'no'}"
        )
    # The first line says how it went: it said "ok" above a profile that failed.
    if failed:
        print(f"{path}: {failed} profile{'s' if failed > 1 else ''} with errors")
    elif key_problems or warnings:
        count = len(key_problems) + len(warnings)
        print(f"{path}: ok, with {count} warning{'s' if count > 1 else ''} (on stderr)")
    else:
        print(f"{path}: ok")
    print("\n".join(lines))
    return 2 if failed else 0


def _who(credentials: Credentials | None, data: dict[str, Any], profile: str) -> str:
    """Who signs in, and whether a secret is there (never what it is)."""
    from flowsynx_tui.api.auth import BasicCredentials  # loaded by resolve_settings already

    if isinstance(credentials, BasicCredentials):
        if not credentials.password:
            return f"basic as {credentials.who}, no password: asked at sign-in"
        return f"basic as {credentials.who}, password ****"
    if credentials is not None:
        return "bearer token ****"
    given = data.get("profiles", {}).get(profile, {})
    given = given if isinstance(given, dict) else {}
    if given.get("auth") == "bearer":
        return "no credentials: auth bearer needs a token, from token = ..., FLOWSYNX_TOKEN or --token"
    if given.get("password") or os.environ.get("FLOWSYNX_PASSWORD"):
        return "no credentials: a password is set but no user name, so it is not used"
    return "no credentials"


def _checked_keymap(keys: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    if not keys:
        return {}, []
    from flowsynx_tui.keymap import checked_keymap

    return checked_keymap(keys)
