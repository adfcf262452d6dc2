"""WeChat's five seconds: a slow answer is replied ``success`` in time and delivered as a
customer-service message; a failed send is retried by the settle task; a turn whose web
process died is taken over — and nothing is ever processed or sent twice."""
from __future__ import annotations

import time
from datetime import timedelta

import time_machine

from bot import dedupe
from bot.channels import deferred
from bot.messages import TEXT, InboundMessage

from .conftest import BUDGET, custom_messages, dialog_calls, slow, wait_for
from .wechat_requests import text

CUSTOM_SEND = "cgi-bin/message/custom/send"


def test_a_slow_answer_is_success_in_time_then_a_customer_service_message(oa, services, world, wechat_fake):
    slow(services, BUDGET + 0.6)
    started = time.monotonic()
    response = oa.post(text("o-owner", "电梯困住了吗", msg_id=31))
    elapsed = time.monotonic() - started
    assert response.get_data(as_text=True) == "success" and elapsed < BUDGET + 0.5
    sent = wait_for(lambda: custom_messages(wechat_fake))
    assert sent[0]["touser"] == "o-owner" and sent[0]["msgtype"] == "text"
    assert sent[0]["text"]["content"].startswith("echo text: 电梯困住了吗")
    assert "weixin://bizmsgmenu" in sent[0]["text"]["content"]          # buttons survive the late path
    # WeChat's retry of the same message (had "success" been lost) sends nothing new
    assert oa.post(text("o-owner", "电梯困住了吗", msg_id=31)).get_data(as_text=True) == "success"
    time.sleep(0.2)
    assert len(custom_messages(wechat_fake)) == 1 and len(dialog_calls(services)) == 1
    assert deferred.settle_due(services, now=time.time() + 60) == {}     # sent and settled: nothing left


def test_the_slow_path_in_aes_safe_mode(oa, services, world, wechat_fake):
    slow(services, BUDGET + 0.4)
    assert oa.post(text("o-owner", "加密模式", msg_id=32), safe=True).get_data(as_text=True) == "success"
    sent = wait_for(lambda: custom_messages(wechat_fake))
    assert sent[0]["text"]["content"].startswith("echo text: 加密模式")


def test_a_late_answer_keeps_its_mini_program_link(oa, services, world, wechat_fake):
    slow(services, BUDGET + 0.3)
    assert oa.post(text("o-owner", "怎么绑定房子", msg_id=35)).get_data(as_text=True) == "success"
    sent = wait_for(lambda: custom_messages(wechat_fake))
    assert 'data-miniprogram-path="pages/house/bind"' in sent[0]["text"]["content"]


def test_a_failed_late_send_is_retried_by_the_settle_task_once(oa, services, world, wechat_fake):
    wechat_fake.fail("wechat", CUSTOM_SEND, times=1, errcode=-1)       # WeChat "system busy" once
    slow(services, BUDGET + 0.3)
    oa.post(text("o-owner", "下水道堵了", msg_id=33))
    wait_for(lambda: wechat_fake.calls(CUSTOM_SEND))
    time.sleep(0.2)
    assert custom_messages(wechat_fake) == []
    assert deferred.settle_due(services) == {}                           # not due yet
    assert deferred.settle_due(services, now=time.time() + 60) == {"sent": 1}
    assert len(custom_messages(wechat_fake)) == 1
    assert deferred.settle_due(services, now=time.time() + 120) == {}    # settled: gone from the set


def test_a_send_wechat_refuses_for_good_is_not_retried_forever(oa, services, world, wechat_fake):
    wechat_fake.fail("wechat", CUSTOM_SEND, times=5, errcode=45015)     # outside the 48-hour window
    slow(services, BUDGET + 0.3)
    oa.post(text("o-owner", "你好", msg_id=34))
    wait_for(lambda: wechat_fake.calls(CUSTOM_SEND))
    time.sleep(0.2)
    assert deferred.settle_due(services, now=time.time() + 60) == {}
    assert len(wechat_fake.calls(CUSTOM_SEND)) == 1


def inbound(msg_id: str) -> InboundMessage:
    return InboundMessage(channel="wechat_oa", user_key="o-owner", kind=TEXT, text="有人吗", msg_id=msg_id,
                          received_at="2026-01-01T00:00:00.000000Z", locale="zh_CN")


def test_a_turn_whose_web_process_died_is_taken_over_and_answered_once(services, world, wechat_fake):
    message = inbound("dead-1")
    ticket, _ = dedupe.begin(services, message)          # a process claimed it, answered "success", died
    assert ticket is not None
    deferred._leave_unsettled(services, message, after=0)
    assert deferred.settle_due(services) == {"waiting": 1}            # its lease has not lapsed yet
    assert dialog_calls(services) == []
    with time_machine.travel(time.time() + dedupe.LEASE_SECONDS + 1, tick=True):
        assert deferred.settle_due(services) == {"sent": 1}
    assert len(dialog_calls(services)) == 1 and dialog_calls(services)[0]["person_id"] == world.id("owner")
    assert custom_messages(wechat_fake)[0]["text"]["content"].startswith("echo text: 有人吗")
    with time_machine.travel(time.time() + 3600, tick=True):
        assert deferred.settle_due(services) == {}
    assert not dedupe.finish(services, ticket, [])        # the dead owner's late finish cannot overwrite
    assert len(custom_messages(wechat_fake)) == 1


def test_a_live_process_keeps_its_turn_however_long_it_takes(services, world, monkeypatch):
    monkeypatch.setattr(dedupe, "LEASE_SECONDS", 0.4)
    message = inbound("alive-1")
    ticket, _ = dedupe.begin(services, message)
    with dedupe.held(services, ticket):                   # the keeper renews while the turn runs
        time.sleep(1.0)
        assert dedupe.begin(services, message)[0] is None
    time.sleep(0.6)                                       # released and not renewed: now it may be taken
    assert dedupe.begin(services, message)[0] is not None


def test_turns_expire_from_redis(services):
    message = inbound("ttl-1")
    dedupe.begin(services, message)
    ttl = services.redis.ttl(dedupe.turn_key(services, message))
    assert timedelta(hours=1) < timedelta(seconds=ttl) <= timedelta(seconds=dedupe.RECORD_TTL_SECONDS)
