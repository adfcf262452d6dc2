"""Subscribe-message consent (订阅消息授权): WeChat lets Linli send a mini-program subscribe
message only after the user accepted that *platform* template in ``wx.requestSubscribeMessage``,
and each acceptance allows exactly one message.

So consent is a counter per person and platform template id: the mini-program reports each
acceptance (``grant``), a successful send uses one (``consume``), and WeChat's own refusal
(43101: no quota left) zeroes it (``revoke``). Several Linli templates may map to one platform
template (see :mod:`notifications.miniapp`); they share its counter, as they share WeChat's.

Documents live in ``consents`` with the natural id ``<person_id>:<template_id>``; the declared
``(person_id, template)`` index lists one person's consents.
"""
from __future__ import annotations

from core import clock
from core.errors import Conflict
from core.store import DuplicateKey

# a hostile client may claim any number of acceptances; WeChat would refuse the extra sends
# anyway, this only bounds how many doomed attempts a lie can cause
MAX_PER_TEMPLATE = 50
_CAS_ATTEMPTS = 5


def _id(person_id: str, template_id: str) -> str:
    return f"{person_id}:{template_id}"


def available(store, person_id: str, template_id: str) -> int:
    """How many messages of ``template_id`` the person has agreed to receive."""
    doc = store.collection("consents").get(_id(person_id, template_id))
    return int(doc.get("remaining", 0)) if doc else 0


def _change(store, person: dict, template_id: str, change) -> int:
    """Compare-and-set ``remaining`` to ``change(remaining)``, creating the document if new."""
    consents = store.collection("consents")
    doc_id = _id(person["_id"], template_id)
    for _ in range(_CAS_ATTEMPTS):
        doc = consents.get(doc_id)
        now = clock.now_iso()
        if doc is None:
            fresh = {"_id": doc_id, "person_id": person["_id"], "community_id": person.get("community_id"),
                     "template": template_id, "remaining": change(0), "updated_at": now, "created_at": now}
            try:
                consents.insert(fresh)
                return fresh["remaining"]
            except DuplicateKey:
                continue
        version = doc["version"]
        doc.update(remaining=change(int(doc.get("remaining", 0))), updated_at=now)
        if consents.replace(doc, version):
            return doc["remaining"]
    raise Conflict("error.conflict")


def grant(store, person: dict, template_ids: list[str]) -> dict[str, int]:
    """Record one acceptance per listed template id (a repeated id counts again)."""
    remaining = {}
    for template_id in template_ids:
        remaining[template_id] = _change(store, person, template_id, lambda n: min(n + 1, MAX_PER_TEMPLATE))
    return remaining


def consume(store, person: dict, template_id: str) -> None:
    """A message was sent: one acceptance is used up."""
    _change(store, person, template_id, lambda n: max(n - 1, 0))


def revoke(store, person: dict, template_id: str) -> None:
    """WeChat says the user has no quota left for this template: believe it."""
    _change(store, person, template_id, lambda n: 0)
