"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from flowsynx_tui.emulator import Emulator, EmulatorServer

# --- emulator_server: owned by the emulator; put other fixtures outside this block -------------


@pytest.fixture
def emulator_server() -> Iterator[Callable[..., EmulatorServer]]:
    """Factory: ``emulator_server(auth="basic", seed=False, ...)`` returns a started server.

    Keyword arguments go to ``Emulator``; ``time_scale`` defaults to 0.02 so simulated tasks take
    milliseconds. The emulator is ``server.emulator``. Every server is stopped at teardown.
    """
    servers: list[EmulatorServer] = []

    def start(**options: Any) -> EmulatorServer:
        options.setdefault("time_scale", 0.02)
        server = EmulatorServer(Emulator(**options))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# --- end of emulator_server ---------------------------------------------------------------------

# --- dashboard helpers ----------------------------------------------------------------------------

from flowsynx_tui.testing import use_utc  # noqa: E402

# Timestamps render in local time; pin the zone so tests and snapshots agree everywhere.
use_utc()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector as the dashboard sets it once started (``gc_policy.settle``): what is
    imported by now lives as long as the process. Apps under test otherwise run with
    CPython's defaults, which the dashboard never does, and spend ~8% more CPU on it."""
    from flowsynx_tui import gc_policy

    gc_policy.settle()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first: with the tests spread over processes, one started last would
    keep the whole run waiting for it alone."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(autouse=True)
def workflow_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app a test starts keeps its execution-to-workflow cache in a directory of its
    own, never in the user's cache, and no test sees another's (``FLOWSYNX_TUI_CACHE_DIR``)."""
    monkeypatch.setenv("FLOWSYNX_TUI_CACHE_DIR", str(tmp_path_factory.mktemp("workflow-cache")))

# --- resilience summary (tests/test_resilience.py) ----------------------------------------------


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per fault class, only when tests/test_resilience.py ran."""
    import sys

    module = sys.modules.get("tests.test_resilience") or sys.modules.get("test_resilience")
    results: dict[str, list[int]] = getattr(module, "RESULTS", {})
    if not results:
        return
    order = [name for name in getattr(module, "FAULT_CLASSES", ()) if name in results]
    order += [name for name in results if name not in order]
    terminalreporter.section("resilience")
    for name in order:
        tried, survived = results[name]
        terminalreporter.write_line(f"{name}: {tried} scenarios tried, {survived} survived")
    tried = sum(r[0] for r in results.values())
    survived = sum(r[1] for r in results.values())
    terminalreporter.write_line(f"total: {tried} scenarios tried, {survived} survived")
    for figure in getattr(module, "LOG_FIGURES", ()):
        terminalreporter.write_line(f"log entries in the pane vs on the server, {figure}")


# --- end of resilience summary --------------------------------------------------------------------
