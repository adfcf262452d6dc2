"""``linli seed-demo``: a believable community to click through, loaded idempotently.

阳光花园 in 天山区, Urumqi: six buildings, 200 houses of 60–140 m², owners and tenants bound,
an elderly lady living alone with her son as family contact, staff of every trade with
WeCom userids, committee members and public places. Every document has a natural-key id
(``demo:...`` or derived from its address), so a second run inserts nothing and a run that
died half-way is completed by the next one.
"""
from __future__ import annotations

import random

from core.roles import (ADMIN, DISPATCHER, GRID_WORKER, MANAGER, OWNER, OWNERS_COMMITTEE, PLATFORM_ADMIN,
                        RESIDENT, RESIDENTS_COMMITTEE, SECURITY, STREET_OFFICE, TECHNICIAN, VOLUNTEER)

from .bindings import new_binding
from .people import new_person
from .premises import house_id, new_building, new_house, new_place

COMMUNITY_ID = "demo:yghy"
COMMUNITY = {"_id": COMMUNITY_ID, "name": "阳光花园", "code": "DEMO-YGHY", "city": "乌鲁木齐市",
             "district": "天山区", "street": "和平路街道"}
# (building number, floors); every building has two units with two homes per floor
BUILDINGS = [("1", 8), ("2", 8), ("3", 8), ("4", 8), ("5", 8), ("6", 10)]
PLACES = [("地下车库", "parking"), ("北门", "gate"), ("南门", "gate"), ("3号楼大堂", "lobby"), ("花园", "garden")]
STAFF = [  # key, name, roles, trades, WeCom userid
    ("dispatcher", "王丽", [DISPATCHER], [], "demo-dispatcher"),
    ("technician", "李强", [TECHNICIAN], ["plumbing"], "demo-plumber"),
    ("electrician", "赵刚", [TECHNICIAN], ["electrical"], "demo-electrician"),
    ("lift_technician", "周明", [TECHNICIAN], ["lift"], "demo-lift"),
    ("doors_technician", "吴磊", [TECHNICIAN], ["doors"], "demo-doors"),
    ("network_technician", "郑浩", [TECHNICIAN], ["network"], "demo-network"),
    ("handyman", "冯建军", [TECHNICIAN], ["general", "plumbing"], "demo-handyman"),
    ("manager", "陈静", [MANAGER], [], "demo-manager"),
    ("security", "孙勇", [SECURITY], [], "demo-security"),
    ("grid_worker", "马燕", [GRID_WORKER], [], "demo-grid"),
    ("residents_committee", "杨红梅", [RESIDENTS_COMMITTEE], [], "demo-rc"),
    ("street_office", "何志华", [STREET_OFFICE], [], "demo-street"),
    ("admin", "刘洋", [ADMIN], [], "demo-admin"),
]
# residents the demo hands out openids for: key, name, house, relation, extra roles, extra fields
NAMED_RESIDENTS = [
    ("resident", "张伟", "3-2-501", "owner", [], {}),
    ("tenant", "钱晓雨", "2-1-302", "tenant", [], {}),
    ("elderly", "孙桂兰", "1-1-101", "owner", [], {
        "care_labels": ["elderly", "lives_alone"], "birth_year": 1943,
        "family_contacts": [{"name": "孙建国", "phone": "13909910001", "relation": "儿子"}],
        "conditions": ["高血压", "糖尿病"], "medicines": ["硝苯地平", "二甲双胍"]}),
    ("committee", "周海涛", "5-1-601", "owner", [OWNERS_COMMITTEE], {}),
    ("committee2", "黄秀英", "4-2-302", "owner", [OWNERS_COMMITTEE], {}),
    ("volunteer", "林小芳", "6-1-801", "owner", [VOLUNTEER], {}),
]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
          "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "辉", "玉兰", "志强", "海燕", "红", "鹏"]


def _houses() -> list[dict]:
    houses = []
    for number, floors in BUILDINGS:
        for unit in ("1", "2"):
            for floor in range(1, floors + 1):
                for door in (1, 2):
                    room = f"{floor}{door:02d}"
                    # seeded by the address so every run gives every house the same area
                    rng = random.Random(f"{number}-{unit}-{room}")
                    area = rng.uniform(95, 140) if door == 1 else rng.uniform(60, 95)
                    houses.append(new_house(COMMUNITY_ID, number, unit, room, floor, round(area, 2)))
    return houses


class _Loader:
    """Collects the demo's documents, then inserts those not stored yet (ids are natural
    keys, so "stored" is one batched id look-up per collection)."""

    def __init__(self):
        self.docs: dict[str, list[dict]] = {}

    def ensure(self, collection: str, doc: dict) -> dict:
        self.docs.setdefault(collection, []).append(doc)
        return doc

    def flush(self, store) -> int:
        created = 0
        for collection, docs in self.docs.items():
            coll = store.collection(collection)
            stored = {d["_id"] for d in coll.get_many(d["_id"] for d in docs)}
            for doc in docs:
                if doc["_id"] not in stored:
                    coll.insert(doc)
                    created += 1
        return created

    def person(self, key: str, kind: str, name: str, roles, **extra) -> dict:
        community = None if PLATFORM_ADMIN in roles else COMMUNITY_ID
        doc = new_person(community, kind, name, roles, person_id=f"demo:p:{key}", **extra)
        return self.ensure("people", doc)

    def bind(self, person: dict, house: dict, relation: str) -> None:
        doc = new_binding(COMMUNITY_ID, person["_id"], house["_id"], relation, "approved",
                          decided_by="demo:p:admin")
        self.ensure("bindings", doc)


def seed(services) -> dict:
    """Load the demo community (idempotent) and return the ids a tester needs, as JSON-able data."""
    store = services.store
    loader = _Loader()
    loader.ensure("communities", {**COMMUNITY, "created_at": "2024-03-01T02:00:00.000000Z"})
    houses = {h["label"]: loader.ensure("houses", h) for h in _houses()}
    for number, floors in BUILDINGS:
        loader.ensure("buildings", new_building(COMMUNITY_ID, number, units=2, floors=floors))
    for name, kind in PLACES:
        loader.ensure("places", new_place(COMMUNITY_ID, name, kind))
    staff = {key: loader.person(key, "staff", name, roles, trades=trades, wecom_userid=userid,
                                phone=f"1390991{index:04d}",
                                **({"max_open_tickets": 8} if TECHNICIAN in roles else {}))
             for index, (key, name, roles, trades, userid) in enumerate(STAFF)}
    loader.person("platform_admin", "staff", "街道信息科", [PLATFORM_ADMIN], wecom_userid="demo-platform")
    named = {}
    for key, name, label, relation, roles, extra in NAMED_RESIDENTS:
        owner_roles = [OWNER] if relation in ("owner", "co_owner") else []
        named[key] = loader.person(key, "resident", name, [RESIDENT, *owner_roles, *roles],
                                   openid=f"o-demo-{key}", phone=f"1380991{len(named):04d}",
                                   **{k: v for k, v in extra.items() if k != "care_labels"},
                                   care_labels=extra.get("care_labels", []))
        loader.bind(named[key], houses[label], relation)
    _neighbours(loader, houses, {label for _, _, label, *_ in NAMED_RESIDENTS})
    with store.transaction():
        created = loader.flush(store)
    return {
        "community_id": COMMUNITY_ID, "community_name": COMMUNITY["name"],
        "resident_openid": "o-demo-resident", "resident_house": "3-2-501",
        "resident_house_id": house_id(COMMUNITY_ID, "3", "2", "501"),
        "tenant_openid": "o-demo-tenant", "elderly_openid": "o-demo-elderly",
        "committee_openid": "o-demo-committee", "volunteer_openid": "o-demo-volunteer",
        **{f"{key}_userid": doc["wecom_userid"] for key, doc in staff.items()},
        "platform_admin_userid": "demo-platform",
        "houses": len(houses), "created": created,
    }


def _neighbours(loader: _Loader, houses: dict[str, dict], taken: set[str]) -> None:
    """Owners in most other homes, a tenant in some: a deterministic pattern, not random."""
    for index, (label, house) in enumerate(sorted(houses.items())):
        if label in taken or index % 5 == 4:          # every fifth home unsold or not registered
            continue
        name = _SURNAMES[index % len(_SURNAMES)] + _GIVEN[(index * 7) % len(_GIVEN)]
        owner = loader.person(f"owner-{label}", "resident", name, [RESIDENT, OWNER],
                              phone=f"1370991{index:04d}")
        loader.bind(owner, house, "owner")
        if index % 7 == 3:
            tenant_name = _SURNAMES[(index * 3) % len(_SURNAMES)] + _GIVEN[(index * 11) % len(_GIVEN)]
            tenant = loader.person(f"tenant-{label}", "resident", tenant_name, [RESIDENT],
                                   phone=f"1360991{index:04d}")
            loader.bind(tenant, house, "tenant")
