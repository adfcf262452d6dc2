"""The person's open cases, for "我的报修到哪了" (ticket_status)."""
from __future__ import annotations

from workflows.complaint.machine import OPEN_STATES as COMPLAINT_OPEN
from workflows.complaint.machine import REPLIED
from workflows.complaint.service import SERVICE as COMPLAINTS
from workflows.repair.machine import OPEN_STATES as REPAIR_OPEN
from workflows.repair.service import SERVICE as REPAIRS

from . import help_requests as help_action
from . import people

LIMIT = 10
# "replied" waits for the complainant's rating: still theirs to act on
COMPLAINT_SHOWN = frozenset(COMPLAINT_OPEN) | {REPLIED}
REPAIR_SHOWN = frozenset(REPAIR_OPEN) | {"resolved"}


def open_cases(services, person: dict) -> list[dict]:
    """``[{"workflow", "number", "state", "created_at", "id"}]``, newest first, at most :data:`LIMIT`."""
    actor = people.actor_of(person)
    found = [_row("repair", case) for case in
             REPAIRS.list(services, actor, state=",".join(sorted(REPAIR_SHOWN)), limit=LIMIT).items]
    found += [_row("complaint", case) for case in
              COMPLAINTS.list(services, actor, state=",".join(sorted(COMPLAINT_SHOWN)), limit=LIMIT).items]
    found += [_row("help", doc) for doc in help_action.open_requests(services, person, LIMIT)]
    found.sort(key=lambda row: row["created_at"], reverse=True)
    return found[:LIMIT]


def _row(workflow: str, case: dict) -> dict:
    return {"workflow": workflow, "number": case.get("number", ""), "state": case.get("state", ""),
            "created_at": case.get("created_at", ""), "id": case.get("_id")}
