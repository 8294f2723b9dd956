"""Compact, time-ordered storage of log lines for the log pane.

One million lines must fit in about the memory Textual's stock ``Log`` needs for the
same text, so a line is not an object: it is a slot in parallel columns (a float in
an ``array``, a level code in a ``bytearray``, its message in a ``MessageColumn`` of
UTF-8 blocks). Exceptions are rare, so they live in a dict keyed by the line's *key*.

Keys: every line has a key, ``origin + position``. Dropping old lines (the retain
cap) only moves ``origin``, so keys of surviving lines stay valid and derived
structures (filter index, search matches) can hold keys instead of positions. An
out-of-order batch rewrites the tail from some position on; ``AppendResult``
tells derived structures from which key to recompute.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, count, islice, takewhile
from operator import itemgetter, le
from typing import NamedTuple

from flowsynx_tui.widgets.logview.column import MessageColumn
from flowsynx_tui.widgets.logview.text import CUT_CHARS, KNOWN_LEVELS, Level, unknown_level

Record = tuple[float, int, str, str, "str | None"]
"""``(epoch_seconds, severity, level_name, message, exception)``.

``level_name`` is a ``LogLevel`` value (``"Information"``...). ``severity`` (0..5)
only matters for names this client does not know; known names keep their own rank.
"""

CHUNK = 65_536
"""Records are transposed this many at a time, which bounds the transient memory."""

_UNKNOWN_OVERFLOW = "?"


class AppendResult(NamedTuple):
    changed_from: int
    """Key from which lines are new or were rewritten (keys below are untouched)."""
    added: int
    dropped: int
    """Lines dropped from the front by the retain cap during this append."""
    reordered: bool
    """True when existing lines moved to make room for late (older) entries."""


class LogStore:
    def __init__(self, retain_limit: int) -> None:
        if retain_limit < 1:
            raise ValueError("retain_limit must be positive")
        self.retain_limit = retain_limit
        self.times = array("d")
        self.codes = bytearray()
        self.messages = MessageColumn()
        self.exceptions: dict[int, str] = {}
        self.origin = 0
        self.dropped_total = 0
        self.widest = 0
        """Widest message (+ collapsed exception) in characters: the no-wrap virtual width."""
        self.levels: list[Level] = list(KNOWN_LEVELS.values())
        self._code_of: dict[str, int] = {name: code for code, name in enumerate(KNOWN_LEVELS)}

    # -- reading ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.times)

    @property
    def end_key(self) -> int:
        """The key the next appended line would get."""
        return self.origin + len(self.times)

    def level(self, key: int) -> Level:
        return self.levels[self.codes[key - self.origin]]

    def message(self, key: int) -> str:
        return self.messages.get(key)

    def time(self, key: int) -> float:
        return self.times[key - self.origin]

    def exception(self, key: int) -> str | None:
        return self.exceptions.get(key)

    def severity_table(self) -> bytes:
        """Severity of each level code, for ``bytes.translate`` over ``codes``."""
        table = bytearray(256)
        for code, level in enumerate(self.levels):
            table[code] = level.severity
        return bytes(table)

    # -- writing ---------------------------------------------------------------

    def clear(self) -> None:
        self.times = array("d")
        self.codes = bytearray()
        self.messages.clear()
        self.exceptions = {}
        self.origin = 0
        self.dropped_total = 0
        self.widest = 0

    def append(self, records: Iterable[Record]) -> AppendResult:
        """Add records, keeping the store ordered by time (stable) and under the cap."""
        changed_from = self.end_key
        added = 0
        reordered = False
        dropped = 0
        for chunk in _chunks(records, CHUNK):
            start = self._append_chunk(chunk)
            reordered = reordered or start < self.end_key - len(chunk)
            changed_from = min(changed_from, start)
            added += len(chunk)
            # Capping per chunk bounds the memory of a bulk load far over the cap.
            dropped += self._enforce_cap()
        return AppendResult(max(changed_from, self.origin), added, dropped, reordered)

    def _append_chunk(self, chunk: list[Record]) -> int:
        times, severities, names, messages, exceptions = zip(*chunk)
        codes = self._codes_for(names, severities)
        if not _is_sorted(times):
            take = itemgetter(*sorted(range(len(times)), key=times.__getitem__))
            times, codes, messages, exceptions = (
                take(times), bytes(take(codes)), take(messages), take(exceptions)
            )
        if self.times and times[0] < self.times[-1]:
            return self._merge(times, codes, messages, exceptions)
        start = self.end_key
        self._extend(times, codes, messages, exceptions)
        return start

    def _merge(
        self,
        times: Sequence[float],
        codes: bytes,
        messages: Sequence[str],
        exceptions: Sequence[str | None],
    ) -> int:
        # Late entries (parallel tasks) belong before some existing lines: take the
        # tail from the first such line, sort it with the batch, write it back. Old
        # lines come first in the concatenation, so equal times keep arrival order.
        pos = bisect_right(self.times, times[0])
        start = self.origin + pos
        old_exceptions = [self.exceptions.pop(key, None) for key in range(start, self.end_key)]
        all_times = [*self.times[pos:], *times]
        all_codes = bytes(self.codes[pos:]) + bytes(codes)
        all_messages = [*self.messages.slice(start, self.end_key), *messages]
        all_exceptions = [*old_exceptions, *exceptions]
        del self.times[pos:], self.codes[pos:]
        self.messages.truncate(start)
        take = itemgetter(*sorted(range(len(all_times)), key=all_times.__getitem__))
        self._extend(take(all_times), bytes(take(all_codes)), take(all_messages), take(all_exceptions))
        return start

    def _extend(
        self,
        times: Sequence[float],
        codes: bytes,
        messages: Sequence[str],
        exceptions: Sequence[str | None],
    ) -> None:
        base = self.end_key
        self.times.extend(times)
        self.codes.extend(codes)
        self.messages.extend(base, messages)
        widest = max(map(len, messages))
        if any(exceptions):
            fresh = dict(zip(compress(count(base), exceptions), filter(None, exceptions)))
            self.exceptions.update(fresh)
            # A collapsed exception adds its first line to the row; an estimate will do
            # for the scroll width, render corrects it if a row turns out wider.
            widest = max(widest, *(len(messages[k - base]) + 24 + min(len(e), 200) for k, e in fresh.items()))
        self.widest = max(self.widest, min(widest, CUT_CHARS + 32))

    def _enforce_cap(self) -> int:
        excess = len(self.times) - self.retain_limit
        if excess <= 0:
            return 0
        del self.times[:excess], self.codes[:excess]
        self.origin += excess
        self.dropped_total += excess
        self.messages.drop_below(self.origin)
        # Exceptions are inserted in key order (a merge re-inserts only the largest
        # keys), so the stale ones are a prefix of the dict.
        for key in list(takewhile(self.origin.__gt__, self.exceptions)):
            del self.exceptions[key]
        return excess

    def _codes_for(self, names: Sequence[str], severities: Sequence[int]) -> bytes:
        try:
            return bytes(map(self._code_of.__getitem__, names))
        except KeyError:
            return bytes(map(self._code, names, severities))

    def _code(self, name: str, severity: int) -> int:
        code = self._code_of.get(name)
        if code is None:
            if len(self.levels) >= 255:
                # 255 distinct unknown levels is a broken server; share one slot.
                return self._code(_UNKNOWN_OVERFLOW, severity)
            code = len(self.levels)
            self.levels.append(unknown_level(name, int(severity)))
            self._code_of[name] = code
        return code


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _is_sorted(times: Sequence[float]) -> bool:
    return all(map(le, times, islice(times, 1, None)))
