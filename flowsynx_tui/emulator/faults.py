"""Fault injection: slow, failing, broken and lying responses, switchable at runtime.

All switches are off by default. Tests change them on a live emulator (``emu.faults.drop_rate =
1.0``); the CLI passes a spec string to ``Faults.parse``, for example::

    latency=2,jitter=3,error_rate=0.1,drop_rate=0.05,malformed_rate=0.05,
    wrong_types_rate=0.05,token_requests=50,token_seconds=60,seed=7

What each switch does to a request:

* ``latency`` / ``latency_jitter``: wait ``latency + uniform(0, jitter)`` seconds first.
* ``error_rate``: answer 500 with a PascalCase error body (what the exception middleware
  writes) or 503 with an empty body (what the rate limiter writes), without running the route.
* ``drop_rate``: run the route, then send the headers and half of the body and close the
  connection, so the client sees a protocol error.
* ``malformed_rate``: 200 with a truncated, invalid JSON body.
* ``wrong_types_rate``: valid JSON, but one field has the wrong type (``"status": 42``,
  ``"executionStart": "yesterday"``, ``"data": "oops"``).
* ``only``: the faults above hit only requests whose path matches this regular expression
  (e.g. ``only=/approvals``, ``only=/executions$`` for the list alone), so one kind of
  request can fail while the rest answer.
* ``hub``: ``on`` (default); ``missing``: the SignalR hub answers 404 (negotiate and upgrade),
  as a v1.2.x server; ``blocked``: negotiate answers, the WebSocket upgrade is refused, as
  behind a proxy that does not pass WebSockets.
* ``hub_drop_rate``: before each message the hub sends (event or ping), cut the connection
  with this probability, without a close message.
* ``token_expires_after_requests`` / ``token_expires_after_seconds``: after that many
  authenticated requests / seconds every authenticated request gets 401, as if the session
  expired, until ``reset_token()`` or a new ``Emulator.issue_token``. Anonymous routes
  (``/version``, ``/health``) are not affected and not counted.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any, Callable

# Spec keys accepted by ``Faults.parse`` besides the field names themselves.
_SPEC_ALIASES = {
    "jitter": "latency_jitter",
    "errors": "error_rate",
    "drops": "drop_rate",
    "malformed": "malformed_rate",
    "wrong_types": "wrong_types_rate",
    "token_requests": "token_expires_after_requests",
    "token_seconds": "token_expires_after_seconds",
}
_TOKEN_FIELDS = frozenset({"token_expires_after_requests", "token_expires_after_seconds"})


@dataclass
class Faults:
    latency: float = 0.0
    latency_jitter: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    wrong_types_rate: float = 0.0
    only: str = ""
    hub: str = "on"
    hub_drop_rate: float = 0.0
    token_expires_after_requests: int | None = None
    token_expires_after_seconds: float | None = None
    seed: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _token_requests: int = field(default=0, init=False, repr=False, compare=False)
    _token_since: float = field(default_factory=time.monotonic, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        # Setting an expiry starts its countdown then, not at construction time.
        if name in _TOKEN_FIELDS and "_token_since" in self.__dict__:
            self.reset_token()

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Build from ``"key=value,key=value"``; raises ``ValueError`` naming the bad part."""
        known = {f.name: f for f in fields(cls) if not f.name.startswith("_")}
        values: dict[str, Any] = {}
        for part in filter(None, (piece.strip() for piece in spec.split(","))):
            key, separator, raw = part.partition("=")
            name = _SPEC_ALIASES.get(key.strip().lower(), key.strip().lower())
            if not separator or name not in known:
                accepted = sorted(set(known) | set(_SPEC_ALIASES))
                raise ValueError(f"unknown fault {key.strip()!r}; use one of: {', '.join(accepted)}")
            values[name] = _convert(name, raw.strip())
        return cls(**values)

    def describe(self) -> str:
        active = [
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if not f.name.startswith("_") and f.name != "seed" and getattr(self, f.name)
            and not (f.name == "hub" and self.hub == "on")
        ]
        return ", ".join(active) if active else "none"

    # -- decisions, all thread-safe --------------------------------------------------------------

    def applies_to(self, path: str) -> bool:
        return not self.only or re.search(self.only, path, re.IGNORECASE) is not None

    def roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def delay(self) -> float:
        with self._lock:
            jitter = self._rng.uniform(0, self.latency_jitter) if self.latency_jitter > 0 else 0.0
        return max(self.latency, 0.0) + jitter

    def pick(self, choices: list[Any]) -> Any:
        with self._lock:
            return self._rng.choice(choices)

    def count_token_use(self) -> bool:
        """Count one authenticated request; True when the simulated token has expired."""
        with self._lock:
            self._token_requests += 1
            limit = self.token_expires_after_requests
            seconds = self.token_expires_after_seconds
            if limit is not None and self._token_requests > limit:
                return True
            return seconds is not None and time.monotonic() - self._token_since >= seconds

    def reset_token(self) -> None:
        with self._lock:
            self._token_requests = 0
            self._token_since = time.monotonic()


HUB_MODES = ("on", "missing", "blocked")


def _convert(name: str, raw: str) -> Any:
    if name == "hub":
        if raw.lower() not in HUB_MODES:
            raise ValueError(f"fault hub is one of {', '.join(HUB_MODES)}, got {raw!r}")
        return raw.lower()
    if name == "only":
        try:
            re.compile(raw)
        except re.error as error:
            raise ValueError(f"fault only needs a regular expression: {error}") from None
        return raw
    try:
        value: float = int(raw) if name in ("token_expires_after_requests", "seed") else float(raw)
    except ValueError:
        raise ValueError(f"fault {name} needs a number, got {raw!r}") from None
    # Out of range would not fail here but later, deep in a request, or never (a rate of 2
    # is just "always"): refuse it where the user typed it.
    if name.endswith("_rate") and not 0 <= value <= 1:
        raise ValueError(f"fault {name} is a probability from 0 to 1, got {raw!r}")
    if name != "seed" and not (math.isfinite(value) and value >= 0):
        raise ValueError(f"fault {name} needs a number from 0 up, got {raw!r}")
    return value


class DroppedConnection(Exception):
    """Raised after a partial body so the server closes the connection mid-response."""


def wrong_types(body: Any, pick: Callable[[list[Any]], Any]) -> Any:
    """Give one field of a FlowSynx envelope the wrong type."""
    if not isinstance(body, dict):
        return "oops"
    data = body.get("data")
    target = data
    if isinstance(data, list) and data and isinstance(data[0], dict):
        target = pick(data)
    candidates: list[tuple[str, Any]] = []
    if isinstance(target, dict):
        for key, wrong in (
            ("status", 42),
            ("executionStart", "yesterday"),
            ("startTime", "yesterday"),
            ("timeStamp", "yesterday"),
            ("id", 12345),
            ("name", ["not", "a", "string"]),
            ("level", 3),
        ):
            if key in target:
                candidates.append((key, wrong))
    if isinstance(body.get("pagination"), dict):
        candidates.append(("pagination.totalCount", "many"))
    candidates.append(("data", "oops"))
    key, wrong = pick(candidates)
    if key == "data":
        body["data"] = wrong
    elif key == "pagination.totalCount":
        body["pagination"]["totalCount"] = wrong
    else:
        target[key] = wrong
    return body


def truncated_json(body: bytes) -> bytes:
    cut = max(len(body) // 2, 1)
    return body[:cut] if body[:1] in (b"{", b"[") else b'{"data": [{"id": '


def reserialise(body: bytes, pick: Callable[[list[Any]], Any]) -> bytes | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return json.dumps(wrong_types(parsed, pick), separators=(",", ":")).encode()
