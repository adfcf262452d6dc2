"""Help requests (代买, 陪诊, reading a notice...) recorded for the grid worker.

Until the volunteer workflow exists, a help request is a small record of its own
(collection ``help_requests``), not a complaint or a repair: it is routed to the
community's grid workers and residents' committee — the people who visit elderly
residents and will later turn it into a volunteer task — who are told through the
outbox. The whole decision sits behind :func:`record`, so the volunteer workflow can
take it over by changing this one function::

    {"_id", "number": "BZ000001", "community_id", "person_id", "what", "when",
     "photos", "channel", "state": "open", "created_at"}
"""
from __future__ import annotations

from core import clock
from core.roles import GRID_WORKER, RESIDENTS_COMMITTEE

from . import outbox

COLLECTION = "help_requests"
OPEN_STATES = ("open",)
HANDLER_ROLES = (GRID_WORKER, RESIDENTS_COMMITTEE)


def record(services, person: dict, slots: dict, inbound) -> dict:
    store = services.store
    community_id = person["community_id"]
    sequence = store.next_sequence(f"help:{community_id}")
    when = slots.get("when") or {}
    doc = {"_id": clock.new_id("hp"), "number": f"BZ{sequence:06d}", "community_id": community_id,
           "person_id": person["_id"], "person_name": person.get("name", ""), "what": slots["what"][:2000],
           "when": {k: when[k] for k in ("text", "start", "end", "anytime") if k in when},
           "photos": list(slots.get("photos", []))[:9], "channel": inbound.channel, "state": "open",
           "created_at": clock.now_iso()}
    with store.transaction():
        store.collection(COLLECTION).insert(doc)
        outbox.event(store, community_id=community_id, type_="help.created", workflow="help", record=doc,
                     recipients=outbox.staff_ids(store, community_id, HANDLER_ROLES),
                     data={"name": doc["person_name"], "what": doc["what"][:100]})
    return doc


def open_requests(services, person: dict, limit: int = 10) -> list[dict]:
    """The person's help requests still waiting for someone."""
    found = services.store.collection(COLLECTION).find(
        {"community_id": person["community_id"], "person_id": person["_id"]}, sort=[("created_at", -1)],
        limit=limit).items
    return [doc for doc in found if doc.get("state") in OPEN_STATES]
