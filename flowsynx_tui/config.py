"""Settings: command line over environment over config-file profile over defaults.

The config file is TOML in the platformdirs user config directory::

    default_profile = "prod"
    bell = true                 # ring the terminal bell on a new pending approval
    theme = "nord"              # a Textual theme; the one picked in the palette is written here
    screenshot_dir = "~/shots"  # where ctrl+s saves (default: the working directory)

    [profiles.prod]
    url = "https://flowsynx.example.com"
    auth = "bearer"             # none | basic | bearer
    refresh = 5.0
    read_only = true
    background_rate = 10.0      # requests/s for what is not on screen (default 20)
    live = true                 # status changes from the server's hub (false: poll only)
    system_ca = true            # trust the operating system's CA store (corporate CAs)

    [profiles.local]
    url = "http://localhost:6262"
    auth = "basic"
    username = "admin"

    [keys]                      # binding id = comma-separated keys
    "app.quit" = "q,ctrl+q"
    "log.follow" = "F"

The file is ``--config PATH``, else ``FLOWSYNX_TUI_CONFIG``, else the default above; a
file named either way must exist. Every key is checked (``config_file``): a typo, a wrong
type or a value out of range is one line naming the key, never a silent default.

Secrets belong in the environment (FLOWSYNX_PASSWORD, FLOWSYNX_TOKEN) or a prompt.
A profile may hold ``password``/``token``, but then the file must not be readable by
other users: the app warns when it is.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from platformdirs import user_config_dir

if TYPE_CHECKING:
    from flowsynx_tui.api.auth import Credentials

APP_NAME = "flowsynx-tui"
DEFAULT_URL = "http://localhost:6262"
DEFAULT_REFRESH = 2.0
#: Requests per second for what is not on screen (matching executions to workflows).
DEFAULT_BACKGROUND_RATE = 20.0
BACKGROUND_RATE_RANGE = (0.1, 1000.0)
AUTH_KINDS = ("none", "basic", "bearer")
#: Textual's built-in themes, so that a valid name is checked without importing Textual
#: (0.3 s, which ``watch`` and completion's ``config profiles`` would pay); a name not
#: listed is looked up in Textual itself, which may be newer (tests/test_look.py).
THEMES = (
    "textual-dark", "textual-light", "nord", "gruvbox", "catppuccin-mocha", "dracula", "tokyo-night",
    "monokai", "flexoki", "catppuccin-latte", "catppuccin-frappe", "catppuccin-macchiato",
    "solarized-light", "solarized-dark", "rose-pine", "rose-pine-moon", "rose-pine-dawn",
    "atom-one-dark", "atom-one-light", "ansi-dark", "ansi-light",
)


class ConfigError(Exception):
    """A setting is wrong; the message is one line meant for the user."""


def theme_problem(name: str) -> str | None:
    """None when Textual has a theme ``name``; else one line naming the themes there are."""
    if name in THEMES:
        return None
    import difflib

    from textual.theme import BUILTIN_THEMES

    if name in BUILTIN_THEMES:
        return None
    close = difflib.get_close_matches(name, list(BUILTIN_THEMES), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown theme {name[:40]!r}{hint}; themes: {', '.join(BUILTIN_THEMES)}"


def default_config_path() -> Path:
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class Settings:
    url: str = DEFAULT_URL
    credentials: Credentials | None = None
    refresh: float = DEFAULT_REFRESH
    read_only: bool = False
    bell: bool = True
    keymap: Mapping[str, str] = field(default_factory=dict)
    profile: str | None = None
    #: Every profile of the config file (the server switcher lists them) and that file.
    profiles: tuple[str, ...] = ()
    config_path: Path | None = None
    #: The profile's auth kind (none/basic/bearer), when it names one.
    auth: str | None = None
    verify: bool | str = True
    #: Trust the operating system's CA store instead of certifi's bundle (``--system-ca``).
    system_ca: bool = False
    insecure: bool = False
    warnings: tuple[str, ...] = ()
    #: The background request budget, requests per second.
    background_rate: float = DEFAULT_BACKGROUND_RATE
    #: Where the execution-to-workflow cache goes; None: ``FLOWSYNX_TUI_CACHE_DIR``, else
    #: the user cache directory.
    cache_dir: Path | None = None
    #: Listen to the server's hub for status changes (``--no-live``: poll only).
    live: bool = True
    #: A Textual theme (``--theme``, else the file's ``theme``); None: Textual's default.
    theme: str | None = None
    #: Where ctrl+s saves screenshots; None: the working directory.
    screenshot_dir: Path | None = None

    @property
    def user_label(self) -> str:
        return self.credentials.who if self.credentials else "no auth"


def config_path_from(flag: Path | None, environ: Mapping[str, str] | None = None) -> tuple[Path, bool]:
    """Where the config file is read from, and whether the user named it (``--config`` or
    ``FLOWSYNX_TUI_CONFIG``): a file the user named must exist, the default one need not."""
    env = os.environ if environ is None else environ
    if flag is not None:
        return flag, True
    named = env.get("FLOWSYNX_TUI_CONFIG")
    if named:
        return Path(named).expanduser(), True
    return default_config_path(), False


def load_config_file(path: Path, *, required: bool = False) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The parsed, validated file (empty when missing) and warnings about it."""
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path}: no such file")
        return {}, ()
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    from flowsynx_tui.config_file import parse_config_bytes

    data, model = parse_config_bytes(raw, path)
    if model.default_profile is not None and model.default_profile not in model.profiles:
        known = ", ".join(sorted(model.profiles)) or "none defined"
        raise ConfigError(
            f"config file {path}: default_profile: no profile {model.default_profile!r} (profiles: {known})"
        )
    warnings: list[str] = []
    if _holds_secret(data) and _readable_by_others(path):
        warnings.append(
            f"config file {path} holds a password or token and is readable by other users; run: chmod 600 {path}"
        )
    return data, tuple(warnings)


def _holds_secret(data: Mapping[str, Any]) -> bool:
    profiles = data.get("profiles")
    if not isinstance(profiles, dict):
        return False
    return any(isinstance(p, dict) and ("password" in p or "token" in p) for p in profiles.values())


def _readable_by_others(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


def validate_url(url: str) -> str:
    if not url.strip():
        raise ConfigError("bad URL '': expected http://host:port or https://host:port")
    if any(char.isspace() or not char.isprintable() for char in url):
        # httpx would send it anyway and wait for a host that cannot exist.
        raise ConfigError(f"bad URL {url[:80]!r}: spaces and control characters are not allowed")
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise ConfigError(f"bad URL {url[:80]!r}: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"bad URL {url!r}: expected http://host:port or https://host:port")
    if parts.username or parts.password:
        # Credentials in a URL end up in error messages and shell history.
        raise ConfigError("put credentials in --username/--password or --token, not in the URL")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        # Every route is appended to the URL: "/?x=1" made each request "/?x=1/workflows".
        raise ConfigError(f"bad URL {url[:80]!r}: no ?query or #fragment (the server's address, and a path if it has one)")
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"bad URL {url!r}: the port is not a number from 0 to 65535") from None
    return url.rstrip("/")


def is_loopback(url: str) -> bool:
    """The host is this machine by name or address: ``localhost``, 127.0.0.0/8 or ::1.
    Exact: ``127.evil.example`` is a name anyone can point anywhere."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _profile_url(chosen: Mapping[str, Any]) -> str:
    """The server a profile is for."""
    url = chosen.get("url")
    return DEFAULT_URL if url is None else str(url).rstrip("/")


def _same_server(one: str, other: str) -> bool:
    """``HTTP://Host:80/`` and ``http://host``: one server, as the URL says it."""
    a, b = urlsplit(one), urlsplit(other)
    default = {"http": 80, "https": 443}
    try:
        ports = (a.port or default.get(a.scheme.lower())), (b.port or default.get(b.scheme.lower()))
    except ValueError:
        return False
    return (a.scheme.lower(), (a.hostname or ""), ports[0], a.path.rstrip("/")) == (
        b.scheme.lower(), (b.hostname or ""), ports[1], b.path.rstrip("/")
    )


def unused_profiles_warning(profiles: Mapping[str, Any]) -> str:
    names = ", ".join(sorted(profiles))
    return f"no default_profile names one of the profiles ({names}): none is used without --profile NAME"


def resolve_settings(
    *,
    url: str | None = None,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    profile: str | None = None,
    refresh: float | None = None,
    read_only: bool | None = None,
    background_rate: float | None = None,
    live: bool | None = None,
    ca_cert: str | None = None,
    system_ca: bool | None = None,
    insecure: bool = False,
    theme: str | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    # Here, not at the top: the api package brings httpx and pydantic, which --help and
    # --version must not wait for.
    from flowsynx_tui.api.auth import BasicCredentials, BearerCredentials

    env = os.environ if environ is None else environ
    if config_path is None:
        config_path, named = config_path_from(None, env)
    else:
        named = False
    data, file_warnings = load_config_file(config_path, required=named)
    profiles: Mapping[str, Any] = data.get("profiles", {})
    name = profile or data.get("default_profile")
    chosen: Mapping[str, Any] = {}
    if name is not None:
        if name not in profiles:
            known = ", ".join(sorted(profiles)) or "none defined"
            raise ConfigError(f"unknown profile {name!r} (profiles: {known})")
        chosen = profiles[name]

    if url is not None:
        final_url = validate_url(url)
    elif env.get("FLOWSYNX_URL"):
        final_url = validate_url(env["FLOWSYNX_URL"])
    elif chosen.get("url") is not None:
        try:
            final_url = validate_url(chosen["url"])
        except ConfigError as error:
            raise ConfigError(f"config file {config_path}: profiles.{name}.url: {error}") from None
    else:
        final_url = DEFAULT_URL
    kind = chosen.get("auth") or None
    warnings = list(file_warnings)
    if name is None and profiles and url is None and not env.get("FLOWSYNX_URL"):
        # Else the dashboard went to localhost:6262 without a word about the profile written.
        warnings.append(f"{unused_profiles_warning(profiles)}; connecting to {final_url}")
    secrets = chosen
    if name is not None and profile is None and not _same_server(final_url, _profile_url(chosen)):
        # The default profile, not named, and another server: its secrets stay with its own
        # server (a --url to a test box must not carry production's token there), and the
        # header names no profile. Its other settings still apply, as documented.
        secrets = {}
        kept = [what for what in ("token", "password") if chosen.get(what)]
        if kept:
            warnings.append(
                f"default profile {name!r} is for {_profile_url(chosen)}: its {' and '.join(kept)} "
                f"{'is' if len(kept) == 1 else 'are'} not sent to {final_url} (--profile {name} sends {'it' if len(kept) == 1 else 'them'})"
            )
        name_shown = None
    else:
        name_shown = name
    final_token = token or env.get("FLOWSYNX_TOKEN") or secrets.get("token")
    final_user = username or env.get("FLOWSYNX_USERNAME") or chosen.get("username")
    final_password = password or env.get("FLOWSYNX_PASSWORD") or secrets.get("password")
    profile_user = chosen.get("username")
    if (
        not (password or env.get("FLOWSYNX_PASSWORD"))
        and secrets.get("password")
        and profile_user is not None
        and final_user != profile_user
    ):
        # The profile's password is its user's: not sent under another name.
        final_password = None
        warnings.append(
            f"profile {name!r}'s password is for {profile_user[:40]!r}, not {final_user[:40]!r}: it is not sent "
            "(give this user's password with FLOWSYNX_PASSWORD)"
        )

    credentials: Credentials | None = None
    if final_token and kind != "basic":
        credentials = BearerCredentials(final_token)
        if final_user:
            warnings.append(f"a token and a user name ({final_user[:40]!r}) were given: the token is sent, the user name is not used")
    elif final_user and kind != "bearer":
        credentials = BasicCredentials(final_user, final_password or "")
    elif kind == "basic" and not final_user:
        raise ConfigError(f"profile {name!r} uses basic auth but no username is set")

    final_refresh = refresh if refresh is not None else chosen.get("refresh", DEFAULT_REFRESH)
    if not 0.2 <= float(final_refresh) <= 3600:
        raise ConfigError("refresh must be a number of seconds between 0.2 and 3600")
    final_read_only = read_only if read_only else bool(chosen.get("read_only", False))
    final_rate = chosen.get("background_rate", DEFAULT_BACKGROUND_RATE) if background_rate is None else background_rate
    low, high = BACKGROUND_RATE_RANGE
    if isinstance(final_rate, bool) or not isinstance(final_rate, (int, float)) or not low <= final_rate <= high:
        raise ConfigError(f"background_rate must be a number of requests per second from {low:g} to {high:g}")
    final_live = chosen.get("live", True) if live is None else live
    keymap = data.get("keys", {})
    if theme is not None and (problem := theme_problem(theme)):
        raise ConfigError(f"--theme: {problem}")
    screenshot_dir = screenshot_dir_from(data.get("screenshot_dir"), config_path)

    if credentials is not None and urlsplit(final_url).scheme == "http" and not is_loopback(final_url):
        what = "The password" if isinstance(credentials, BasicCredentials) else "The token"
        warnings.append(f"{what} is sent over plain http:// to a non-local host: anyone on the path can read it")
    final_system_ca = chosen.get("system_ca", False) if system_ca is None else system_ca
    if not isinstance(final_system_ca, bool):
        raise ConfigError(f"profile {name!r}: system_ca must be true or false")
    verify: bool | str = True
    if ca_cert:
        if not Path(ca_cert).is_file():
            raise ConfigError(f"--ca-cert {ca_cert}: no such file")
        verify = ca_cert
    if insecure:
        verify = False
    elif isinstance(verify, str):
        _check_ca_bundle(verify)
    return Settings(
        url=final_url,
        credentials=credentials,
        refresh=float(final_refresh),
        read_only=final_read_only,
        bell=bool(data.get("bell", True)),
        keymap=dict(keymap),
        profile=name_shown,
        profiles=tuple(sorted(profiles)),
        config_path=config_path,
        auth=kind,
        verify=verify,
        system_ca=final_system_ca,
        insecure=insecure,
        warnings=tuple(warnings),
        background_rate=float(final_rate),
        live=final_live,
        theme=theme or data.get("theme"),
        screenshot_dir=screenshot_dir,
    )


def screenshot_dir_from(value: str | None, config_path: Path) -> Path | None:
    """The file's ``screenshot_dir``, absolute: a relative one is from where the dashboard
    started, not from wherever the working directory is when ctrl+s is pressed."""
    if value is None:
        return None
    path = Path(value).expanduser().absolute()
    if not path.is_dir():
        raise ConfigError(f"config file {config_path}: screenshot_dir: {value[:80]!r} is not a directory")
    return path


def _check_ca_bundle(path: str) -> None:
    """A file that is no CA bundle (``--ca-cert /etc/passwd``) is said at start in one line,
    not as a traceback from the first request's SSL context."""
    import ssl

    from flowsynx_tui.api.tls import ssl_context

    try:
        ssl_context("https://ca-check.invalid", cafile=path)
    except ssl.SSLError as error:
        raise ConfigError(f"--ca-cert {path}: not a PEM CA bundle ({error.reason or error})") from None
    except OSError as error:
        raise ConfigError(f"--ca-cert {path}: {error.strerror or error}") from None
