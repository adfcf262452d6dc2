"""Test data written through the same documents the directory service writes.

``World.build`` creates a community with two buildings, houses, an owner, a tenant, an
elderly resident living alone, staff of each trade, a dispatcher, a manager, a grid
worker and committee members, plus a second community to prove isolation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core import clock
from core.auth import issue_token


def person(community_id: str, name: str, kind: str, roles: list[str], **extra) -> dict:
    return {"_id": clock.new_id("p"), "community_id": community_id, "kind": kind, "name": name,
            "roles": roles, "trades": [], "care_labels": [], "locale": "zh_CN", "active": True,
            "created_at": clock.now_iso(), **extra}


@dataclass
class World:
    services: object
    client: object
    community_id: str = ""
    other_community_id: str = ""
    people: dict = field(default_factory=dict)
    houses: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    @classmethod
    def build(cls, services, client) -> "World":
        world = cls(services, client)
        world.community_id = world._community("阳光花园", "YGHY")
        world.other_community_id = world._community("幸福里", "XFL")
        c = world.community_id
        for building in ("1", "2"):
            for unit in ("1", "2"):
                for room in ("101", "102", "201", "202"):
                    world._house(c, building, unit, room)
        world._house(world.other_community_id, "1", "1", "101")
        staff = [
            ("dispatcher", "王调度", ["dispatcher"], []),
            ("plumber", "李水电", ["technician"], ["plumbing", "electrical"]),
            ("plumber2", "赵水工", ["technician"], ["plumbing"]),
            ("lift_tech", "周电梯", ["technician"], ["lift"]),
            ("manager", "陈经理", ["manager"], []),
            ("security", "孙保安", ["security"], []),
            ("grid_worker", "吴网格", ["grid_worker"], []),
            ("residents_committee", "郑居委", ["residents_committee"], []),
            ("street_office", "冯街道", ["street_office"], []),
            ("admin", "物业管理员", ["admin"], []),
        ]
        for key, name, roles, trades in staff:
            world.add(key, person(c, name, "staff", roles, trades=trades, wecom_userid=f"wecom-{key}"))
        world.add("owner", person(c, "张业主", "resident", ["resident", "owner"], openid="o-owner"),
                  house="1-1-101", relation="owner")
        world.add("neighbour", person(c, "刘邻居", "resident", ["resident", "owner"], openid="o-neighbour"),
                  house="1-1-102", relation="owner")
        world.add("tenant", person(c, "钱租户", "resident", ["resident"], openid="o-tenant"),
                  house="2-1-201", relation="tenant")
        world.add("elderly", person(c, "孙奶奶", "resident", ["resident", "owner"], openid="o-elderly",
                                    care_labels=["elderly", "lives_alone"]), house="2-2-202", relation="owner")
        world.add("committee", person(c, "业委会主任", "resident", ["resident", "owner", "owners_committee"],
                                      openid="o-committee"), house="1-2-101", relation="owner")
        world.add("outsider", person(world.other_community_id, "外小区居民", "resident", ["resident", "owner"],
                                     openid="o-outsider"))
        world.add("outsider_dispatcher", person(world.other_community_id, "外小区调度", "staff", ["dispatcher"],
                                                wecom_userid="wecom-other"))
        return world

    def _community(self, name: str, code: str) -> str:
        community_id = clock.new_id("c")
        self.services.store.collection("communities").insert(
            {"_id": community_id, "name": name, "code": code, "created_at": clock.now_iso()})
        return community_id

    def _house(self, community_id: str, building: str, unit: str, room: str) -> dict:
        house = {"_id": clock.new_id("h"), "community_id": community_id, "building_id": f"{community_id}:b{building}",
                 "building": building, "unit": unit, "room": room, "floor": int(room[:-2]),
                 "area_m2": 88.5 + int(room) % 7, "label": f"{building}-{unit}-{room}", "created_at": clock.now_iso()}
        self.services.store.collection("houses").insert(house)
        if community_id == self.community_id:
            self.houses[house["label"]] = house
        return house

    def add(self, key: str, doc: dict, house: str | None = None, relation: str | None = None) -> dict:
        self.services.store.collection("people").insert(doc)
        if house:
            house_doc = self.houses[house]
            self.services.store.collection("bindings").insert({
                "_id": f"{doc['_id']}:{house_doc['_id']}", "community_id": doc["community_id"],
                "person_id": doc["_id"], "house_id": house_doc["_id"], "relation": relation,
                "state": "approved", "created_at": clock.now_iso()})
        self.people[key] = doc
        self.tokens[key] = issue_token(self.services, doc["_id"])["token"]
        return doc

    def id(self, key: str) -> str:
        return self.people[key]["_id"]

    def headers(self, key: str, **extra) -> dict:
        return {"Authorization": f"Bearer {self.tokens[key]}", **extra}

    def call(self, method: str, key: str | None, url: str, json=None, headers=None, **kw):
        all_headers = dict(headers or {})
        if key:
            all_headers.update(self.headers(key))
        return self.client.open(url, method=method, json=json, headers=all_headers, **kw)
