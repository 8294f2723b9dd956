"""How often Python's garbage collector runs in the dashboard's process.

A full collection walks every tracked object: right after start that is ~100k of them
(modules, classes, Textual's styles and widgets), ~150 ms on a small machine, during which
nothing is drawn and no key is read. With CPython's default thresholds (700, 10, 10) a
followed log writing 5,000 lines a second caused one every ~2 s: each poll parses a few
thousand entries, young collections in the middle of that promote them to the oldest
generation although they die a moment later, and a quarter of the oldest generation
being new is what starts a full pass. Those pauses were the worst stalls of the burst
benchmark (``python -m benchmarks --only follow.burst``): p99 ~200 ms.

While the modules load (from ``starting`` to ``settle``) the collector does not run at
all: importing Textual, httpx, pydantic and the dashboard's modules builds ~90k objects
that live as long as the process and leaves ~650 in cycles as garbage (frozen with the
rest, never freed: tens of KB), yet with the default thresholds it cost ~110 young
passes and a full one, ~45 ms of the start (``python -m benchmarks --only startup``).

So, once the app is up:

* what exists then lives as long as the process: ``gc.freeze`` moves it out of the
  collector's way;
* young collections run after 50,000 allocations instead of 700, so a parsed batch is
  usually freed by reference counting before any collection sees it, and is not promoted;
* the older generations keep their default ratios, so cyclic garbage (a closed screen
  and the log it held) is still collected, only later.
"""

from __future__ import annotations

import gc

YOUNG = 50_000
MIDDLE = 20
OLD = 10


def starting() -> None:
    """Call before the app's modules are imported: no collection until ``settle``."""
    gc.disable()


def settle() -> None:
    """Call once the app has started: freeze what exists and space out collections."""
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
    gc.enable()
