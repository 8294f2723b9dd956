"""Credentials for the FlowSynx API.

A FlowSynx server authenticates with exactly one scheme: Basic or a JWT bearer
token (reference section 7.1). The secret is kept out of every ``repr``/``str`` so
that it cannot reach a log, a traceback or the screen by accident.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Generator
from dataclasses import dataclass, field

import httpx

MASK = "********"


@dataclass(frozen=True)
class BasicCredentials(httpx.Auth):
    username: str
    password: str = field(repr=False)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization
        yield request

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header's value (the hub's WebSocket sends it too)."""
        # The server compares the scheme word case-sensitively: it must be "Basic".
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    @property
    def kind(self) -> str:
        return "basic"

    @property
    def who(self) -> str:
        return self.username

    def __repr__(self) -> str:
        return f"BasicCredentials(username={self.username!r}, password={MASK!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class BearerCredentials(httpx.Auth):
    token: str = field(repr=False)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization
        yield request

    @property
    def authorization(self) -> str:
        return f"Bearer {self.token}"

    @property
    def kind(self) -> str:
        return "bearer"

    @property
    def who(self) -> str:
        """"token", and whose it says it is when it is a JWT (the claims are readable by
        anyone holding it; the signature, the secret part, is never shown): an operator
        with tokens for several users sees which one this session acts as."""
        name = _jwt_user(self.token)
        return f"token ({name})" if name else "token"

    def __repr__(self) -> str:
        return f"BearerCredentials(token={MASK!r})"

    __str__ = __repr__


def _jwt_user(token: str) -> str | None:
    """The user a JWT names (``preferred_username``, ``name``, ``email`` or ``sub``), or None
    for a token that is not one. Nothing is verified: it is a label, not a check."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[1]) > 8192:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    for claim in ("preferred_username", "name", "email", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            name = value.strip()
            return name if len(name) <= 40 else name[:40] + "…"
    return None


Credentials = BasicCredentials | BearerCredentials
