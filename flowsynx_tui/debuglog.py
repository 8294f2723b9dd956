"""``--log FILE``: the dashboard's own debug log, through stdlib logging under the
``flowsynx_tui`` logger.

One line per request (``flowsynx_tui.http``: method, path, status, milliseconds, bytes, from
httpx's event hooks), per action and per error at ``info``; per poll cycle and live-update
event at ``debug`` as well. No header and no body is written, so the Authorization header
never is; messages carry routes with ids, never credentials. The file is created 0600 and
appended to. Textual's own log is separate: ``TEXTUAL_LOG=FILE``.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
ROOT = "flowsynx_tui"


class _UtcFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created)) + f".{int(record.msecs):03d}Z"


def start(path: Path, level: str = "info") -> Path:
    """Log to ``path`` (created 0600, or made 0600 if it existed) from now on; ``OSError``
    if it cannot be opened."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        stream = open(descriptor, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the process
    except BaseException:
        os.close(descriptor)
        raise
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_UtcFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logger = logging.getLogger(ROOT)
    logger.addHandler(handler)
    logger.setLevel(LEVELS[level])
    # Not also to the root logger's handlers (a library's, or the last-resort one on stderr:
    # that would be the dashboard's screen).
    logger.propagate = False
    from flowsynx_tui import __version__

    logger.info("flowsynx-tui %s, pid %d, log level %s", __version__, os.getpid(), level)
    return path
