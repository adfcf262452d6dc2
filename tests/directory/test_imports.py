"""CSV import: every row checked first, per-row errors, all rows or none, Excel encodings."""
from __future__ import annotations

import pytest

from core import directory
from core.directory import csv_table
from core.directory.csv_table import ImportRejected
from core.errors import Conflict, Forbidden, TooLarge, ValidationFailed
from core.store import DuplicateKey

HOUSES = "building,unit,room,floor,area_m2\n5,1,101,1,89.5\n5,1,102,,76\n5,2,1201,,120.25\n6,1,101,1,66\n"


def counts(services, world) -> tuple[int, int, int, int]:
    store, cid = services.store, world.community_id
    return (store.collection("houses").count({"community_id": cid}),
            store.collection("buildings").count({"community_id": cid}),
            store.collection("people").count({"community_id": cid}),
            store.collection("bindings").count({"community_id": cid, "state": "approved"}))


def problems(caught) -> list[tuple]:
    return [(e["row"], e["column"], e["problem"]) for e in caught.value.errors]


def test_clean_house_import_creates_buildings_and_houses(services, world, as_):
    before = counts(services, world)
    result = directory.import_houses(services.store, as_("admin"), HOUSES)
    assert result == {"houses": 4, "buildings": 2}
    after = counts(services, world)
    assert (after[0] - before[0], after[1] - before[1]) == (4, 2)
    house = directory.find_house(services.store, world.community_id, "5", "2", "1201")
    assert (house["floor"], house["area_m2"], house["label"]) == (12, 120.25, "5-2-1201")
    building = services.store.collection("buildings").get(f"{world.community_id}:b5")
    assert (building["units"], building["floors"]) == (2, 12)


def test_chinese_headers_and_gbk_bytes_from_excel(services, world, as_):
    text = "楼栋,单元,房号,专有面积(㎡),备注\n7号楼,1单元,301室,88.8,朝南\n"
    result = directory.import_houses(services.store, as_("manager"), text.encode("gbk"))
    assert result["houses"] == 1
    assert directory.find_house(services.store, world.community_id, "7", "1", "301")["area_m2"] == 88.8


def test_utf8_bom_and_tabs(services, world, as_):
    data = "\ufeffbuilding\tunit\troom\tarea_m2\r\n8\t1\t101\t70\r\n\r\n\t\t\t\r\n".encode("utf-8")
    assert directory.import_houses(services.store, as_("admin"), data)["houses"] == 1


def test_every_bad_row_is_reported_and_nothing_is_written(services, world, as_):
    before = counts(services, world)
    text = ("building,unit,room,floor,area_m2\n"
            "5,1,101,1,89.5\n"      # row 2 fine
            "5,1,,1,80\n"           # row 3 room missing
            "5,1,102,1,-4\n"        # row 4 area out of range
            "5,1,101,1,90\n"        # row 5 repeats row 2
            "1,1,101,1,90\n"        # row 6 already stored
            "5,1,A1,,90\n"          # row 7 floor cannot be derived
            "5,1,301,x,abc,extra\n")  # row 8 bad floor, bad area, extra cell
    with pytest.raises(ImportRejected) as caught:
        directory.import_houses(services.store, as_("admin"), text)
    assert problems(caught) == [(3, "room", "required"), (4, "area_m2", "out_of_range"),
                                (5, "room", "duplicate_in_file"), (6, "room", "already_exists"),
                                (7, "floor", "required"), (8, "", "extra_cells"), (8, "floor", "invalid"),
                                (8, "area_m2", "invalid")]
    assert caught.value.errors[2]["params"] == {"first_row": 2}
    assert caught.value.details["error_count"] == 8
    assert counts(services, world) == before


def test_header_problems_are_row_one(services, as_):
    with pytest.raises(ImportRejected) as caught:
        directory.import_houses(services.store, as_("admin"), "building,unit,room,aera_m2\n1,1,101,80\n")
    assert problems(caught) == [(1, "aera_m2", "unknown_column"), (1, "area_m2", "missing_column")]


@pytest.mark.parametrize("data, key", [("", "directory.import.empty"),
                                       ("building,unit,room,area_m2\n\n", "directory.import.empty"),
                                       (b"\xff\xfe\xfa\x00\x81", "directory.import.encoding"),
                                       ("building,unit,room,area_m2\n1,\x00,1,1\n",
                                        "directory.import.malformed")])
def test_unreadable_files(services, as_, data, key):
    with pytest.raises(ValidationFailed) as caught:
        directory.import_houses(services.store, as_("admin"), data)
    assert caught.value.message_key == key


def test_size_and_row_limits(services, as_, monkeypatch):
    with pytest.raises(TooLarge):
        directory.import_houses(services.store, as_("admin"), b"x" * (csv_table.MAX_BYTES + 1))
    monkeypatch.setattr(csv_table, "MAX_ROWS", 3)
    rows = "".join(f"9,1,{100 + i},80\n" for i in range(1, 5))
    with pytest.raises(TooLarge):
        directory.import_houses(services.store, as_("admin"), "building,unit,room,area_m2\n" + rows)


def test_only_directory_admins_import(services, as_):
    with pytest.raises(Forbidden):
        directory.import_houses(services.store, as_("dispatcher"), HOUSES)


def test_a_write_failing_half_way_leaves_nothing_behind(services, world, as_, monkeypatch):
    """Guards the compensation path for stores without transactions (and the rollback for SQLite)."""
    before = counts(services, world)
    houses = services.store.collection("houses")
    real_insert, calls = houses.insert, []

    def flaky(doc):
        calls.append(doc["_id"])
        if len(calls) == 3:
            raise DuplicateKey("houses/" + doc["_id"])
        return real_insert(doc)

    monkeypatch.setattr(houses, "insert", flaky)
    with pytest.raises(Conflict):
        directory.import_houses(services.store, as_("admin"), HOUSES)
    monkeypatch.undo()
    assert counts(services, world) == before


HEADER = "name,phone,building,unit,room,relation\n"
RESIDENTS = ("姓名,手机号,楼栋,单元,房号,关系,openid,关怀标签\n"
             "周一,13800000001,1,1,201,业主,o-zhou,\n"
             "周一,13800000001,1,1,202,owner,,\n"        # same person, second house
             "吴二,13800000002,1,1,201,家属,,老人;独居\n"
             "郑三,13800000003,2,2,101,tenant,,\n")


def test_clean_resident_import(services, world, as_):
    before = counts(services, world)
    result = directory.import_residents(services.store, as_("admin"), RESIDENTS)
    assert result == {"people": 3, "bindings": 4, "owners": 1}
    after = counts(services, world)
    assert (after[2] - before[2], after[3] - before[3]) == (3, 4)
    zhou = directory.find_person_by_openid(services.store, "o-zhou")
    assert zhou["roles"] == ["owner", "resident"] and zhou["phone"] == "13800000001"
    houses = directory.houses_of(services.store, zhou["_id"])
    assert sorted(h["label"] for h in houses) == ["1-1-201", "1-1-202"]
    wu = services.store.collection("people").find({"community_id": world.community_id,
                                                   "phone": "13800000002"}).items[0]
    assert wu["roles"] == ["resident"] and wu["care_labels"] == ["elderly", "lives_alone"]


def test_resident_import_errors_and_nothing_half_imported(services, world, as_):
    before = counts(services, world)
    text = ("name,phone,building,unit,room,relation,openid\n"
            "周一,13800000001,1,1,201,owner,\n"        # row 2 fine
            "周一,13800000001,1,1,201,owner,\n"        # row 3 repeats row 2
            "周二,13800000001,1,1,202,owner,\n"        # row 4 same phone, another name
            "郑三,13800000003,9,9,909,owner,\n"        # row 5 no such house
            "王五,12345,1,1,202,owner,\n"              # row 6 bad phone
            "李六,13800000006,1,1,202,boss,\n"         # row 7 bad relation
            "赵七,13800000007,1,1,202,owner,o-tenant\n")  # row 8 openid of the stored tenant
    with pytest.raises(ImportRejected) as caught:
        directory.import_residents(services.store, as_("admin"), text)
    assert problems(caught) == [(3, "room", "duplicate_in_file"), (4, "name", "phone_name_mismatch"),
                                (5, "room", "unknown_house"), (6, "phone", "invalid"),
                                (7, "relation", "invalid"), (8, "openid", "openid_taken")]
    assert counts(services, world) == before


def test_reimporting_the_same_residents_is_refused(services, world, as_):
    directory.import_residents(services.store, as_("admin"), RESIDENTS)
    with pytest.raises(ImportRejected) as caught:
        directory.import_residents(services.store, as_("admin"), RESIDENTS)
    assert {e["problem"] for e in caught.value.errors} == {"already_bound"}
    assert len(caught.value.errors) == 4


def test_stored_resident_is_reused_by_phone(services, world, as_):
    store = services.store
    doc = store.collection("people").get(world.id("tenant"))
    doc["phone"] = "13800000009"
    store.collection("people").replace(doc, doc["version"])
    result = directory.import_residents(store, as_("admin"), HEADER + "钱租户,13800000009,1,2,202,owner\n")
    assert result == {"people": 0, "bindings": 1, "owners": 1}
    assert store.collection("people").get(world.id("tenant"))["roles"] == ["owner", "resident"]
    with pytest.raises(ImportRejected) as caught:
        directory.import_residents(store, as_("admin"), HEADER + "别人,13800000009,1,2,201,owner\n")
    assert problems(caught) == [(2, "name", "phone_taken")]


def test_staff_phone_is_not_reused_as_a_resident(services, world, as_):
    directory.update_person(services.store, as_("admin"), world.id("security"), care_labels=[])
    doc = services.store.collection("people").get(world.id("security"))
    doc["phone"] = "13800000010"
    services.store.collection("people").replace(doc, doc["version"])
    with pytest.raises(ImportRejected) as caught:
        directory.import_residents(services.store, as_("admin"), HEADER + "孙保安,13800000010,1,2,201,owner\n")
    assert problems(caught) == [(2, "phone", "phone_taken")]


def test_import_approves_a_previously_rejected_binding(services, world, as_):
    store = services.store
    doc = store.collection("people").get(world.id("tenant"))
    doc["phone"] = "13800000011"
    store.collection("people").replace(doc, doc["version"])
    house = world.houses["1-1-202"]["_id"]
    binding, _ = directory.request_binding(store, as_("tenant"), "owner", house_id=house)
    directory.decide_binding(store, as_("admin"), binding["_id"], approve=False)
    directory.import_residents(store, as_("admin"), HEADER + "钱租户,13800000011,1,1,202,owner\n")
    stored = store.collection("bindings").get(binding["_id"])
    assert stored["state"] == "approved" and [h["state"] for h in stored["history"]] == \
        ["requested", "rejected", "approved"]
