"""The storage port's contract, run on both adapters."""
from __future__ import annotations

import pytest

from core.store import DuplicateKey, UndeclaredQuery


def test_insert_get_and_duplicate_key(services):
    repairs = services.store.collection("repairs")
    repairs.insert({"_id": "r1", "community_id": "c1", "state": "submitted", "created_at": "2026-01-01"})
    assert repairs.get("r1")["version"] == 1
    with pytest.raises(DuplicateKey):
        repairs.insert({"_id": "r1", "community_id": "c1"})


def test_compare_and_set_lets_exactly_one_writer_win(services):
    repairs = services.store.collection("repairs")
    repairs.insert({"_id": "r1", "community_id": "c1", "state": "submitted"})
    first, second = repairs.get("r1"), repairs.get("r1")
    first["state"] = "assigned"
    second["state"] = "cancelled"
    assert repairs.replace(first, 1) is True
    assert repairs.replace(second, 1) is False
    assert repairs.get("r1")["state"] == "assigned"
    assert repairs.get("r1")["version"] == 2


def test_keyset_pagination_visits_every_document_once(services):
    repairs = services.store.collection("repairs")
    for i in range(23):
        repairs.insert({"_id": f"r{i:02d}", "community_id": "c1", "state": "submitted",
                        "created_at": f"2026-01-0{i % 4 + 1}"})
    repairs.insert({"_id": "x", "community_id": "c2", "state": "submitted", "created_at": "2026-01-01"})
    seen, cursor = [], None
    while True:
        page = repairs.find({"community_id": "c1"}, sort=[("created_at", -1)], limit=5, cursor=cursor)
        seen += [d["_id"] for d in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(f"r{i:02d}" for i in range(23))
    assert len(seen) == 23
    dates = [repairs.get(i)["created_at"] for i in seen]
    assert dates == sorted(dates, reverse=True)


def test_filters_in_and_range(services):
    repairs = services.store.collection("repairs")
    for i, state in enumerate(["submitted", "assigned", "closed"]):
        repairs.insert({"_id": f"r{i}", "community_id": "c1", "state": state, "next_deadline_at": f"2026-01-0{i + 1}"})
    assert repairs.count({"community_id": "c1", "state": {"$in": ["submitted", "closed"]}}) == 2
    due = repairs.find({"next_deadline_at": {"$lte": "2026-01-02"}}, sort=[("next_deadline_at", 1)]).items
    assert [d["_id"] for d in due] == ["r0", "r1"]


def test_undeclared_query_is_refused(services):
    with pytest.raises(UndeclaredQuery):
        services.store.collection("repairs").find({"description": "leak"})


def test_counter_never_repeats(services):
    values = [services.store.next_sequence("repair:c1") for _ in range(5)]
    assert values == [1, 2, 3, 4, 5]
    assert services.store.next_sequence("repair:c2") == 1


def test_bad_cursor_is_a_value_error(services):
    with pytest.raises(ValueError):
        services.store.collection("repairs").find({"community_id": "c1"}, limit=2, cursor="not-a-cursor")


def test_transaction_rolls_back_on_sqlite(services, backend):
    if backend != "sqlite":
        pytest.skip("mongomock has no transactions; real MongoDB runs this with MONGO_URI")
    repairs = services.store.collection("repairs")
    with pytest.raises(RuntimeError):
        with services.store.transaction():
            repairs.insert({"_id": "t1", "community_id": "c1"})
            raise RuntimeError("boom")
    assert repairs.get("t1") is None
