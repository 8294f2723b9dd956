"""Row layout of the log pane: which screen row shows which visible line.

Usually every line is one row and the mapping is the identity (``heights is None``),
which keeps scrolling O(1) at any size. Wrapping or expanded exceptions make lines
taller; then heights live in a 16-bit array with running totals per block of lines,
so finding the line of a row is a bisect plus a scan of one block, and appending or
changing a line only touches the totals from its block on.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

BLOCK = 256
MAX_HEIGHT = 0xFFFF


class RowLayout:
    def __init__(self) -> None:
        self.count = 0
        self.heights: array[int] | None = None
        self._sums: list[int] = []
        self._starts: list[int] = [0]

    @property
    def uniform(self) -> bool:
        return self.heights is None

    @property
    def total_rows(self) -> int:
        return self.count if self.heights is None else self._starts[-1]

    def set_uniform(self, count: int) -> None:
        self.count = count
        self.heights = None
        self._sums = []
        self._starts = [0]

    def set_heights(self, heights: array[int]) -> None:
        self.heights = heights
        self.count = len(heights)
        self._sums = []
        self._rebuild_from(0)

    def locate(self, row: int) -> tuple[int, int] | None:
        """``(line, row within that line)`` of a row, or None past the end."""
        if row < 0 or row >= self.total_rows:
            return None
        heights = self.heights
        if heights is None:
            return row, 0
        block = bisect_right(self._starts, row) - 1
        start = self._starts[block]
        line = block * BLOCK
        while row >= start + heights[line]:
            start += heights[line]
            line += 1
        return line, row - start

    def row_of(self, line: int) -> int:
        """First row of a line (``total_rows`` for ``line == count``)."""
        if self.heights is None:
            return line
        block = line // BLOCK
        return self._starts[block] + sum(self.heights[block * BLOCK : line])

    def height(self, line: int) -> int:
        return 1 if self.heights is None else self.heights[line]

    def append(self, count: int, heights: Iterable[int] | None = None) -> None:
        if self.heights is None:
            self.count += count
            return
        old = len(self.heights)
        self.heights.extend(heights if heights is not None else [1] * count)
        self.count = len(self.heights)
        self._rebuild_from(old // BLOCK)

    def truncate(self, line: int) -> None:
        """Forget lines from ``line`` on."""
        if line >= self.count:
            return
        if self.heights is None:
            self.count = line
            return
        del self.heights[line:]
        self.count = line
        self._rebuild_from(line // BLOCK)

    def drop_front(self, lines: int) -> int:
        """Forget the first ``lines`` lines; returns how many rows they took."""
        lines = min(lines, self.count)
        if lines <= 0:
            return 0
        if self.heights is None:
            self.count -= lines
            return lines
        rows = sum(self.heights[:lines])
        del self.heights[:lines]
        self.count = len(self.heights)
        self._rebuild_from(0)
        return rows

    def set_height(self, line: int, height: int) -> None:
        assert self.heights is not None
        height = max(1, min(height, MAX_HEIGHT))
        delta = height - self.heights[line]
        if not delta:
            return
        self.heights[line] = height
        block = line // BLOCK
        self._sums[block] += delta
        for later in range(block + 1, len(self._starts)):
            self._starts[later] += delta

    def _rebuild_from(self, block: int) -> None:
        heights = self.heights
        assert heights is not None
        del self._sums[block:]
        self._sums.extend(
            sum(heights[start : start + BLOCK]) for start in range(block * BLOCK, len(heights), BLOCK)
        )
        first = self._starts[block] if block < len(self._starts) else self._starts[-1]
        del self._starts[block:]
        self._starts.extend(accumulate(self._sums[block:], initial=first))
