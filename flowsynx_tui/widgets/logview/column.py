"""The message text of the log: stored in blocks, searched a block at a time.

Two budgets shape this module: a million lines in no more memory than Textual's
``Log`` needs for the same text, and a case-insensitive search over all of them in
well under 0.3 s.

* Storage: a Python ``str`` per line costs ~57 bytes of header and pointer on top
  of its text. Lines are therefore kept as one UTF-8 ``bytes`` per block of
  ``BLOCK`` lines (plus a 4-byte offset per line). UTF-8 rather than ``str``,
  because one emoji would make a joined ``str`` four bytes per character.
* Search: lowering each line at search time allocates a million strings, which
  alone blows the budget. A block is lowered (ASCII-wise, in C) as a whole and
  searched with one ``bytes.find``; only blocks with a hit are mapped back to lines.
  Blocks of short messages keep their lowered copy, which costs less than the
  per-line overhead the blocks saved; blocks of long ones are lowered per search.

Sealed blocks are immutable, so a search can run in a thread on a snapshot (a list
of block references) while lines keep arriving.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count, repeat, takewhile
from operator import add, contains

BLOCK = 4096
LOWERED_COPY_MAX_AVERAGE = 160
"""Blocks whose lines average at most this many bytes keep a lowered copy."""

_ENCODING, _ERRORS = "utf-8", "surrogatepass"  # lone surrogates from JSON round-trip
_DENSE_CHECK = 64
_DENSE_SPACING = 5
"""Hits are mapped to lines one by one until 64 of them fall within 5 x 64 lines;
then splitting the block and testing each line costs less."""


# The only non-ASCII characters whose str.lower() contains ASCII letters (checked over
# all of Unicode for Python 3.11): İ (U+0130) and the Kelvin sign (U+212A).
_FOLDS_TO_ASCII = ("\u0130".encode(), "\u212a".encode())


# Bytes that stand for "a hit here" in the dense path; any one absent from a block works.
_MARKERS = tuple(bytes([code]) for code in range(1, 9))
_KEEP_ONLY = {marker: bytes(set(range(256)) - {marker[0], ord("\n")}) for marker in _MARKERS}


def _encode(text: str) -> bytes:
    return text.encode(_ENCODING, _ERRORS)


def _decode(data: bytes) -> str:
    return data.decode(_ENCODING, _ERRORS)


@dataclass(frozen=True, repr=False)
class _Block:
    first: int
    """Key of the block's first line."""
    raw: bytes
    """The lines, UTF-8, joined by b"\\n"."""
    lowered: bytes | None
    starts: array[int]
    """Offset of each line in ``raw`` (and in ``lowered``: ASCII lowering keeps lengths)."""
    clean: bool
    """No line contains a newline, so ``split(b"\\n")`` gives the lines."""
    folds_to_ascii: bool
    """Holds a character whose Unicode lowercase has ASCII letters (İ, the Kelvin
    sign), which ASCII-only lowering would miss: searched the slow, exact way."""

    def _end(self, line: int) -> int:
        return self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.raw)

    def get(self, line: int) -> str:
        return _decode(self.raw[self.starts[line] : self._end(line)])

    def lines(self, start: int = 0, stop: int = BLOCK) -> list[str]:
        stop = min(stop, len(self.starts))
        if self.clean and stop - start > 64:
            return _decode(self.raw).split("\n")[start:stop]
        return [self.get(line) for line in range(start, stop)]

    def _byte_lines(self, text: bytes, start: int) -> list[bytes]:
        if self.clean:
            return text.split(b"\n")[start:]
        return [text[self.starts[line] : self._end(line)] for line in range(start, len(self.starts))]

    def find(self, needle: bytes, *, caseless: bool) -> array[int]:
        """Keys of lines containing ``needle`` (ASCII-lowered unless ``caseless``)."""
        if not caseless and self.folds_to_ascii:
            return self.find_unicode(_decode(needle))
        if caseless:
            text = self.raw
        else:
            text = self.lowered if self.lowered is not None else self.raw.lower()
        # Arrays, not generators: a dense block yields thousands of keys, and each
        # would otherwise pass through Python frames.
        hits = array("q")
        starts = self.starts
        position = text.find(needle)
        window_start, streak = 0, 0
        while position >= 0:
            line = bisect_right(starts, position) - 1
            streak += 1
            if streak == _DENSE_CHECK:
                if line - window_start < _DENSE_CHECK * _DENSE_SPACING:
                    # Hits on most lines: flag every remaining line in C instead.
                    hits.extend(compress(count(self.first + line), self._line_flags(text, needle, line)))
                    return hits
                window_start, streak = line, 0
            hits.append(self.first + line)
            if line + 1 >= len(starts):
                break
            position = text.find(needle, starts[line + 1])
        return hits

    def _line_flags(self, text: bytes, needle: bytes, line: int) -> Iterable[object]:
        """A truthy item per line from ``line`` on that contains ``needle``."""
        marker = next((m for m in _MARKERS if m not in text), None) if self.clean else None
        if marker is None:
            return map(contains, self._byte_lines(text, line), repeat(needle))
        # Mark each hit and keep only markers and line ends: that splits into b"" or
        # the marker for most lines, both cached singletons, so next to nothing is
        # allocated per line (a line with several hits gets a small new bytes).
        flags = text[self.starts[line] :].replace(needle, marker).translate(None, _KEEP_ONLY[marker])
        return flags.split(b"\n")

    def find_unicode(self, needle: str) -> array[int]:
        """Slow path for needles with non-ASCII letters: full Unicode lowering per line."""
        if needle not in _decode(self.raw).lower():
            return array("q")
        lowered = map(str.lower, self.lines())
        return array("q", compress(count(self.first), map(contains, lowered, repeat(needle))))


def _seal(first: int, lines: list[str]) -> _Block:
    joined = "\n".join(lines)
    raw = _encode(joined)
    # Pure ASCII (the usual case) has as many bytes as characters: no per-line encode.
    lengths = map(len, lines) if len(raw) == len(joined) else (len(_encode(line)) for line in lines)
    starts = array("I", map(add, accumulate(lengths, initial=0), count()))
    starts.pop()  # the last running total is the end, not a line start
    clean = raw.count(b"\n") == len(lines) - 1
    folds = any(special in raw for special in _FOLDS_TO_ASCII)
    keep_lowered = not folds and len(raw) <= LOWERED_COPY_MAX_AVERAGE * len(lines)
    return _Block(first, raw, raw.lower() if keep_lowered else None, starts, clean, folds)


@dataclass(repr=False)
class MessageSnapshot:
    """Blocks and open lines at one moment; what readers and searches work on."""

    blocks: list[_Block]
    open_lines: list[str]
    open_first: int

    def __repr__(self) -> str:  # Textual names workers by repr: keep it short
        return f"MessageSnapshot({len(self.blocks)} blocks, {len(self.open_lines)} open lines)"

    def _block_of(self, key: int) -> _Block:
        # Sealed blocks are contiguous and exactly BLOCK lines each.
        return self.blocks[(key - self.blocks[0].first) // BLOCK]

    def get(self, key: int) -> str:
        if key >= self.open_first:
            return self.open_lines[key - self.open_first]
        block = self._block_of(key)
        return block.get(key - block.first)

    def slice(self, start: int, stop: int) -> list[str]:
        """Messages of keys ``start..stop`` (exclusive)."""
        found: list[str] = []
        key = start
        while key < min(stop, self.open_first):
            block = self._block_of(key)
            end = min(stop, block.first + len(block.starts))
            found.extend(block.lines(key - block.first, end - block.first))
            key = end
        if key < stop:
            found.extend(self.open_lines[key - self.open_first : stop - self.open_first])
        return found

    def find(self, needle: str, start: int = 0) -> array[int]:
        """Keys from ``start`` on whose message contains ``needle``, ignoring case."""
        lowered = needle.lower()
        found = array("q")
        firsts = [block.first for block in self.blocks]
        blocks = self.blocks[max(0, bisect_right(firsts, start) - 1) :]
        if lowered == needle.upper() and "\n" not in needle:
            # Nothing to fold (digits, punctuation, CJK): match the raw bytes.
            for block in blocks:
                found.extend(block.find(_encode(needle), caseless=True))
        elif "\n" not in needle and all(char.isascii() for char in lowered if char.upper() != char):
            # Only ASCII letters to fold, which bytes.lower() does in C.
            for block in blocks:
                found.extend(block.find(_encode(lowered), caseless=False))
        else:
            for block in blocks:
                found.extend(block.find_unicode(lowered))
        open_lowered = map(str.lower, self.open_lines)
        found.extend(compress(count(self.open_first), map(contains, open_lowered, repeat(lowered))))
        if found and found[0] < start:
            del found[: bisect_left(found, start)]
        return found


class MessageColumn:
    """The message of every line by key: sealed blocks, then an open tail of strings."""

    def __init__(self) -> None:
        self._state = MessageSnapshot([], [], 0)

    def clear(self, first: int = 0) -> None:
        self._state = MessageSnapshot([], [], first)

    @property
    def end(self) -> int:
        return self._state.open_first + len(self._state.open_lines)

    def get(self, key: int) -> str:
        return self._state.get(key)

    def slice(self, start: int, stop: int) -> list[str]:
        return self._state.slice(start, stop)

    def find(self, needle: str, start: int = 0) -> array[int]:
        return self._state.find(needle, start)

    def snapshot(self) -> MessageSnapshot:
        state = self._state
        return MessageSnapshot(list(state.blocks), state.open_lines[:], state.open_first)

    def extend(self, first: int, messages: Sequence[str]) -> None:
        """Add ``messages`` as keys ``first..``; ``first`` must be ``end``."""
        assert first == self.end, "the column only grows at its end"
        state = self._state
        state.open_lines.extend(messages)
        while len(state.open_lines) >= BLOCK:
            state.blocks.append(_seal(state.open_first, state.open_lines[:BLOCK]))
            del state.open_lines[:BLOCK]
            state.open_first += BLOCK

    def truncate(self, key: int) -> None:
        """Forget keys from ``key`` on (an out-of-order batch rewrites the tail)."""
        state = self._state
        if key >= state.open_first:
            del state.open_lines[key - state.open_first :]
            return
        # The key is in a sealed block: reopen that block up to the key.
        at = max(0, (key - state.blocks[0].first) // BLOCK)
        block = state.blocks[at]
        state.open_lines = block.lines(0, max(0, key - block.first))
        state.open_first = block.first
        del state.blocks[at:]

    def drop_below(self, key: int) -> None:
        """Release sealed blocks that only hold keys below ``key``.

        A partly dropped block stays whole (readers go by key), which bounds the waste
        to one block and keeps every sealed block exactly ``BLOCK`` lines long.
        """
        blocks = self._state.blocks
        gone = sum(1 for _ in takewhile(lambda block: block.first + BLOCK <= key, blocks))
        if gone:
            del blocks[:gone]


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
