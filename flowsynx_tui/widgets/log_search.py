"""Case-insensitive substring search over a million log messages in well under 0.3 s.

Lowering each message at search time costs more than the whole budget (one string
allocation per line), so the index keeps the lowered messages joined into one string
per block of ``BLOCK`` lines. A search is then one C-level ``str.find`` per block,
and only blocks with a hit are mapped back to lines. The price is roughly one more
copy of the message text (within the 1.5x memory budget against Textual's ``Log``).

Blocks are immutable once sealed, so a search can run in a thread on a cheap
snapshot (a list of block references) while new lines keep arriving.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count, repeat, takewhile
from operator import add, contains

BLOCK = 4096
_SEPARATOR = "\n"
_NEWLINE_STAND_IN = "\x1f"
_DENSE_CHECK = 64
_DENSE_SPACING = 5
"""Hits are mapped to lines one by one until 64 of them fall within 5 x 64 lines;
then splitting the block and testing each line costs less."""


@dataclass(frozen=True, repr=False)
class _Block:
    first: int
    """Key of the block's first line."""
    text: str
    """Lowered messages joined by "\\n" (newlines inside messages were replaced)."""
    starts: array[int]
    """Offset of each line in ``text`` (one per line)."""

    @property
    def end(self) -> int:
        return self.first + len(self.starts)

    def lines(self) -> list[str]:
        return self.text.split(_SEPARATOR)

    def find(self, needle: str) -> Iterator[int]:
        """Keys of the lines of this block containing ``needle`` (already lowered)."""
        text, starts = self.text, self.starts
        position = text.find(needle)
        window_start, hits = 0, 0
        while position >= 0:
            line = bisect_right(starts, position) - 1
            hits += 1
            if hits == _DENSE_CHECK:
                if line - window_start < _DENSE_CHECK * _DENSE_SPACING:
                    # Hits on most lines: testing every remaining line in C is cheaper.
                    yield from compress(
                        count(self.first + line), map(contains, self.lines()[line:], repeat(needle))
                    )
                    return
                window_start, hits = line, 0
            yield self.first + line
            if line + 1 >= len(starts):
                return
            position = text.find(needle, starts[line + 1])


def _lowered(message: str) -> str:
    lowered = message.lower()
    return lowered.replace(_SEPARATOR, _NEWLINE_STAND_IN) if _SEPARATOR in lowered else lowered


def normalise_needle(needle: str) -> str:
    return _lowered(needle)


class SearchIndex:
    """Lowered messages by key, in sealed blocks plus an open tail of single lines."""

    def __init__(self) -> None:
        self.clear()

    def clear(self, first: int = 0) -> None:
        self._blocks: list[_Block] = []
        self._firsts: list[int] = []
        self._open: list[str] = []
        self._open_first = first

    @property
    def end(self) -> int:
        return self._open_first + len(self._open)

    def extend(self, first: int, messages: Sequence[str]) -> None:
        """Index ``messages`` as keys ``first..``; ``first`` must be ``end``."""
        assert first == self.end, "the index only grows at its end"
        self._open.extend(map(_lowered, messages))
        while len(self._open) >= BLOCK:
            self._seal(self._open[:BLOCK])
            del self._open[:BLOCK]
            self._open_first += BLOCK

    def _seal(self, lines: list[str]) -> None:
        starts = array("I", map(add, accumulate(map(len, lines), initial=0), count()))
        starts.pop()  # accumulate's last total is the end, not a line start
        self._blocks.append(_Block(self._open_first, _SEPARATOR.join(lines), starts))
        self._firsts.append(self._open_first)

    def truncate(self, key: int) -> None:
        """Forget keys from ``key`` on (an out-of-order batch rewrites the tail)."""
        if key >= self._open_first:
            del self._open[key - self._open_first :]
            return
        # The key is in a sealed block: reopen that block up to the key.
        at = max(0, bisect_right(self._firsts, key) - 1)
        block = self._blocks[at]
        self._open = block.lines()[: max(0, key - block.first)]
        self._open_first = block.first
        del self._blocks[at:], self._firsts[at:]

    def drop_below(self, key: int) -> None:
        """Release the sealed blocks that only hold keys below ``key``.

        A partly dropped block stays whole (searches filter by key), which bounds the
        overhead to one block, and keeps every sealed block exactly ``BLOCK`` lines.
        """
        gone = bisect_right(self._firsts, key - BLOCK)
        if gone:
            del self._blocks[:gone], self._firsts[:gone]

    def snapshot(self) -> SearchSnapshot:
        return SearchSnapshot(list(self._blocks), self._open[:], self._open_first)

    def find(self, needle: str, start: int) -> array[int]:
        """Keys from ``start`` on whose message contains ``needle`` (any case)."""
        return self.snapshot().find(needle, start)


@dataclass(frozen=True, repr=False)
class SearchSnapshot:
    blocks: list[_Block]
    open_lines: list[str]
    open_first: int

    def find(self, needle: str, start: int = 0) -> array[int]:
        needle = normalise_needle(needle)
        found = array("q")
        firsts = [block.first for block in self.blocks]
        for block in self.blocks[max(0, bisect_right(firsts, start) - 1) :]:
            found.extend(block.find(needle))
        open_hits = compress(count(self.open_first), map(contains, self.open_lines, repeat(needle)))
        found.extend(open_hits)
        if found and found[0] < start:
            del found[: bisect_left(found, start)]
        return found

    def __repr__(self) -> str:
        return f"SearchSnapshot({len(self.blocks)} blocks, {len(self.open_lines)} open lines)"


def find_in_exceptions(exceptions: Mapping[int, str], needle: str, start: int) -> list[int]:
    """Keys from ``start`` on whose exception text contains ``needle`` (any case)."""
    lowered = needle.lower()
    # Exceptions are kept in key order, so the ones from ``start`` on are a suffix.
    keys = list(takewhile(start.__le__, reversed(exceptions)))
    keys.reverse()
    return [key for key in keys if lowered in exceptions[key].lower()]


def union(keys: array[int], more: list[int]) -> array[int]:
    """Sorted, duplicate-free union of two sorted key lists."""
    if not more:
        return keys
    if len(more) < 256:
        merged = array("q", keys)
        for key in more:
            at = bisect_left(merged, key)
            if at == len(merged) or merged[at] != key:
                merged.insert(at, key)
        return merged
    return array("q", sorted(set(keys).union(more)))
