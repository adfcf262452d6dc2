"""WeChat's retries: a MsgId (an event's FromUserName + CreateTime) is processed once, in one
app instance or across several sharing Redis, whether the retry comes after the answer or
while the first try is still running."""
from __future__ import annotations

import threading
import time

from bot import dedupe
from bot.channels import deferred
from bot.messages import TEXT, InboundMessage
from bot.pipeline import Turn
from core.app import create_app

from .conftest import BUDGET, custom_messages, dialog_calls, slow, wait_for
from .wechat_requests import OfficialAccount, event, text


def test_a_retry_after_the_answer_gets_the_same_answer_without_processing_again(oa, services, world):
    xml = text("o-owner", "楼道灯坏了", msg_id=555)
    first = oa.say(xml)
    assert oa.say(xml) == first and oa.say(xml, safe=True) == first
    assert len(dialog_calls(services)) == 1


def test_the_same_msg_id_from_two_people_is_two_messages(oa, services, world):
    oa.say(text("o-owner", "一", msg_id=777))
    oa.say(text("o-neighbour", "二", msg_id=777))
    assert [c["text"] for c in dialog_calls(services)] == ["一", "二"]


def test_event_retries_are_recognised_by_sender_and_create_time(oa, services, world):
    created = int(time.time())
    first = oa.say(event("o-owner", "CLICK", key="REPAIR", created=created))
    assert oa.say(event("o-owner", "CLICK", key="REPAIR", created=created)) == first
    oa.say(event("o-owner", "CLICK", key="REPAIR", created=created + 1))     # a second click
    assert len(dialog_calls(services)) == 2


def test_a_retry_while_the_first_try_still_runs_is_answered_success_and_delivered_once(oa, services, world,
                                                                                       wechat_fake):
    slow(services, 0.6)
    xml = text("o-owner", "电梯不动了", msg_id=9001)
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", oa.post(xml)))
    first.start()
    wait_for(lambda: dialog_calls(services))               # the first try is inside the dialog
    retry = oa.post(xml)
    first.join()
    assert retry.get_data(as_text=True) == "success"
    # WeChat was told "success" for this message, so the answer cannot ride on the first
    # try's (abandoned) connection: it goes out once, as a customer-service message
    assert results["first"].get_data(as_text=True) == "success"
    sent = wait_for(lambda: custom_messages(wechat_fake))
    time.sleep(0.3)
    assert len(custom_messages(wechat_fake)) == 1 and len(dialog_calls(services)) == 1
    assert sent[0]["touser"] == "o-owner" and sent[0]["text"]["content"].startswith("echo text: 电梯不动了")


def test_retries_spread_over_two_app_instances_sharing_redis_are_processed_once(config_overrides, services,
                                                                                  world, wechat_fake):
    slow(services, 0.3)
    apps = [create_app(config_overrides) for _ in range(2)]
    try:
        clients = [OfficialAccount(app.test_client(), app.extensions["linli"].config) for app in apps]
        xml = text("o-owner", "水管爆了", msg_id=4242)
        barrier = threading.Barrier(6)
        responses = []

        def send(account):
            barrier.wait()
            responses.append(account.post(xml))

        threads = [threading.Thread(target=send, args=(clients[i % 2],)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(r.status_code == 200 for r in responses)
        assert len(dialog_calls(services)) == 1
        passive = {clients[0].reply(r) for r in responses} - {None}
        if not passive:     # a duplicate arrived while processing: the answer goes as a message
            wait_for(lambda: custom_messages(wechat_fake))
        time.sleep(0.3)
        # one answer reaches the person: the same passive reply (WeChat shows it once), or one message
        assert (len(passive) == 1 and not custom_messages(wechat_fake)) or \
            (not passive and len(custom_messages(wechat_fake)) == 1)
    finally:
        for app in apps:
            app.extensions["linli"].close()


def test_a_retry_that_saw_the_first_try_running_still_carries_its_passive_answer(oa, services, world):
    """Regression: the retry read "processing", then the first try finished and chose the
    passive reply (on a connection WeChat had abandoned): the retry must carry that answer."""
    first = oa.say(text("o-owner", "门禁坏了", msg_id=6161))
    message = InboundMessage(channel="wechat_oa", user_key="o-owner", kind=TEXT, text="门禁坏了",
                             msg_id="6161")
    running = dedupe.Record(state=dedupe.PROCESSING, delivery=None, sent=False, replies=None)
    stale = Turn(message, record=running)
    replies = deferred._answer_duplicate(services, stale)
    assert replies and replies[0].text.startswith("echo text: 门禁坏了") and first.startswith(replies[0].text)


def test_a_turn_finishing_while_the_request_gives_up_is_still_sent(oa, services, world, wechat_fake,
                                                                   monkeypatch):
    """Regression: the worker finished between "gave up" and the "custom" decision, found no
    decision, and dropped the answer. Deciding under the race lock closes the gap."""
    decide = dedupe.decide_delivery

    def slow_custom(services_, inbound, wanted):
        if wanted == dedupe.CUSTOM:
            time.sleep(0.4)          # the worker finishes meanwhile
        return decide(services_, inbound, wanted)

    monkeypatch.setattr(dedupe, "decide_delivery", slow_custom)
    slow(services, BUDGET + 0.1)
    assert oa.post(text("o-owner", "水压很低", msg_id=6262)).get_data(as_text=True) == "success"
    sent = wait_for(lambda: custom_messages(wechat_fake))
    assert sent[0]["text"]["content"].startswith("echo text: 水压很低")
