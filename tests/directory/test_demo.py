"""``linli seed-demo``: the demo community loads once, completely, and its ids work."""
from __future__ import annotations

import json

from core import directory
from core.auth import authenticate
from core.cli import main
from core.config import load_config
from core.directory import demo
from core.roles import Actor
from core.services import Services

NEEDED = ("community_id", "resident_openid", "tenant_openid", "elderly_openid", "dispatcher_userid",
          "technician_userid", "manager_userid", "grid_worker_userid", "committee_openid", "admin_userid",
          "lift_technician_userid")


def totals(store) -> dict:
    cid = demo.COMMUNITY_ID
    return {name: store.collection(name).count({"community_id": cid})
            for name in ("houses", "buildings", "places", "bindings")} | {
        "people": store.collection("people").count({"community_id": cid})}


def test_seed_is_idempotent_and_complete(services):
    first = demo.seed(services)
    counted = totals(services.store)
    second = demo.seed(services)
    assert second["created"] == 0 and first["created"] > 400
    json.dumps(first)   # JSON-able
    assert all(first.get(key) for key in NEEDED)
    assert totals(services.store) == counted
    first.pop("created"), second.pop("created")
    assert first == second
    assert counted["houses"] == 200 and counted["buildings"] == 6 and counted["places"] == 5


def test_a_seed_that_died_half_way_is_completed(services):
    demo.seed(services)
    full = totals(services.store)
    services.store.collection("houses").delete(demo.house_id(demo.COMMUNITY_ID, "6", "2", "1002"))
    services.store.collection("people").delete("demo:p:elderly")
    assert demo.seed(services)["created"] == 2
    assert totals(services.store) == full


def test_demo_people_are_what_the_ids_promise(services):
    ids = demo.seed(services)
    store, cid = services.store, ids["community_id"]
    resident = directory.find_person_by_openid(store, ids["resident_openid"])
    houses = directory.houses_of(store, resident["_id"])
    assert [(h["label"], h["relation"]) for h in houses] == [("3-2-501", "owner")]
    assert "owner" in resident["roles"]
    tenant = directory.find_person_by_openid(store, ids["tenant_openid"])
    assert [h["relation"] for h in directory.houses_of(store, tenant["_id"])] == ["tenant"]
    assert "owner" not in tenant["roles"]
    elderly = directory.find_person_by_openid(store, ids["elderly_openid"])
    assert {"elderly", "lives_alone"} <= set(elderly["care_labels"])
    assert elderly["family_contacts"][0]["phone"]
    committee = directory.find_person_by_openid(store, ids["committee_openid"])
    assert {"owner", "owners_committee"} <= set(committee["roles"])
    plumber = directory.find_staff_by_wecom_userid(store, None, ids["technician_userid"])
    assert "plumbing" in plumber["trades"] and plumber["community_id"] == cid
    for key, role in (("dispatcher_userid", "dispatcher"), ("manager_userid", "manager"),
                      ("grid_worker_userid", "grid_worker"), ("admin_userid", "admin")):
        assert role in directory.find_staff_by_wecom_userid(store, cid, ids[key])["roles"]
    for trade in ("plumbing", "electrical", "lift", "doors", "network", "general"):
        assert directory.staff_with(store, cid, role="technician", trade=trade), trade
    areas = [h["area_m2"] for h in store.collection("houses").find({"community_id": cid}).items]
    assert 60 <= min(areas) and max(areas) <= 140
    names = {p["name"] for p in directory.list_places(store, Actor.system(cid)).items}
    assert {"地下车库", "北门", "3号楼大堂", "花园"} <= names


def test_every_owner_role_matches_an_approved_owner_binding(services):
    """Guards the demo against writing ``owner`` roles that the bindings do not back."""
    demo.seed(services)
    store = services.store
    people = store.collection("people").find({"community_id": demo.COMMUNITY_ID, "kind": "resident"}).items
    assert len(people) > 150
    for person in people:
        owns = any(h["relation"] in ("owner", "co_owner") for h in directory.houses_of(store, person["_id"]))
        assert owns == ("owner" in person["roles"]), person["_id"]


def test_cli_prints_one_json_object_and_dev_token_works(tmp_path, monkeypatch, capsys, redis_url,
                                                       redis_prefix):
    monkeypatch.setenv("LINLI_DATA_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("LINLI_REDIS_PREFIX", redis_prefix)
    monkeypatch.delenv("MONGO_URI", raising=False)
    for run in (1, 2):
        assert main(["seed-demo"]) == 0
        out = capsys.readouterr().out
        ids = json.loads(out)           # exactly one JSON document, nothing else on stdout
        assert out.count("\n") == 1 and ids["community_id"] == demo.COMMUNITY_ID
    assert ids["created"] == 0
    assert main(["dev-token", ids["elderly_openid"]]) == 0
    token = capsys.readouterr().out.strip()
    cli_services = Services(load_config())
    try:
        assert authenticate(cli_services, token).id == "demo:p:elderly"
    finally:
        cli_services.close()
