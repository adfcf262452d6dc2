"""CSV import of houses and residents: check every row, then write all of it or nothing.

Both importers read the whole file, check every row against the file itself and the
stored data, and either raise :class:`~.csv_table.ImportRejected` listing every problem
(row, column, problem, message key) with nothing written, or write everything in one
store transaction. Where the store has no multi-document transactions (a standalone
MongoDB), documents inserted before a failure are deleted again, so a half import never
stays behind.
"""
from __future__ import annotations

from functools import partial

from core import clock
from core.errors import Conflict
from core.roles import OWNER, RESIDENT, Actor
from core.store import DuplicateKey

from . import fields
from .bindings import new_binding, sync_owner_role
from .csv_table import Problems, read_table
from .people import new_person
from .premises import building_id, floor_from_room, new_building, new_house
from .scope import DIRECTORY_ADMINS, community_of, require, update

HOUSE_COLUMNS = ("building", "unit", "room", "area_m2")
HOUSE_OPTIONAL = ("floor",)
RESIDENT_COLUMNS = ("name", "phone", "building", "unit", "room", "relation")
RESIDENT_OPTIONAL = ("openid", "care_labels")


def import_houses(store, actor: Actor, csv_text: bytes | str, community_id: str | None = None) -> dict:
    """Import houses from CSV.

    Columns (header row required, order free, Chinese headers accepted):
    ``building`` (楼栋), ``unit`` (单元), ``room`` (房号), ``area_m2`` (专有面积, exclusive-part
    area in m²), optional ``floor`` (楼层; derived from the room number when absent:
    ``1203`` -> 12). Buildings that do not exist yet are created. A house already stored,
    or listed twice, is an error. Returns ``{"houses": n, "buildings": n}``.
    """
    require(actor, DIRECTORY_ADMINS)
    cid = community_of(store, actor, community_id)
    rows = read_table(csv_text, HOUSE_COLUMNS, HOUSE_OPTIONAL)
    checks = {"building": fields.code, "unit": fields.code, "room": fields.code,
              "floor": partial(fields.integer, low=-5, high=200, required=False), "area_m2": fields.area}
    problems = Problems()
    with store.transaction():
        stored = {(h["building"], h["unit"], h["room"])
                  for h in store.collection("houses").find({"community_id": cid}).items}
        seen: dict[tuple, int] = {}
        houses = []
        for row_no, row in rows:
            v = problems.check_row(row_no, row, checks)
            if v is None:
                continue
            floor = v["floor"] if v["floor"] is not None else floor_from_room(v["room"])
            key = (v["building"], v["unit"], v["room"])
            if floor is None:
                problems.add(row_no, "floor", "required")
            elif key in seen:
                problems.add(row_no, "room", "duplicate_in_file", first_row=seen[key])
            elif key in stored:
                problems.add(row_no, "room", "already_exists")
            else:
                seen[key] = row_no
                houses.append(new_house(cid, *key, floor, v["area_m2"]))
        problems.raise_if_any()
        buildings = _missing_buildings(store, cid, houses)
        _insert_all(store, [("buildings", b) for b in buildings] + [("houses", h) for h in houses])
    return {"houses": len(houses), "buildings": len(buildings)}


def _missing_buildings(store, community_id: str, houses: list[dict]) -> list[dict]:
    by_number: dict[str, list[dict]] = {}
    for house in houses:
        by_number.setdefault(house["building"], []).append(house)
    existing = {b["_id"] for b in store.collection("buildings").get_many(
        building_id(community_id, n) for n in by_number)}
    return [new_building(community_id, number, units=len({h["unit"] for h in group}),
                         floors=max(max(h["floor"] for h in group), 1))
            for number, group in by_number.items() if building_id(community_id, number) not in existing]


def _insert_all(store, docs: list[tuple[str, dict]]) -> None:
    """Insert in order; on failure undo what this call inserted (for stores without
    transactions; inside a real transaction the rollback has already done it)."""
    done: list[tuple[str, str]] = []
    try:
        for collection, doc in docs:
            store.collection(collection).insert(doc)
            done.append((collection, doc["_id"]))
    except BaseException as exc:
        for collection, doc_id in reversed(done):
            store.collection(collection).delete(doc_id)
        if isinstance(exc, DuplicateKey):   # someone imported the same rows a moment ago
            raise Conflict("directory.import.conflict") from exc
        raise


def import_residents(store, actor: Actor, csv_text: bytes | str, community_id: str | None = None) -> dict:
    """Import residents and their (approved) bindings from CSV.

    Columns: ``name`` (姓名), ``phone`` (手机号, mainland mobile), ``building``, ``unit``,
    ``room`` (an existing house), ``relation`` (owner/co_owner/family/tenant or 业主/共有人/
    家属/租户), optional ``openid`` (mini-program openid) and ``care_labels`` (``elderly;
    lives_alone`` or 老人、独居). One phone number is one person: rows sharing a phone bind
    that person to several houses. A phone already registered in the community reuses
    that person if the name matches. Errors: unknown house, a (phone, house) pair twice
    in the file or already bound, one phone under two names, an openid that belongs to
    someone else. Returns ``{"people": new people, "bindings": n, "owners": owners now}``.
    """
    require(actor, DIRECTORY_ADMINS)
    cid = community_of(store, actor, community_id)
    rows = read_table(csv_text, RESIDENT_COLUMNS, RESIDENT_OPTIONAL)
    checks = {"name": fields.text, "phone": fields.phone, "building": fields.code, "unit": fields.code,
              "room": fields.code, "relation": fields.relation, "openid": fields.openid,
              "care_labels": fields.care_labels}
    problems = Problems()
    with store.transaction():
        houses = {(h["building"], h["unit"], h["room"]): h
                  for h in store.collection("houses").find({"community_id": cid}).items}
        checked = []
        for row_no, row in rows:
            v = problems.check_row(row_no, row, checks)
            if v is None:
                continue
            house = houses.get((v["building"], v["unit"], v["room"]))
            if house is None:
                problems.add(row_no, "room", "unknown_house",
                             label=f"{v['building']}-{v['unit']}-{v['room']}")
                continue
            checked.append((row_no, v, house))
        plan = _ResidentPlan(store, cid, actor, checked)
        for row_no, v, house in checked:
            plan.add(problems, row_no, v, house)
        problems.raise_if_any()
        return plan.write()


def _find_in(store, collection: str, filter: dict, field: str, values: list[str],
             chunk: int = 500) -> list[dict]:
    """Documents whose ``field`` is one of ``values``, a few hundred per query (one query per
    row would be thousands of round trips to MongoDB for one spreadsheet)."""
    found = []
    for start in range(0, len(values), chunk):
        part = values[start:start + chunk]
        found += store.collection(collection).find({**filter, field: {"$in": part}}).items
    return found


class _ResidentPlan:
    """What the resident rows will write, checked row by row against file and store."""

    def __init__(self, store, community_id: str, actor: Actor, rows: list[tuple[int, dict, dict]]):
        self.store, self.community_id, self.actor = store, community_id, actor
        # what the store already holds about the file's phones, openids and bindings, read in bulk
        phones = sorted({v["phone"] for _, v, _ in rows})
        stored = _find_in(store, "people", {"community_id": community_id}, "phone", phones)
        self.stored_phones = {p["phone"]: p for p in stored}
        openids = sorted({v["openid"] for _, v, _ in rows if v["openid"]})
        self.openid_holders = {p["openid"]: p for p in _find_in(store, "people", {}, "openid", openids)}
        keys = [f"{self.stored_phones[v['phone']]['_id']}:{house['_id']}" for _, v, house in rows
                if v["phone"] in self.stored_phones]
        self.stored_bindings = {b["_id"]: b for b in store.collection("bindings").get_many(keys)}
        self.people: dict[str, dict] = {}          # phone -> person (new or stored)
        self.first_row: dict[str, int] = {}        # phone -> row that introduced it
        self.openids: dict[str, str] = {}          # openid -> phone
        self.bindings: dict[str, dict] = {}        # binding id -> new binding
        self.binding_rows: dict[str, int] = {}
        self.reopened: set[str] = set()            # stored rejected/revoked bindings to approve

    def _person(self, problems: Problems, row_no: int, v: dict) -> dict | None:
        phone = v["phone"]
        person = self.people.get(phone)
        if person is None:
            stored = self.stored_phones.get(phone)
            if stored is not None and stored.get("kind") != "resident":
                problems.add(row_no, "phone", "phone_taken")
                return None
            person = stored or new_person(self.community_id, "resident", v["name"], [RESIDENT], phone=phone)
            person["_stored"] = stored is not None
            self.people[phone], self.first_row[phone] = person, row_no
        if person["name"] != v["name"]:
            problem = "phone_taken" if person["_stored"] else "phone_name_mismatch"
            problems.add(row_no, "name", problem, first_row=self.first_row[phone])
            return None
        if v["openid"]:
            if self._openid_clash(person, v["openid"]):
                problems.add(row_no, "openid", "openid_taken")
                return None
            person["openid"] = v["openid"]
            self.openids[v["openid"]] = phone
        labels = person.setdefault("care_labels", [])
        labels.extend(label for label in v["care_labels"] if label not in labels)
        return person

    def _openid_clash(self, person: dict, openid: str) -> bool:
        if person.get("openid") not in (None, "", openid):
            return True
        if self.openids.get(openid, person["phone"]) != person["phone"]:
            return True
        holder = self.openid_holders.get(openid)
        return holder is not None and holder["_id"] != person["_id"]

    def add(self, problems: Problems, row_no: int, v: dict, house: dict) -> None:
        person = self._person(problems, row_no, v)
        if person is None:
            return
        key = f"{person['_id']}:{house['_id']}"
        if key in self.bindings:
            problems.add(row_no, "room", "duplicate_in_file", first_row=self.binding_rows[key])
            return
        stored = self.stored_bindings.get(key)
        if stored is not None and stored["state"] in ("approved", "requested"):
            pending = stored["state"] == "requested"
            problems.add(row_no, "room", "already_requested" if pending else "already_bound")
            return
        if stored is not None:           # rejected or revoked before: the import decides anew
            self.reopened.add(key)
        self.bindings[key] = new_binding(self.community_id, person["_id"], house["_id"], v["relation"],
                                         "approved", decided_by=self.actor.id)
        self.binding_rows[key] = row_no

    def write(self) -> dict:
        owners = {b["person_id"] for b in self.bindings.values() if b["relation"] in fields.OWNER_RELATIONS}
        new_people, stored_people = [], []
        for person in self.people.values():
            is_stored = person.pop("_stored")
            if is_stored:
                stored_people.append(person)
            else:
                if person["_id"] in owners:
                    person["roles"] = sorted({RESIDENT, OWNER})
                new_people.append(person)
        _insert_all(self.store, [("people", p) for p in new_people] +
                    [("bindings", b) for k, b in self.bindings.items() if k not in self.reopened])
        for key in self.reopened:
            update(self.store, "bindings", key, partial(_reopen, fresh=self.bindings[key]))
        for person in stored_people:
            # openid and care labels learnt from the file, then the owner role from bindings
            update(self.store, "people", person["_id"],
                   partial(_merge_person, openid=person.get("openid"), care_labels=person["care_labels"]))
            sync_owner_role(self.store, person["_id"])
        return {"people": len(new_people), "bindings": len(self.bindings), "owners": len(owners)}


def _merge_person(doc: dict, openid: str | None, care_labels: list[str]) -> None:
    if openid and not doc.get("openid"):
        doc["openid"] = openid
    doc["care_labels"] = sorted(set(doc.get("care_labels", [])) | set(care_labels))
    doc["updated_at"] = clock.now_iso()


def _reopen(doc: dict, fresh: dict) -> None:
    doc.update({k: fresh[k] for k in ("relation", "state", "decided_by", "decided_at")})
    doc.setdefault("history", []).extend(fresh["history"])
