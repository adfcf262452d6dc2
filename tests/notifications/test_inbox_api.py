"""GET /api/v1/inbox, POST /api/v1/inbox/<id>/read, the consent endpoints."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from core import clock
from notifications import consent

INBOX = "/api/v1/inbox"


def fill_inbox(outbox, count: int) -> list[dict]:
    """``count`` cases for the owner, one second apart, relayed into the inbox."""
    start = clock.now()
    cases = []
    for index in range(count):
        with time_machine.travel(start + timedelta(seconds=index), tick=False):
            cases.append(outbox.case("owner", "tenant"))
            outbox.relay()
    return cases


def test_inbox_lists_my_notifications_newest_first_in_pages(outbox, world):
    cases = fill_inbox(outbox, 3)
    first = world.call("GET", "owner", f"{INBOX}?limit=2").get_json()
    assert [i["data"]["case_id"] for i in first["items"]] == [cases[2]["_id"], cases[1]["_id"]]
    assert first["next_cursor"]
    second = world.call("GET", "owner", f"{INBOX}?limit=2&cursor={first['next_cursor']}").get_json()
    assert [i["data"]["case_id"] for i in second["items"]] == [cases[0]["_id"]]
    assert second["next_cursor"] is None
    item = first["items"][0]
    assert item["read"] is False and item["title"] and item["link"].endswith(cases[2]["_id"])


def test_inbox_shows_nobody_else_s_notifications(outbox, world):
    fill_inbox(outbox, 1)
    assert world.call("GET", "neighbour", INBOX).get_json()["items"] == []
    assert world.call("GET", "outsider", INBOX).get_json()["items"] == []


def test_mark_read_is_mine_only_and_repeatable(outbox, world):
    fill_inbox(outbox, 1)
    [item] = world.call("GET", "owner", INBOX).get_json()["items"]
    assert world.call("POST", "tenant", f"{INBOX}/{item['id']}/read").status_code == 404
    assert world.call("POST", "outsider", f"{INBOX}/{item['id']}/read").status_code == 404
    first = world.call("POST", "owner", f"{INBOX}/{item['id']}/read").get_json()
    again = world.call("POST", "owner", f"{INBOX}/{item['id']}/read").get_json()
    assert first["read"] is True and first["read_at"] and again["read_at"] == first["read_at"]
    assert world.call("GET", "owner", INBOX).get_json()["items"][0]["read"] is True


def test_unread_filter_and_count_follow_mark_read(outbox, world):
    cases = fill_inbox(outbox, 3)
    everything = world.call("GET", "owner", INBOX).get_json()
    assert everything["unread"] == 3 and len(everything["items"]) == 3
    middle = next(i for i in everything["items"] if i["data"]["case_id"] == cases[1]["_id"])
    for _ in range(2):   # marking read again changes nothing
        assert world.call("POST", "owner", f"{INBOX}/{middle['id']}/read").status_code == 200
        unread = world.call("GET", "owner", f"{INBOX}?unread=1").get_json()
        assert [i["data"]["case_id"] for i in unread["items"]] == [cases[2]["_id"], cases[0]["_id"]]
        assert unread["unread"] == 2 and not any(i["read"] for i in unread["items"])
    first = world.call("GET", "owner", f"{INBOX}?unread=1&limit=1").get_json()
    rest = world.call("GET", "owner", f"{INBOX}?unread=1&limit=1&cursor={first['next_cursor']}").get_json()
    assert [i["data"]["case_id"] for i in first["items"] + rest["items"]] == [cases[2]["_id"], cases[0]["_id"]]
    assert rest["next_cursor"] is None and first["unread"] == rest["unread"] == 2
    all_again = world.call("GET", "owner", f"{INBOX}?unread=0").get_json()
    assert len(all_again["items"]) == 3 and all_again["unread"] == 2
    assert world.call("GET", "tenant", INBOX).get_json()["unread"] == 3    # the same events, their own copies
    assert world.call("GET", "neighbour", INBOX).get_json() == {"items": [], "next_cursor": None, "unread": 0}
    assert world.call("GET", "owner", f"{INBOX}?unread=perhaps").status_code == 422


def test_unknown_notification_is_404_localised(world):
    response = world.call("POST", "owner", f"{INBOX}/nope/read", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "This message was not found."


def test_bad_inbox_queries_are_4xx(world):
    assert world.call("GET", "owner", f"{INBOX}?cursor=not-a-cursor").status_code == 400
    assert world.call("GET", "owner", f"{INBOX}?limit=0").status_code == 422
    assert world.call("GET", "owner", f"{INBOX}?limit=500").status_code == 422
    assert world.call("GET", "owner", f"{INBOX}?sort=x").status_code == 422
    assert world.call("GET", None, INBOX).status_code == 401


def test_consent_report_counts_known_templates_and_names_unknown_ones(world, services):
    response = world.call("POST", "owner", "/api/v1/consents",
                          json={"templates": ["tmpl-progress", "tmpl-progress", "tmpl-from-a-newer-app"]})
    assert response.status_code == 200
    assert response.get_json() == {"remaining": {"tmpl-progress": 2}, "ignored": ["tmpl-from-a-newer-app"]}
    assert consent.available(services.store, world.id("owner"), "tmpl-progress") == 2
    assert consent.available(services.store, world.id("tenant"), "tmpl-progress") == 0


def test_consents_are_capped(world, services):
    for _ in range(consent.MAX_PER_TEMPLATE // 20 + 1):
        world.call("POST", "owner", "/api/v1/consents", json={"templates": ["tmpl-progress"] * 20})
    assert consent.available(services.store, world.id("owner"), "tmpl-progress") == consent.MAX_PER_TEMPLATE


def test_malformed_consent_reports_are_422(world):
    for payload in ({}, {"templates": []}, {"templates": ["x"] * 21}, {"templates": [""]}, {"templates": "x"},
                    {"templates": [{"id": 1}]}, {"templates": ["x" * 129]}):
        assert world.call("POST", "owner", "/api/v1/consents", json=payload).status_code == 422, payload


def test_the_mini_program_learns_which_templates_to_request(world):
    response = world.call("GET", "owner", "/api/v1/consents/templates")
    assert response.get_json() == {"templates": {"ticket.created": "tmpl-progress",
                                                 "ticket.assign": "tmpl-progress"}}
