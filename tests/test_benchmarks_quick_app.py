"""The app-level benchmarks run end to end in quick mode (figures are not checked: machines are noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.long

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"name", "value", "unit", "baseline", "ratio"}


def run_quick(only: str) -> list[dict[str, object]]:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", "--only", only],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    rows = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    assert rows, "no benchmark results printed"
    for row in rows:
        assert set(row) == FIELDS
        assert isinstance(row["name"], str) and row["name"].startswith(f"{only}.")
        assert isinstance(row["value"], (int, float)) and isinstance(row["unit"], str)
        assert row["baseline"] is None or isinstance(row["baseline"], (int, float))
        assert row["ratio"] is None or isinstance(row["ratio"], (int, float))
    return rows


@pytest.mark.parametrize(
    ("only", "families"),
    [
        ("tables", {"first_paint", "refresh_1pct", "refresh_new_row", "executions_screen", "sort", "filter", "first_read"}),
        ("polling", {"overview", "detail_finished", "big_start"}),
        ("idle", {"clock_app", "workflows", "execution_finished", "new_runs"}),
    ],
)
def test_quick_app_benchmarks_print_json_lines(only: str, families: set[str]) -> None:
    rows = run_quick(only)
    assert families <= {row["name"].split(".")[1] for row in rows}  # type: ignore[union-attr]
