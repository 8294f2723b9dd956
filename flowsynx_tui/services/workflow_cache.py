"""Which workflow each execution belongs to, remembered across runs of the dashboard.

An execution's workflow never changes, but on FlowSynx v1.3.0 finding it costs up to
one request per workflow (quirk Q1). The answers go to a small JSON file so that the
next start on the same server probes only executions it has not seen.

- Where: the user cache directory (``platformdirs``; ``FLOWSYNX_TUI_CACHE_DIR`` or
  ``Settings.cache_dir`` override it), one file per server URL and user, named by a
  hash of the two. The file holds the server URL and GUID pairs, never a credential.
- Safe to delete: it is only a shortcut; a missing, unreadable or corrupt file means
  the executions are looked up again (one warning at most, never a traceback), and
  only well-formed GUIDs are read back.
- Written with mode 0600 into a temporary file that replaces the old one, off the UI
  thread, at most every few seconds and once more at close.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from platformdirs import user_cache_dir

from flowsynx_tui.api.values import as_guid

APP_NAME = "flowsynx-tui"
CACHE_DIR_ENV = "FLOWSYNX_TUI_CACHE_DIR"
FORMAT = 1
#: Seconds between two writes while the dashboard runs.
SAVE_EVERY = 5.0
#: Executions remembered at most (the oldest learnt go first): about 80 bytes each.
MAX_ENTRIES = 1_000_000
#: A file bigger than this is not ours.
MAX_BYTES = 128 * 1024 * 1024


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    return Path(user_cache_dir(APP_NAME, appauthor=False))


def cache_file(directory: Path, url: str, user: str) -> Path:
    """The file of one server and user: a hash of the pair, so the name says nothing."""
    digest = hashlib.sha256(f"{url}\n{user}".encode()).hexdigest()[:32]
    return directory / f"workflows-{digest}.json"


class WorkflowCache:
    """The execution-to-workflow mapping of one server and user, on disk (``path`` None:
    nothing is read or written, e.g. for the demo's throw-away server)."""

    def __init__(
        self,
        path: Path | None,
        url: str,
        *,
        save_every: float = SAVE_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.url = url
        self.save_every = save_every
        self._monotonic = monotonic
        #: What went wrong reading or writing the file, said once; None while all is well.
        self.problem: str | None = None
        #: Every pair known: what the file held, and what this run learnt since.
        self.known: dict[str, str] = {}
        self._saved_size = 0
        self._merged_size = -1
        self._last_save: float | None = None
        self._writing: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ reading
    def load(self) -> dict[str, str]:
        """The remembered pairs; empty (with ``problem`` set) when the file cannot be used.
        Blocking: call it off the UI thread."""
        if self.path is None:
            return {}
        try:
            with self.path.open("rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return {}
        except OSError as error:
            self._warn(f"cannot read {self.path}: {error.strerror or error}")
            return {}
        if len(raw) > MAX_BYTES:
            self._warn(f"{self.path} is too big to be ours")
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self._warn(f"{self.path} is not valid JSON")
            return {}
        pairs = data.get("workflow_of") if isinstance(data, dict) and data.get("format") == FORMAT else None
        if not isinstance(pairs, dict):
            self._warn(f"{self.path} is not a workflow cache of this version")
            return {}
        known: dict[str, str] = {}
        for execution, workflow in pairs.items():
            # Ids go into URL paths and onto the screen: only GUIDs come back.
            execution_id, workflow_id = as_guid(execution), as_guid(workflow)
            if execution_id is not None and workflow_id is not None:
                known[execution_id] = workflow_id
        self.known = known
        self._saved_size = len(known)
        return known

    def _warn(self, what: str) -> None:
        if self.problem is None:
            self.problem = f"workflow cache ignored: {what} (it is safe to delete)"

    # ------------------------------------------------------------------ writing
    def write(self, workflow_of: Mapping[str, str]) -> None:
        """Replace the file with ``workflow_of`` (blocking: call it off the UI thread)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = json.dumps(
            {"format": FORMAT, "server": self.url, "workflow_of": dict(workflow_of)}, separators=(",", ":")
        )
        # mkstemp opens with O_CREAT | O_EXCL and mode 0600 whatever the umask; the
        # rename makes the new file appear whole or not at all.
        handle, temporary = tempfile.mkstemp(prefix=".workflows-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(body)
            os.replace(temporary, self.path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise

    def _write_quietly(self, workflow_of: dict[str, str]) -> None:
        try:
            self.write(workflow_of)
        except OSError as error:
            if self.problem is None:
                self.problem = f"workflow cache not saved: {self.path}: {error.strerror or error}"
        else:
            self._saved_size = len(workflow_of)

    def _merge(self, workflow_of: Mapping[str, str]) -> dict[str, str] | None:
        """Take what the dashboard learnt; a copy to write if the file lacks some of it."""
        if len(workflow_of) != self._merged_size:
            self._merged_size = len(workflow_of)
            self.known.update(workflow_of)
            if len(self.known) > MAX_ENTRIES:
                for oldest in list(self.known)[: len(self.known) - MAX_ENTRIES]:
                    del self.known[oldest]
        if len(self.known) == self._saved_size:
            return None
        # The copy is taken on the loop, so the thread never sees the dict change.
        return dict(self.known)

    def save_soon(self, workflow_of: Mapping[str, str]) -> None:
        """Write in a thread if something was learnt and the last write is a few seconds
        old; at most one write at a time. Call it from the event loop."""
        if self._writing is not None and not self._writing.done():
            return
        now = self._monotonic()
        if self._last_save is not None and now - self._last_save < self.save_every:
            return
        pending = self._merge(workflow_of)
        if pending is None:
            return
        self._last_save = now
        self._writing = asyncio.ensure_future(asyncio.to_thread(self._write_quietly, pending))

    async def aclose(self, workflow_of: Mapping[str, str]) -> None:
        """The last write, at exit or when the dashboard switches servers."""
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)
        pending = self._merge(workflow_of)
        if pending is not None:
            await asyncio.to_thread(self._write_quietly, pending)
