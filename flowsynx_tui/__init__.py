"""flowsynx-tui: a terminal dashboard for FlowSynx workflow executions."""

import logging
from typing import Any

# Silent unless --log names a file: never Python's last-resort handler on stderr, which is
# the dashboard's screen.
logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    # ``__version__`` is read from the installed metadata when first asked for (--version,
    # the debug log): importing importlib.metadata costs ~25 ms of every start otherwise.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        # The one place the version is written is pyproject.toml.
        found = version("flowsynx-tui")
    except PackageNotFoundError:  # run from a source tree that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
