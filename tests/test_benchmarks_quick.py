"""The benchmark runner works end to end (figures are not checked: machines are noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_log_benchmarks_print_json_lines() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", "--only", "log"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    rows = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    assert rows, "no benchmark results printed"
    for row in rows:
        assert set(row) == {"name", "value", "unit", "baseline", "ratio"}
        assert row["name"].startswith("log.") and isinstance(row["value"], (int, float))
    names = {row["name"].split(".")[1] for row in rows}
    assert {"ingest", "scroll", "filter", "search"} <= names
