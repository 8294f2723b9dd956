"""What an index and a tool installer read from the package's metadata."""

from __future__ import annotations

from importlib.metadata import metadata

import flowsynx_tui


def test_metadata_is_ready_for_an_index() -> None:
    meta = metadata("flowsynx-tui")
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in (meta.get_all("License-File") or [])
    classifiers = set(meta.get_all("Classifier") or [])
    for wanted in (
        "Environment :: Console",
        "Topic :: System :: Monitoring",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
    ):
        assert wanted in classifiers
    assert meta["Requires-Python"] == ">=3.11"
    assert meta.get_all("Project-URL")


def test_the_version_is_written_once() -> None:
    assert flowsynx_tui.__version__ == metadata("flowsynx-tui")["Version"]
