"""Response bodies in the server's shapes (sections 2 and 6 of the API reference)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence, TypeVar

from starlette.responses import Response

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
DEFAULT_PAGE_SIZE = 25

T = TypeVar("T")


def json_response(body: Any, status: int = 200) -> Response:
    # System.Text.Json writes compact output and escapes non-ASCII characters.
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=True)
    return Response(text, status_code=status, headers={"content-type": JSON_CONTENT_TYPE})


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=headers)


def result(data: Any, messages: Sequence[str], succeeded: bool, generated_at: str) -> dict[str, Any]:
    return {"data": data, "messages": list(messages), "succeeded": succeeded, "generatedAtUtc": generated_at}


def pascal_error(status: int, message: str, generated_at: str) -> Response:
    """What the server's exception middleware writes: PascalCase, outside the normal serializer."""
    body = {"Data": None, "Messages": [message], "Succeeded": False, "GeneratedAtUtc": generated_at}
    return json_response(body, status)


@dataclass(frozen=True)
class Page:
    current: int
    size: int
    total_count: int

    @property
    def total_pages(self) -> int:
        return 0 if self.size == 0 else -(-self.total_count // self.size)

    def as_json(self) -> dict[str, Any]:
        return {
            "currentPage": self.current,
            "totalPages": self.total_pages,
            "totalCount": self.total_count,
            "pageSize": self.size,
            "hasPreviousPage": self.current > 1,
            "hasNextPage": self.current < self.total_pages,
        }


def paginate(items: Sequence[T], page: int, page_size: int) -> tuple[list[T], Page]:
    """The server's in-memory paging: page < 1 is 1, size < 1 means all, overshoot clamps to last."""
    total = len(items)
    page = max(page, 1)
    size = (total or 1) if page_size < 1 else page_size
    skip = (page - 1) * size
    if skip >= total:
        page = 1 if total == 0 else -(-total // size)
        skip = (page - 1) * size
    return list(items[skip : skip + size]), Page(page, size, total)


def paged_result(data: list[Any], page: Page, generated_at: str) -> dict[str, Any]:
    return {"pagination": page.as_json(), **result(data, [], True, generated_at)}


def failed_page(message: str, generated_at: str) -> dict[str, Any]:
    return {"pagination": Page(1, 1, 0).as_json(), **result([], [message], False, generated_at)}
