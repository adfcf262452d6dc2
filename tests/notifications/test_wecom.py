"""Staff get workflow events as WeCom text cards; only retryable failures are retried."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from core import clock
from notifications.base import Message
from notifications.wecom import WeComNotifier

SEND = "message/send"


def test_staff_get_a_text_card_linking_to_the_case(outbox, wechat_fake, services, world):
    wechat_fake.add_wecom_member("wecom-dispatcher", "wecom-plumber")
    case = outbox.case("dispatcher", "plumber", "owner")
    assert outbox.relay() == 1
    cards = wechat_fake.delivered(SEND, api="wecom")
    assert sorted(c["touser"] for c in cards) == ["wecom-dispatcher", "wecom-plumber"]
    card = cards[0]
    assert card["msgtype"] == "textcard" and card["agentid"] == int(services.config.wecom_agentid)
    assert card["textcard"] == {
        "title": f"您的事项 {case['number']} 有新进展", "description": "请打开小程序查看详情。",
        "url": f"{services.config.public_base_url}/cases/ticket/{case['_id']}", "btntxt": "查看"}
    # every recipient, the resident included, also has it in the inbox
    assert [len(outbox.inbox(k)) for k in ("dispatcher", "plumber", "owner")] == [1, 1, 1]


def test_card_text_is_escaped_and_in_the_staff_members_language(services, world, wechat_fake):
    wechat_fake.add_wecom_member("wecom-dispatcher")
    staff = {**world.people["dispatcher"], "locale": "en"}
    message = Message(event_id="e1", template="ticket.created", title="Lift",
                      body='<a href="x">stuck</a> & loud',
                      link="http://linli.test/cases/ticket/1")
    delivery = WeComNotifier(services).send(staff, message)
    assert delivery.ok
    card = wechat_fake.delivered(SEND, api="wecom")[0]["textcard"]
    assert card["description"] == "&lt;a href=&quot;x&quot;&gt;stuck&lt;/a&gt; &amp; loud"
    assert card["btntxt"] == "Open"


def test_residents_and_staff_without_wecom_are_not_reached(services, world):
    notifier = WeComNotifier(services)
    message = Message(event_id="e1", template="t", title="t", body="b")
    assert not notifier.can_reach(world.people["owner"], message)
    assert not notifier.can_reach({**world.people["dispatcher"], "wecom_userid": None}, message)
    assert not notifier.can_reach({**world.people["dispatcher"], "active": False}, message)
    assert notifier.can_reach(world.people["dispatcher"], message)


def test_a_member_wecom_refuses_is_skipped_not_retried(services, world, wechat_fake):
    message = Message(event_id="e1", template="t", title="t", body="b")
    delivery = WeComNotifier(services).send(world.people["dispatcher"], message)   # not in the app's range
    assert (delivery.ok, delivery.skipped) == (False, True)
    assert "81013" in delivery.detail


def test_wecom_busy_is_retried_by_the_relay_and_delivered_once(outbox, wechat_fake, services):
    wechat_fake.add_wecom_member("wecom-dispatcher")
    wechat_fake.fail("wecom", SEND, errcode=-1)
    outbox.case("dispatcher")
    assert outbox.relay() == 0
    [event] = outbox.events("pending")
    assert (event["status"], event["attempts"]) == ("pending", 1)
    assert outbox.relay() == 0                  # backing off: not due yet
    with time_machine.travel(clock.now() + timedelta(seconds=10)):
        assert outbox.relay() == 1
    assert len(wechat_fake.delivered(SEND, api="wecom")) == 1
    assert len(wechat_fake.calls(SEND, api="wecom")) == 2
    assert len(outbox.inbox("dispatcher")) == 1


def test_an_expired_wecom_token_is_refreshed_during_delivery(outbox, wechat_fake):
    wechat_fake.add_wecom_member("wecom-dispatcher")
    case = outbox.case("dispatcher")
    outbox.relay()
    wechat_fake.expire_tokens("wecom")
    outbox.assign(case)
    assert outbox.relay() == 1
    assert len(wechat_fake.delivered(SEND, api="wecom")) == 2
    assert len(wechat_fake.calls("gettoken", api="wecom")) == 2
