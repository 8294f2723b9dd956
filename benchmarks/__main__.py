"""``python -m benchmarks [--quick] [--json] [--only NAME]``: run the benchmarks headless."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence

from benchmarks import Result, discover, run, select


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds, not minutes")
    parser.add_argument("--json", action="store_true", help="one JSON object per result line")
    parser.add_argument("--only", metavar="NAME", help="a module (e.g. log) or benchmark name")
    args = parser.parse_args(argv)

    # Apps the benchmarks start (also in child processes) keep their workflow cache in a
    # directory of this run, never in the user's cache, and start without one.
    scratch = tempfile.TemporaryDirectory(prefix="bench-workflow-cache-")
    os.environ["FLOWSYNX_TUI_CACHE_DIR"] = scratch.name
    discover()
    chosen = select(args.only)
    if not chosen:
        print(f"no benchmark matches {args.only!r}", file=sys.stderr)
        return 2
    failed = False
    if not args.json:
        print(_header())
    for item in chosen:
        try:
            for result in run(item, args.quick):
                print(_json_line(result) if args.json else _table_row(result), flush=True)
        except Exception:  # one broken benchmark must not hide the others' figures
            failed = True
            print(f"benchmark {item.name} failed:", file=sys.stderr)
            traceback.print_exc()
    return 1 if failed else 0


_COLUMNS = ("{:<40}", "{:>14}", "{:<8}", "{:>14}", "{:>8}")


def _header() -> str:
    titles = ("name", "value", "unit", "baseline", "ratio")
    row = "  ".join(fmt.format(title) for fmt, title in zip(_COLUMNS, titles, strict=True))
    return f"{row}\n{'-' * len(row)}"


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or 0.001 <= abs(value) < 1e6:
        return f"{value:.4g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:.3e}"


def _table_row(result: Result) -> str:
    cells = (
        result.name,
        _number(result.value),
        result.unit,
        _number(result.baseline),
        "-" if result.ratio is None else f"{result.ratio:.2f}",
    )
    return "  ".join(fmt.format(cell) for fmt, cell in zip(_COLUMNS, cells, strict=True))


def _json_line(result: Result) -> str:
    return json.dumps(result.as_dict())


if __name__ == "__main__":
    sys.exit(main())
