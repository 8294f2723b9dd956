"""Typed errors of the FlowSynx client.

Every failure a request can meet becomes one of these, with a message a person can
act on. Messages never contain credentials: they name the route (method and path),
never headers or URLs with user info.
"""

from __future__ import annotations


class FlowSynxError(Exception):
    """Base of every error this client raises."""

    def __init__(self, message: str, *, route: str = "", arrived: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.route = route
        #: Whether the request may have reached the server. False only when it certainly
        #: did not (no connection could be made): an action that failed so was not applied.
        self.may_have_arrived = arrived

    def __str__(self) -> str:
        return f"{self.route}: {self.message}" if self.route else self.message

    @property
    def is_transient(self) -> bool:
        """Whether trying again later may succeed without the user doing anything."""
        return False


class ConnectionFailed(FlowSynxError):
    """The server could not be reached, or dropped the connection."""

    @property
    def is_transient(self) -> bool:
        return True


class RequestTimedOut(FlowSynxError):
    @property
    def is_transient(self) -> bool:
        return True


class ApiError(FlowSynxError):
    """The server answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        route: str = "",
        status_code: int,
        server_messages: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, route=route)
        self.status_code = status_code
        self.server_messages = server_messages

    @property
    def server_words(self) -> str:
        """What the server said, without the client's "HTTP 404: " before it."""
        return " ".join(self.server_messages) or self.message


class AuthenticationRequired(ApiError):
    """401: credentials missing, wrong, or expired."""


class PermissionDenied(ApiError):
    """403: authenticated, but the user lacks every role the route accepts."""

    def __init__(self, message: str, *, route: str = "", required_roles: tuple[str, ...] = ()) -> None:
        super().__init__(message, route=route, status_code=403)
        self.required_roles = required_roles


class NotFound(ApiError):
    """404: FlowSynx uses it for every business failure, not only missing items."""


class BadRequest(ApiError):
    """400: the server rejected the request (bad id, bad body)."""


class ServerError(ApiError):
    """5xx."""

    @property
    def is_transient(self) -> bool:
        return self.status_code in (500, 502, 503, 504)


class InvalidId(FlowSynxError):
    """An id handed to the client is not a GUID, so no request was sent.

    The message says which id (workflow, execution, task, approval) but never repeats the
    value: it may be anything, escape sequences included.
    """


class MalformedResponse(FlowSynxError):
    """The body was not JSON, or not shaped like the reference says."""

    @property
    def is_transient(self) -> bool:
        # A proxy or a restarting server can send garbage once; the next poll may be fine.
        return True
