"""flowsynx-tui: a terminal dashboard for FlowSynx workflow executions."""

from importlib.metadata import PackageNotFoundError, version

try:
    # The one place the version is written is pyproject.toml.
    __version__ = version("flowsynx-tui")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
