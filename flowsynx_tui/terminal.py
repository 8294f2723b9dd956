"""The dashboard's end when its terminal or its user says so: SIGTERM, SIGHUP and SIGQUIT
leave through Textual's exit (terminal restored), and the process is gone within a few
seconds whatever the app was doing.

Why this is more than a signal handler (three dashboards were found polling for hours with
no terminal, deaf to SIGTERM):

- when a pty's master closes (an SSH drop, ``tmux kill-session``), the kernel sends the
  session leader SIGHUP *and SIGCONT*. Textual's SIGCONT handler is its ``fg`` after
  ``ctrl+z``: it restarts application mode, i.e. a new writer thread on the dead pty. That
  thread dies on the first write (EIO); the driver's output queue (30 writes) then fills
  and the next write, often the exit's own "leave the alternate screen", blocks the event
  loop's thread for ever, signal handlers included;
- a write to a terminal nobody reads blocks the same way.

So: SIGCONT restarts application mode only on a terminal that still answers; the driver
writes through :class:`_TerminalFile`, which drops output once the terminal is gone
instead of raising (the writer thread lives on, the queue drains); a hung-up terminal is
noticed by a thread waiting for POLLHUP, SIGHUP or not; and a watchdog thread ends the
process with ``os._exit`` if the graceful exit has not within :data:`GRACE` seconds (a
second signal: at once), restoring the terminal first when there still is one.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import sys
import termios
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

log = logging.getLogger(__name__)

#: Seconds the graceful exit gets before the process ends anyway.
GRACE = 3.0
EXIT_SIGNALS = ("SIGTERM", "SIGHUP", "SIGQUIT")
#: What Textual's ``stop_application_mode`` writes: kitty keys, alternate screen, cursor,
#: focus events, mouse, bracketed paste, line wrap.
_RESET = b"\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?7h"


def terminal_alive(fd: int) -> bool:
    """The terminal still answers (after a hang-up every ioctl fails with EIO)."""
    try:
        termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError):
        return False
    return True


class _TerminalFile:
    """The driver's output file; once a write fails (EIO on a vanished pty) everything is
    dropped, so the writer thread keeps draining its queue and nobody waits on it."""

    def __init__(self, file: TextIO, gone: Callable[[], None]) -> None:
        self._file = file
        self._gone = gone
        self.broken = False

    def write(self, text: str) -> None:
        if not self.broken:
            self._guard(self._file.write, text)

    def flush(self) -> None:
        if not self.broken:
            self._guard(self._file.flush)

    def _guard(self, call: Callable[..., object], *args: object) -> None:
        try:
            call(*args)
        except (OSError, ValueError):
            self.broken = True
            self._gone()

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return self._file.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def private_file(path: Path | str, binary: bool = False, encoding: str | None = "utf-8") -> Any:
    """``path`` opened for writing, created 0600 (an existing file is truncated and made
    0600 too); a symlink in its place is refused, not followed."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        if binary:
            return open(descriptor, "wb")
        return open(descriptor, "w", encoding=encoding or "utf-8")
    except BaseException:
        os.close(descriptor)
        raise


def guarded_driver(base: type[Any], gone: Callable[[], None]) -> type[Any]:
    """``base`` (Textual's LinuxDriver) with the terminal-gone and file-mode guards."""

    class GuardedDriver(base):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._file = _TerminalFile(self._file, gone)

        def run_input_thread(self) -> None:
            # Reading a vanished pty fails with EIO; Textual would report that as a crash
            # with a traceback printed to the same vanished terminal on the way out.
            try:
                super().run_input_thread()
            except OSError:
                if terminal_alive(self.fileno):
                    raise
                gone()

        def _sigcont_application(self, *args: Any) -> None:
            # ``fg`` after ctrl+z: restart. The SIGCONT of a hang-up: nothing to restart on.
            if terminal_alive(self.fileno):
                super()._sigcont_application(*args)

        def deliver_binary(
            self,
            binary: BinaryIO | TextIO,
            *,
            delivery_key: str,
            save_path: Path,
            open_method: Literal["browser", "download"] = "download",
            encoding: str | None = None,
            mime_type: str | None = None,
            name: str | None = None,
        ) -> None:
            # Textual's own delivery (screenshots) writes with the umask's mode: 0644.
            def save() -> None:
                try:
                    with private_file(save_path, binary=not hasattr(binary, "encoding"), encoding=encoding) as out:
                        while chunk := binary.read(64 * 1024):
                            out.write(chunk)
                except (OSError, ValueError) as error:
                    log.warning("could not save %s: %s", save_path, error)
                    self._delivery_failed(delivery_key, exception=error, name=name)
                else:
                    self._delivery_complete(delivery_key, save_path=save_path, name=name)
                finally:
                    binary.close()

            threading.Thread(target=save, name="flowsynx-save", daemon=True).start()

    return GuardedDriver


class ExitGuard:
    """Signals and a vanished terminal end the process: gracefully through ``request``
    (the app's exit), by ``os._exit`` after ``grace`` seconds or at a second signal."""

    def __init__(self, request: Callable[[int], None], *, grace: float = GRACE, fd: int | None = None) -> None:
        self._request = request
        self._grace = grace
        if fd is None:
            try:
                fd = sys.__stdin__.fileno()  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                fd = None  # no terminal: signals only
        self._fd = fd
        self._lock = threading.Lock()
        self._asked: int | None = None
        self._saved: list[Any] | None = None
        if self._fd is not None and terminal_alive(self._fd):
            self._saved = termios.tcgetattr(self._fd)

    @property
    def cause(self) -> int | None:
        """The signal that ended the app (a vanished terminal counts as SIGHUP), or None."""
        with self._lock:
            asked = self._asked
        if asked is None and self._saved is not None and self._fd is not None and not terminal_alive(self._fd):
            asked = signal.SIGHUP
        return asked

    def exit_code(self, app_code: int) -> int:
        """What the process returns: the signal's status once one asked it to end, or the
        terminal went away (an error the app met while its pty vanished is that hang-up)."""
        cause = self.cause
        return app_code if cause is None else 128 + cause

    def install(self) -> None:
        for name in EXIT_SIGNALS:
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self._on_signal)
        if self._saved is not None:
            threading.Thread(target=self._watch_hangup, name="flowsynx-hangup", daemon=True).start()

    def _on_signal(self, signum: int, _frame: object) -> None:
        # Someone insisting (a second SIGTERM or SIGQUIT) is not kept waiting; SIGHUP comes
        # twice or after the hang-up was seen without meaning more than the first time.
        self.end(signum, repeated_ends_now=signum != signal.SIGHUP)

    def terminal_gone(self) -> None:
        """The terminal vanished (a write failed, or it hung up): as SIGHUP."""
        self.end(signal.SIGHUP)

    def end(self, signum: int, *, repeated_ends_now: bool = False) -> None:
        with self._lock:
            first = self._asked is None
            if first:
                self._asked = signum
        if not first:
            if repeated_ends_now:
                log.info("signal %s again: exiting now", signal.Signals(signum).name)
                self._hard_exit(128 + signum)
            return
        log.info("exiting on %s", signal.Signals(signum).name)
        threading.Thread(target=self._watchdog, args=(signum,), name="flowsynx-exit", daemon=True).start()
        self._request(signum)

    def _watch_hangup(self) -> None:
        assert self._fd is not None
        poller = select.poll()
        poller.register(self._fd, 0)  # POLLHUP and POLLERR are reported whatever is asked
        while True:
            try:
                events = poller.poll()
            except OSError:
                return
            if any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events):
                log.info("the terminal hung up")
                self.terminal_gone()
                return

    def _watchdog(self, signum: int) -> None:
        threading.Event().wait(self._grace)
        log.warning("no clean exit within %g s of %s: exiting now", self._grace, signal.Signals(signum).name)
        self._hard_exit(128 + signum)

    def _hard_exit(self, code: int) -> None:
        # Restoring may block on a terminal nobody reads: bounded by a thread's join.
        restorer = threading.Thread(target=self._restore, daemon=True)
        restorer.start()
        restorer.join(0.5)
        for handler in logging.getLogger("flowsynx_tui").handlers:
            try:
                handler.flush()
            except (OSError, ValueError):
                continue  # exiting anyway
        os._exit(code)

    def _restore(self) -> None:
        fd = self._fd
        if fd is None or self._saved is None or not terminal_alive(fd):
            return
        try:
            termios.tcsetattr(fd, termios.TCSANOW, self._saved)
            os.write(sys.__stderr__.fileno() if sys.__stderr__ else fd, _RESET)
        except (OSError, termios.error, ValueError):
            pass
