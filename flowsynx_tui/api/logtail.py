"""Incremental reading of a FlowSynx log list.

The server has no "since" parameter and pages oldest first (reference 9.5). A tail
remembers how many entries it has consumed and asks only for the page that can hold
the next one, then the pages after it. Entries are de-duplicated by ``id`` (only the
last, partly read page can be seen twice, so only its ids are kept) and each batch is
returned ordered by ``timeStamp``.

A poll reads at most ``max_pages`` pages. A chatty execution can be far ahead of us
(a follow that starts late, or a burst): reading it all in one poll would hold every
entry in memory at once and hand the UI one huge batch. Instead ``behind`` says more
is waiting, and the caller polls again at once.

The page size is chosen per poll, between ``page_size`` and twice that: the one whose
page holding the next entry has room for what the last poll brought (twice over) and
repeats the fewest entries already read. With one fixed size a steady log crossed a page
end every ``page_size`` entries, and each crossing cost a second request (a run logging
50 lines a second: 6 more a minute than its 30 polls).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from flowsynx_tui.api.errors import FlowSynxError
from flowsynx_tui.api.models import LogEntry, Page

if TYPE_CHECKING:
    # Only for annotations: ``Page[LogEntry]`` at run time builds the parametrised model's
    # validator, a cost the start of the dashboard would pay for the log views.
    LogFetcher = Callable[[int, int], Awaitable[Page[LogEntry]]]


class LogTail:
    def __init__(self, fetch: LogFetcher, page_size: int = 500, max_pages: int = 4) -> None:
        self._fetch = fetch
        self.page_size = page_size
        self.max_pages = max_pages
        self.behind = False
        self.consumed = 0
        self._boundary_ids: set[str] = set()
        self.problems: tuple[str, ...] = ()
        #: Why the last poll stopped early (a page failed after others were read), or None.
        self.failure: FlowSynxError | None = None
        self.requests = 0
        #: Entries the last poll brought: the room wanted in the next page.
        self._last_fresh = 0

    def _size(self) -> int:
        """The page size for the next poll (see the module's docstring). An offset of 0
        is never chosen: that page would start after the last entry read, and a page past
        the end comes back as the last page, whole, though nothing is new."""
        consumed, base = self.consumed, self.page_size
        room = min(base, max(2 * self._last_fresh, base // 10, 1))
        best, best_offset = base, None
        for size in range(base, 2 * base):
            offset = consumed % size
            if offset and size - offset >= room and (best_offset is None or offset < best_offset):
                best, best_offset = size, offset
                if offset == 1:
                    break
        return best

    async def poll(self) -> list[LogEntry]:
        """New entries since the last call, oldest first.

        A page that fails after others were read ends the poll with what was read: those
        entries are returned and counted as consumed, ``failure`` says what failed, and the
        next poll starts from the page that failed. A poll whose first page fails raises and
        leaves the tail where it was. Either way no entry is lost or returned twice.
        """
        fresh: list[LogEntry] = []
        problems: list[str] = []
        size = self._size()
        page = self.consumed // size + 1
        self.behind = False
        self.failure = None
        for read in range(1, self.max_pages + 1):
            try:
                result = await self._fetch(page, size)
            except FlowSynxError as error:
                if read == 1:
                    raise
                self.failure = error
                break
            self.requests += 1
            problems.extend(result.problems)
            if result.pagination.current_page != page:
                # Fewer entries than before (the server clamps to its last page): the
                # log was reset, e.g. a restarted emulator. Keep what is on screen.
                # A later page than asked for is nonsense; following it could loop for ever.
                break
            page_start = (page - 1) * size
            skip = max(0, self.consumed - page_start)
            for position, entry in result.placed:
                if position >= skip and entry.id not in self._boundary_ids:
                    fresh.append(entry)
            self.consumed = max(self.consumed, page_start + result.size)
            if result.size < size:
                self._boundary_ids = {entry.id for entry in result.items}
            else:
                self._boundary_ids = set()
            if not result.pagination.has_next_page:
                break
            self.behind = read == self.max_pages
            page += 1
        self.problems = tuple(problems)
        self._last_fresh = len(fresh)
        fresh.sort(key=lambda entry: entry.time_stamp)
        return fresh
