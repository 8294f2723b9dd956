"""Authentication modes and demo users of the emulator (section 7 of the API reference).

Modes:

* ``none``: like the server's default (authentication disabled). Every request runs as user id
  ``00000000-0000-0000-0000-000000000001``, name ``admin``, role ``admin``; credentials are ignored.
* ``basic``: ``Authorization: Basic base64(user:password)``, scheme word case-sensitive. Demo users:

  ========  ========  ================================  =====================================
  user      password  roles                             user id (owner of data)
  ========  ========  ================================  =====================================
  admin     admin     admin                             0960a93d-e42b-4987-bc07-7bda806a21c7
  operator  operator  executions, approvals             same as admin (sees the same data)
  viewer    viewer    executions (no approvals -> 403)  same as admin
  user      user      user (only /version, /metrics)    24546675-dfad-4df6-a1c4-e997e0f651ba
  other     other     admin                             7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
  ========  ========  ================================  =====================================

  ``other`` is a second data owner with no workflows, for per-user isolation checks. Sharing one
  user id between several logins is allowed by the real server's configuration.
* ``bearer``: HS256 JWTs made by ``Emulator.issue_token`` (claims ``sub`` = user id, ``name``,
  ``roles``, ``exp``). Unlike ASP.NET's JwtBearer there is no 5 minute clock skew, so a token is
  rejected the moment it expires. Failures answer 401 with ``WWW-Authenticate: Bearer ...``.

The original docs page names a role ``workflow`` (singular); the server has no such role (reference
7.2). The ``friendly`` fidelity profile accepts it as ``workflows`` + ``executions`` + ``approvals``
so clients written against that page work; the ``real`` profile does not (a user holding only
``workflow`` gets 403 everywhere, as on the server).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

AUTH_MODES = ("none", "basic", "bearer")

TOKEN_ISSUER = "flowsynx-emulator"
TOKEN_AUDIENCE = "flowsynx-backend"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DemoUser:
    password: str
    user: User


ADMIN_USER_ID = "0960a93d-e42b-4987-bc07-7bda806a21c7"
ANONYMOUS_ADMIN = User("00000000-0000-0000-0000-000000000001", "admin", ("admin",))

DEMO_USERS: dict[str, DemoUser] = {
    "admin": DemoUser("admin", User(ADMIN_USER_ID, "admin", ("admin",))),
    "operator": DemoUser("operator", User(ADMIN_USER_ID, "operator", ("executions", "approvals"))),
    "viewer": DemoUser("viewer", User(ADMIN_USER_ID, "viewer", ("executions",))),
    "user": DemoUser("user", User("24546675-dfad-4df6-a1c4-e997e0f651ba", "user", ("user",))),
    "other": DemoUser("other", User("7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "other", ("admin",))),
}

_ROLE_EXPANSION = {"workflow": ("workflows", "executions", "approvals")}


def effective_roles(roles: Iterable[str], legacy_workflow_role: bool = True) -> set[str]:
    """Role names, lowercased (the server compares them case-insensitively)."""
    granted = {role.lower() for role in roles}
    if legacy_workflow_role:
        for role, implied in _ROLE_EXPANSION.items():
            if role in granted:
                granted.update(implied)
    return granted


def has_any_role(user: User, required: Iterable[str], legacy_workflow_role: bool = True) -> bool:
    return bool(effective_roles(user.roles, legacy_workflow_role) & {role.lower() for role in required})


@dataclass(frozen=True)
class Identity:
    """Who made a request; ``challenge`` is the WWW-Authenticate value to send on a 401."""

    user: User | None
    challenge: str | None = None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claim_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _roles_from_claims(claims: Mapping[str, Any]) -> tuple[str, ...]:
    roles: list[str] = []
    for name in ("roles", "role", "groups"):
        roles.extend(_claim_list(claims.get(name)))
    realm = claims.get("realm_access")
    if isinstance(realm, dict):
        roles.extend(_claim_list(realm.get("roles")))
    resource = claims.get("resource_access")
    audience = resource.get(TOKEN_AUDIENCE) if isinstance(resource, dict) else None
    if isinstance(audience, dict):
        roles.extend(_claim_list(audience.get("roles")))
    return tuple(dict.fromkeys(roles))


class Authenticator:
    def __init__(self, mode: str, secret: bytes) -> None:
        if mode not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
        self.mode = mode
        self._secret = secret

    @property
    def admin(self) -> User:
        return ANONYMOUS_ADMIN if self.mode == "none" else DEMO_USERS["admin"].user

    def identify(self, authorization: str | None) -> Identity:
        if self.mode == "none":
            return Identity(ANONYMOUS_ADMIN)
        if self.mode == "basic":
            return Identity(self._basic_user(authorization))
        return self._bearer_identity(authorization)

    def _basic_user(self, authorization: str | None) -> User | None:
        if not authorization or not authorization.startswith("Basic "):
            return None
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        name, separator, password = decoded.partition(":")
        demo = DEMO_USERS.get(name)
        if not separator or demo is None or not hmac.compare_digest(demo.password, password):
            return None
        return demo.user

    def _bearer_identity(self, authorization: str | None) -> Identity:
        if not authorization or not authorization[:7].lower() == "bearer ":
            return Identity(None, "Bearer")
        claims = self.verify_token(authorization[7:].strip())
        if claims is None:
            return Identity(None, 'Bearer error="invalid_token"')
        expires = claims.get("exp")
        if not isinstance(expires, (int, float)) or expires <= time.time():
            stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(expires or 0))
            return Identity(
                None,
                f'Bearer error="invalid_token", error_description="The token expired at \'{stamp}\'"',
            )
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            return Identity(None, 'Bearer error="invalid_token"')
        name = claims.get("name") or claims.get("preferred_username") or subject
        return Identity(User(subject, str(name), _roles_from_claims(claims)))

    def issue_token(self, user: User, ttl_seconds: float) -> str:
        now = int(time.time())
        header = {"alg": "HS256", "typ": "JWT"}
        claims = {
            "sub": user.id,
            "name": user.name,
            "roles": list(user.roles),
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "iat": now,
            "nbf": min(now, int(now + ttl_seconds)),
            "exp": int(now + ttl_seconds),
        }
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = hmac.new(self._secret, signing_input.encode("ascii"), hashlib.sha256).digest()
        return f"{signing_input}.{_b64url(signature)}"

    def verify_token(self, token: str) -> dict[str, Any] | None:
        """Signature, algorithm, issuer and audience; expiry is checked by the caller."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, binascii.Error):
            return None
        if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
            return None
        try:
            signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
        except UnicodeEncodeError:
            return None
        expected = hmac.new(self._secret, signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            return None
        if claims.get("iss") != TOKEN_ISSUER or claims.get("aud") != TOKEN_AUDIENCE:
            return None
        return claims
