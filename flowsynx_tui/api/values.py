"""What the API's answers are checked against that needs no pydantic: ids (GUIDs), the open
status enums, timestamps in UTC, and the quick read of the first workflow list.

The dashboard's start imports this, not ``models``: pydantic (~80 ms of imports) is loaded
once the first workflow rows are on screen (see ``client``). ``models`` re-exports all of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


def _as_utc(value: datetime) -> datetime:
    # SQLite-backed servers drop the offset although the value is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # e.g. 0001-01-01T00:00:00+05:00 is before datetime.min in UTC. A ValueError becomes
        # a pydantic ValidationError; an OverflowError would escape the model as a crash.
        raise ValueError("timestamp out of range once converted to UTC") from None


# Canonical 8-4-4-4-12 hexadecimal, ASCII only: no braces, no spaces, nothing around it.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def as_guid(value: object) -> str | None:
    """``value`` as a lowercase GUID (the form the server writes), or None if it is not one.

    Every id the API uses is a GUID (reference 1). Ids go into URL paths and onto the
    screen, so anything else is refused rather than escaped.
    """
    if isinstance(value, str) and _GUID.fullmatch(value):
        return value.lower()
    return None


#: The start of a GUID as the tables show it (``3f2a9c1d``), at least four digits: what an
#: operator reads off a screen or a colleague's message.
_GUID_PREFIX = re.compile(r"[0-9a-fA-F]{4}[0-9a-fA-F-]{0,31}")


def as_guid_prefix(value: object) -> str | None:
    """``value`` as the lowercase start of a GUID (not a whole one), or None."""
    if isinstance(value, str) and _GUID_PREFIX.fullmatch(value) and as_guid(value) is None:
        lowered = value.lower()
        # Where dashes go, as in the canonical form: "3f2a9c1d-" yes, "3f2a-9c1d" no.
        canonical = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        if all((char == "-") == (canonical[place] == "-") for place, char in enumerate(lowered)):
            return lowered
    return None


class _OpenEnum(StrEnum):
    """A string enum that keeps values it does not know instead of rejecting them.

    A newer server may add a status; the dashboard must show it, not crash on it.
    Unknown values become pseudo-members named ``UNKNOWN`` whose value is the raw string.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        for member in cls:
            if member.value.lower() == value.lower():
                return member
        pseudo = str.__new__(cls, value)
        pseudo._name_ = "UNKNOWN"
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        return self._name_ != "UNKNOWN"


class ExecutionStatus(_OpenEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    PAUSED = "Paused"
    COMPLETED = "Completed"
    FAILED = "Failed"

    @property
    def is_finished(self) -> bool:
        return self in (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED)


class TaskStatus(_OpenEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    CANCELED = "Canceled"
    FAILED = "Failed"
    RETRYING = "Retrying"

    @property
    def is_finished(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELED)


class ApprovalStatus(_OpenEnum):
    PENDING = "Pending"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    TIMED_OUT = "TimedOut"


class LogLevel(_OpenEnum):
    """Log levels, normalised from both server vocabularies.

    v1.2.5+ sends ``Information``/``Warning``/...; v1.2.4 and earlier send the
    four-letter ``Info``/``Warn``/``Fail``/``Dbug``/``Crit``.
    """

    TRACE = "Trace"
    DEBUG = "Debug"
    INFORMATION = "Information"
    WARNING = "Warning"
    ERROR = "Error"
    CRITICAL = "Critical"
    NONE = "None"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            legacy = _LEGACY_LEVELS.get(value.lower())
            if legacy is not None:
                return cls(legacy)
        return super()._missing_(value)

    @property
    def severity(self) -> int:
        """0 (trace) .. 5 (critical); unknown levels rank as information."""
        return _SEVERITY.get(self._value_, 2)


_LEGACY_LEVELS = {
    "dbug": "Debug",
    "info": "Information",
    "warn": "Warning",
    "fail": "Error",
    "crit": "Critical",
    "trce": "Trace",
}
_SEVERITY = {"Trace": 0, "Debug": 1, "Information": 2, "Warning": 3, "Error": 4, "Critical": 5, "None": 2}


# ------------------------------------------------------------ the first workflow list
# At start the workflow list is read before pydantic is loaded. What the quick read takes
# is a strict subset of what ``models.WorkflowSummary`` and ``models.Pagination`` accept,
# read to the same values: a GUID id (lowercased), a string name, timestamps written as
# RFC 3339 with at most 7 decimals (.NET writes 7; both truncate to microseconds), to UTC
# as ``UtcDatetime``, camelCase keys only, plain ints and bools. Any
# other page, one unreadable item included, goes to the models, which then say what they
# skipped and why, as on every other read.

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?")
_PAGINATION_INTS = ("currentPage", "totalPages", "totalCount", "pageSize")
_PAGINATION_BOOLS = ("hasPreviousPage", "hasNextPage")
#: The models take these too (``populate_by_name``): such a page is theirs.
_SNAKE_KEYS = frozenset(
    {"modified_date", "schema_url", "current_page", "total_pages", "total_count", "page_size",
     "has_previous_page", "has_next_page"}
)


class _NotQuick(Exception):
    pass


@dataclass(frozen=True)
class QuickWorkflow:
    """A workflow of the first list read at start, with the fields of ``WorkflowSummary``."""

    id: str
    name: str
    modified_date: datetime | None = None
    schema_url: str | None = None


@dataclass(frozen=True)
class QuickPagination:
    current_page: int = 1
    total_pages: int = 0
    total_count: int = 0
    page_size: int = 0
    has_previous_page: bool = False
    has_next_page: bool = False


@dataclass(frozen=True)
class QuickPage:
    """A page of ``QuickWorkflow``: what ``client.read_all_pages`` reads of a ``Page``."""

    items: tuple[QuickWorkflow, ...]
    pagination: QuickPagination
    problems: tuple[str, ...] = ()


def quick_workflow_page(body: Mapping[str, Any]) -> QuickPage | None:
    """The page of ``GET /workflows`` in ``body``, or None where the models must read it."""
    try:
        data, pagination = body["data"], body["pagination"]
        if not isinstance(data, list) or not isinstance(pagination, dict) or _SNAKE_KEYS & pagination.keys():
            return None
        return QuickPage(tuple(_quick_workflow(raw) for raw in data), _quick_pagination(pagination))
    except (KeyError, _NotQuick):
        return None


def _quick_workflow(raw: Any) -> QuickWorkflow:
    if not isinstance(raw, dict) or _SNAKE_KEYS & raw.keys():
        raise _NotQuick
    workflow_id, name, schema_url = as_guid(raw["id"]), raw["name"], raw.get("schemaUrl")
    if workflow_id is None or not isinstance(name, str) or not (schema_url is None or isinstance(schema_url, str)):
        raise _NotQuick
    return QuickWorkflow(workflow_id, name, _quick_timestamp(raw.get("modifiedDate")), schema_url)


def utc_timestamp(value: object) -> datetime | None:
    """A server timestamp in UTC (one without an offset is UTC), or None when ``value`` is
    not one."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return None
    try:
        return _as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _quick_timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = utc_timestamp(value)
    if moment is None:
        raise _NotQuick
    return moment


def _quick_pagination(raw: dict[str, Any]) -> QuickPagination:
    ints = [raw.get(key, default) for key, default in zip(_PAGINATION_INTS, (1, 0, 0, 0), strict=True)]
    bools = [raw.get(key, False) for key in _PAGINATION_BOOLS]
    if any(type(value) is not int for value in ints) or any(type(value) is not bool for value in bools):
        raise _NotQuick
    return QuickPagination(*ints, *bools)
