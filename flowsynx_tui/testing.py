"""Helpers to drive the dashboard headless against the emulator: the tests, the snapshot
tests and the screenshot script share them, so all three see the same deterministic demo.

Determinism comes from a frozen emulator (seed laid out at a fixed ``base_time``, the
engine never advancing), a fixed app clock, and UTC as the local zone.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from textual.pilot import Pilot

from flowsynx_tui.app import FlowSynxApp
from flowsynx_tui.config import Settings
from flowsynx_tui.api.auth import Credentials

#: The frozen demo's seed is laid out relative to this instant ...
DEMO_BASE_TIME = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
#: ... and the app's clock is frozen a little later, so ages and durations are stable.
DEMO_NOW = DEMO_BASE_TIME + timedelta(seconds=90)


def use_utc() -> None:
    """Local time is shown by default; pin it for pictures that must not vary by machine."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def make_app(
    url: str,
    *,
    refresh: float = 0.2,
    read_only: bool = False,
    credentials: Credentials | None = None,
    frozen_clock: bool = False,
    bell: bool = False,
    keymap: dict[str, str] | None = None,
) -> FlowSynxApp:
    settings = Settings(
        url=url,
        credentials=credentials,
        refresh=refresh,
        read_only=read_only,
        bell=bell,
        keymap=keymap or {},
    )
    clock = (lambda: DEMO_NOW) if frozen_clock else None
    return FlowSynxApp(settings, clock=clock)


async def wait_for(
    pilot: Pilot[None], predicate: Callable[[], object], timeout: float = 15.0, what: str = "condition"
) -> None:
    """Let the app run until ``predicate()`` is true; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.05)


async def settle(pilot: Pilot[None], app: FlowSynxApp) -> None:
    """Wait until no poll is in flight and the screen has caught up, for stable pictures."""
    await wait_for(pilot, lambda: not any(job.in_flight for job in app.poller.jobs.values()), what="polls to finish")
    await pilot.pause()
    app.clear_notifications()
    await asyncio.sleep(0)
    await pilot.pause()


async def wait_for_screen(pilot: Pilot[None], app: FlowSynxApp, screen_type: type, timeout: float = 15.0) -> None:
    """Wait until the active screen is a ``screen_type`` whose widgets are mounted."""
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, screen_type) and app.screen.is_mounted,
        timeout,
        what=f"{screen_type.__name__} on screen",
    )
    await pilot.pause()
