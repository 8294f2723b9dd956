"""A FlowSynx v1.3.0 compatible server for development and tests, built on Starlette and uvicorn.

It speaks the HTTP API described in the project's FlowSynx reference (envelopes, paging, errors,
auth, approvals, quirks Q1, Q2, Q4, Q5, Q8), runs workflows on a simulated engine and can inject
faults. ``Emulator(fidelity="real")`` adds the server's unkind behaviours (Q3, Q6, Q10, Q11, Q14
and more, see ``fidelity``); ``execution_list="by-workflow"`` makes the execution list filter by
workflow. It is independent of the rest of the package: no Textual, no ``flowsynx_tui.api``.

Typical use in tests::

    emu = Emulator(auth="basic", time_scale=0.02)
    with EmulatorServer(emu) as server:
        httpx.get(f"{server.url}/workflows", auth=("admin", "admin"))

See ``auth`` for the demo users, ``seed`` for the demo data, ``faults`` for fault injection and
``definition`` for the simulation hints a workflow task can carry.
"""

from .auth import ADMIN_USER_ID, ANONYMOUS_ADMIN, DEMO_USERS
from .core import Emulator
from .definition import DefinitionError
from .faults import Faults
from .middleware import RecordedRequest
from .server import EmulatorServer, run_emulator

__all__ = [
    "ADMIN_USER_ID",
    "ANONYMOUS_ADMIN",
    "DEMO_USERS",
    "DefinitionError",
    "Emulator",
    "EmulatorServer",
    "Faults",
    "RecordedRequest",
    "run_emulator",
]
