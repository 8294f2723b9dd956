"""Benchmarks of flowsynx-tui, run headless with ``python -m benchmarks``.

A benchmark is a function in a ``bench_*.py`` module of this package, registered
with ``@benchmark``. It takes ``quick`` (small sizes, for CI and tests) and returns
or yields ``Result`` rows; it may be ``async`` (e.g. to drive ``App.run_test``)::

    from benchmarks import Result, benchmark

    @benchmark("widgets.table_sort")
    def table_sort(quick: bool) -> list[Result]:
        ...
        return [Result("widgets.table_sort.10k", seconds, "s", baseline=0.3)]

``baseline`` is what the value is judged against: the same measurement of a
reference (e.g. Textual's stock widget), of a small input, or a goal. ``ratio`` is
``value / baseline``; lower is better for every benchmark here.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Benchmark", "Result", "benchmark", "discover", "registry", "run", "select"]


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = field(default=None)

    def __post_init__(self) -> None:
        if self.ratio is None and self.baseline:
            object.__setattr__(self, "ratio", self.value / self.baseline)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "ratio": self.ratio,
        }


@dataclass(frozen=True)
class Benchmark:
    name: str
    module: str
    """Short module name: ``log`` for ``benchmarks.bench_log``."""
    function: Callable[[bool], Any]


_REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Callable[[bool], Any]], Callable[[bool], Any]]:
    """Register ``function(quick: bool)`` as the benchmark ``name``."""

    def register(function: Callable[[bool], Any]) -> Callable[[bool], Any]:
        module = function.__module__.rpartition(".")[2].removeprefix("bench_")
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ValueError(f"benchmark {name!r} registered twice")
        _REGISTRY[name] = Benchmark(name, module, function)
        return function

    return register


def registry() -> dict[str, Benchmark]:
    return dict(_REGISTRY)


def discover() -> None:
    """Import every ``bench_*`` module of this package (they register on import)."""
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("bench_"):
            importlib.import_module(f"{__name__}.{module.name}")


def select(only: str | None) -> list[Benchmark]:
    """Benchmarks whose module or name is ``only`` or starts with ``only.`` (all if None)."""
    chosen = []
    for item in _REGISTRY.values():
        if only is None or only in (item.module, item.name) or item.name.startswith(f"{only}."):
            chosen.append(item)
    return chosen


def run(item: Benchmark, quick: bool) -> Iterator[Result]:
    """Run one benchmark to completion (async ones in a fresh event loop)."""
    outcome = item.function(quick)
    if inspect.isawaitable(outcome):
        outcome = asyncio.run(_awaited(outcome))
    elif isinstance(outcome, AsyncIterable):
        outcome = asyncio.run(_collected(outcome))
    yield from _as_results(outcome)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


async def _collected(results: AsyncIterable[Result]) -> list[Result]:
    return [result async for result in results]


def _as_results(outcome: Any) -> Iterable[Result]:
    if isinstance(outcome, Result):
        return [outcome]
    return list(outcome or [])
