"""flowsynx-tui: a terminal dashboard for FlowSynx workflow executions."""

import logging
from importlib.metadata import PackageNotFoundError, version

# Silent unless --log names a file: never Python's last-resort handler on stderr, which is
# the dashboard's screen.
logging.getLogger(__name__).addHandler(logging.NullHandler())

try:
    # The one place the version is written is pyproject.toml.
    __version__ = version("flowsynx-tui")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
