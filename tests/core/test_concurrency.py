"""Several OS processes (spawned, each with its own Services) on one SQLite file and one
Redis, as gunicorn and Celery workers are in production: ticket numbers never repeat,
concurrent edits of one case lose nothing (retry on 409), and neighbours reporting the same
lift at the same moment from different processes still make one ticket."""
from __future__ import annotations

import multiprocessing

import pytest

from core.config import load_config
from core.errors import Conflict
from core.roles import Actor
from core.services import Services
from tests.factories import World
from workflows.repair import SERVICE

pytestmark = pytest.mark.slow

RESIDENTS = ("owner", "neighbour", "tenant", "elderly")
HOUSES = {"owner": "1-1-101", "neighbour": "1-1-102", "tenant": "2-1-201", "elderly": "2-2-202"}
CREATES = 5
NOTES = 6


def _services(setup: dict) -> Services:
    return Services(load_config({"data_dir": setup["data_dir"], "redis_url": setup["redis_url"],
                                 "extra": {"redis_prefix": setup["prefix"]}}))


def _work(setup: dict, who: str) -> dict:
    """One process: file its own home repairs, report the shared lift, append notes."""
    services = _services(setup)
    try:
        me = Actor.from_person(services.store.collection("people").get(setup["people"][who]))
        home = {"kind": "home", "house_id": setup["houses"][who]}
        numbers = [SERVICE.create(services, me, {"category": "lighting", "location": home,
                                                 "description": f"{who} #{i}"}).case["number"]
                   for i in range(CREATES)]
        lift = SERVICE.create(services, me, {"category": "elevator", "description": "电梯停了",
                                             "location": {"kind": "public", "place": "7号楼"}}).case["_id"]
        retries = 0
        for i in range(NOTES):
            while True:
                try:
                    SERVICE.act(services, me, setup["shared"], "note", {"note": f"{who}-{i}"})
                    break
                except Conflict:
                    retries += 1
        return {"numbers": numbers, "lift": lift, "retries": retries}
    finally:
        services.close()


def test_processes_create_and_edit_concurrently_without_duplicates_or_lost_updates(tmp_path, redis_url,
                                                                                   redis_prefix):
    setup = {"data_dir": str(tmp_path / "data"), "redis_url": redis_url, "prefix": redis_prefix}
    services = _services(setup)
    world = World.build(services, client=None)
    manager = Actor.from_person(world.people["manager"])
    SERVICE.update_settings(services, manager, {"modes": {"elevator": "assign", "lighting": "assign"}})
    owner = Actor.from_person(world.people["owner"])
    shared = SERVICE.create(services, owner, {"category": "lighting", "description": "楼道灯",
                                              "location": {"kind": "public", "place": "1号楼楼道"}}).case
    # the shared case is reported by everyone so each process may add notes to it
    for who in RESIDENTS[1:]:
        SERVICE.create(services, Actor.from_person(world.people[who]),
                       {"category": "lighting", "description": "同上", "location": {"kind": "public",
                                                                                   "place": "1号楼楼道"}})
    setup.update(people={who: world.id(who) for who in RESIDENTS},
                 houses={who: world.houses[HOUSES[who]]["_id"] for who in RESIDENTS}, shared=shared["_id"])
    services.close()

    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(len(RESIDENTS)) as pool:
        results = pool.starmap(_work, [(setup, who) for who in RESIDENTS])

    numbers = [n for result in results for n in result["numbers"]]
    assert len(numbers) == len(set(numbers)) == CREATES * len(RESIDENTS)
    assert len({result["lift"] for result in results}) == 1  # one ticket for the one lift

    services = _services(setup)
    try:
        repairs = services.store.collection("repairs")
        everything = repairs.find({"community_id": world.community_id}, limit=1000).items
        assert len(everything) == CREATES * len(RESIDENTS) + 2
        assert len({case["number"] for case in everything}) == len(everything)
        lift = repairs.get(results[0]["lift"])
        assert sorted(lift["reporter_ids"]) == sorted(world.id(who) for who in RESIDENTS)
        history = repairs.get(shared["_id"])["history"]
        notes = [step["note"] for step in history if step["event"] == "note"]
        assert sorted(notes) == sorted(f"{who}-{i}" for who in RESIDENTS for i in range(NOTES))
        links = services.store.collection("reports").find({"case_id": lift["_id"]}, limit=50).items
        assert len(links) == len(RESIDENTS)
    finally:
        services.close()
