"""Fidelity profiles: how kind the emulator is compared with a real FlowSynx v1.3.0 server.

``friendly`` (the default of ``Emulator``) smooths over the server's worst habits so a dashboard
shows something useful; ``real`` (the default of ``flowsynx-tui emulator``) reproduces them, as
the API reference describes them (section numbers and quirk ids refer to it):

========================  ===============================================  =====================================
switch                    ``real``                                         ``friendly``
========================  ===============================================  =====================================
``system_logs``           Q3: engine lines of queued runs are stored       every line belongs to the
                          under user ``System``; log lists filter by the   execution's owner
                          caller, so only lines written during an
                          approve-resume (inside the request) show
``rerun_after_resume``    Q6: tasks finished before the gate run again     finished tasks stay finished
                          after approval (rows back to Pending, new
                          start/end times)
``cancel_registry``       Q10: cancel needs the run's registry entry,      cancel of any Paused execution
                          keyed by user, workflow and execution; a         is 200, across restarts
                          pausing run leaves it (200, stays Paused),
                          cancel removes it, a restart empties it
``approve_uses_up``       approve of a non-Paused execution marks the      FSX2439 and the approval stays
                          approval Approved, then FSX2439                  Pending
``approval_by_workflow``  approve/reject under a wrong ``{workflowId}``    the workflow id is ignored
                          is FSX2440
``modified_is_now``       never-edited workflows list ``modifiedDate``     creation time
                          as the request time (``DateTime.UtcNow``,
                          so with ``Z``)
``hide_deleted``          Q11: details of an execution of a deleted        details still answer
                          workflow are 404 (FSX2436)
``metrics_404``           Q14: ``/metrics`` with no identity is 404        401 PascalCase ``[FSX1550] …``
                          camelCase, no ``[FSX1550]`` prefix
``cancel_parses_ids``     malformed ``{workflowId}`` on cancel is 500      400 ``[FSX1401]``
                          PascalCase (parsed, not validated)
``trim_timestamps``       2.2: trailing zeros of the fraction trimmed      always 7 fraction digits
``legacy_workflow_role``  no role ``workflow`` (7.2)                       ``workflow`` = workflows +
                                                                           executions + approvals
``tasks_by_user``         task list/details filter by workflow and         also by user
                          execution only (7.1)
``health_components``     Plugins service, Logger service                  plus Database service
========================  ===============================================  =====================================

Independent of the profile, ``execution_list`` chooses what ``GET /workflows/{id}/executions``
lists: ``all`` (quirk Q1, every execution of the caller) or ``by-workflow`` (that workflow's only,
404 FSX2401 for an id that is no workflow of the caller's), as the original API page describes.
"""

from __future__ import annotations

from dataclasses import dataclass

FRIENDLY = "friendly"
REAL = "real"
FIDELITIES = (FRIENDLY, REAL)

ALL = "all"
BY_WORKFLOW = "by-workflow"
EXECUTION_LISTS = (ALL, BY_WORKFLOW)

#: The user id the server's log sink stores when there is no HTTP user (background worker).
SYSTEM_USER_ID = "System"


@dataclass(frozen=True)
class Profile:
    name: str
    system_logs: bool
    rerun_after_resume: bool
    cancel_registry: bool
    approve_uses_up: bool
    approval_by_workflow: bool
    modified_is_now: bool
    hide_deleted: bool
    metrics_404: bool
    cancel_parses_ids: bool
    trim_timestamps: bool
    legacy_workflow_role: bool
    tasks_by_user: bool
    health_components: tuple[str, ...]

    @classmethod
    def named(cls, name: str) -> Profile:
        if name == REAL:
            return REAL_PROFILE
        if name == FRIENDLY:
            return FRIENDLY_PROFILE
        raise ValueError(f"fidelity must be one of {', '.join(FIDELITIES)}, not {name!r}")

    @property
    def real(self) -> bool:
        return self.name == REAL

    def engine_log_owner(self, owner: str) -> str:
        """Who owns a log line written by the background worker for an execution of ``owner``."""
        return SYSTEM_USER_ID if self.system_logs else owner


FRIENDLY_PROFILE = Profile(
    name=FRIENDLY,
    system_logs=False,
    rerun_after_resume=False,
    cancel_registry=False,
    approve_uses_up=False,
    approval_by_workflow=False,
    modified_is_now=False,
    hide_deleted=False,
    metrics_404=False,
    cancel_parses_ids=False,
    trim_timestamps=False,
    legacy_workflow_role=True,
    tasks_by_user=True,
    health_components=("Plugins service", "Logger service", "Database service"),
)

REAL_PROFILE = Profile(
    name=REAL,
    system_logs=True,
    rerun_after_resume=True,
    cancel_registry=True,
    approve_uses_up=True,
    approval_by_workflow=True,
    modified_is_now=True,
    hide_deleted=True,
    metrics_404=True,
    cancel_parses_ids=True,
    trim_timestamps=True,
    legacy_workflow_role=False,
    tasks_by_user=False,
    health_components=("Plugins service", "Logger service"),
)


def check_execution_list(name: str) -> str:
    if name not in EXECUTION_LISTS:
        raise ValueError(f"execution_list must be one of {', '.join(EXECUTION_LISTS)}, not {name!r}")
    return name
