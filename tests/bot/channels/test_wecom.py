"""The WeCom callback: URL verification, signatures, and staff commands moving real repairs
and complaints through their workflows (the same service functions the console calls);
staff answering residents who asked for a human."""
from __future__ import annotations

import time

import pytest
from wechatpy.enterprise.crypto import PrpCrypto

from core import clock, i18n
from tests.api.test_complaints import complain
from tests.api.test_repairs import act, report, set_modes
from tests.helpers import ok

from .conftest import custom_messages
from .wechat_requests import WECOM_URL, sha1_signature, xml_of


def case_of(services, collection: str, case_id: str) -> dict:
    return services.store.collection(collection).get(case_id)


# ---- the edge -----------------------------------------------------------------------------

def test_url_verification_decrypts_echostr(client, wecom, services):
    ts, nonce = str(int(time.time())), "v-nonce"
    # WeCom's echostr is a random string encrypted like a message body
    corpid = services.config.wecom_corpid
    echostr = PrpCrypto(wecom.crypto.key).encrypt("1616140317555161061", corpid).decode()
    signature = sha1_signature(services.config.wecom_token, ts, nonce, echostr)
    good = client.get(WECOM_URL, query_string={"msg_signature": signature, "timestamp": ts, "nonce": nonce,
                                                "echostr": echostr})
    assert good.status_code == 200 and good.get_data(as_text=True) == "1616140317555161061"
    bad = client.get(WECOM_URL, query_string={"msg_signature": "0" * 40, "timestamp": ts, "nonce": nonce,
                                               "echostr": echostr})
    assert bad.status_code == 403
    stale = str(int(time.time()) - 3600)
    stale_signature = sha1_signature(services.config.wecom_token, stale, nonce, echostr)
    assert client.get(WECOM_URL, query_string={"msg_signature": stale_signature, "timestamp": stale,
                                               "nonce": nonce, "echostr": echostr}).status_code == 403


def test_a_stale_or_forged_message_is_refused(wecom, world):
    xml = xml_of({"ToUserName": "ww", "FromUserName": "wecom-plumber", "CreateTime": 1, "MsgType": "text",
                  "Content": "帮助", "MsgId": 1, "AgentID": 1})
    assert wecom.post(xml, timestamp=int(time.time()) - 600).status_code == 403
    query = {"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "n"}
    forged = wecom.client.post(WECOM_URL, query_string=query, data=b"<xml><Encrypt>abc</Encrypt></xml>")
    assert forged.status_code == 403
    assert wecom.client.post(WECOM_URL, query_string={"timestamp": str(int(time.time()))},
                             data=b"plain text").status_code == 400


def test_someone_who_is_not_staff_is_told_so(wecom, world):
    assert "未能确认您的身份" in wecom.say("wecom-nobody", "接单 1")


def test_anything_else_gets_the_command_list(wecom, world):
    assert "接单" in wecom.say("wecom-plumber", "你好") and "转单" in wecom.say("wecom-plumber", "帮助")


def test_acknowledging_with_no_alert_says_so(wecom, world):
    assert "没有需要您确认的告警" in wecom.say("wecom-security", "收到")


# ---- repairs ----------------------------------------------------------------------------------

def test_a_technician_moves_an_assigned_repair_from_chat(wecom, world, services):
    set_modes(world, water_pipe="assign")
    case = ok(report(world, category="water_pipe", description="厨房水管爆了"), 201)
    ok(act(world, "dispatcher", case["id"], "assign", assignee_id=world.id("plumber2")))
    number = case["number"]

    answer = wecom.say("wecom-plumber2", f"接单 {int(number[2:])}")          # digits are enough
    assert answer.startswith(f"已接单 {number}") and "1-1-101" in answer
    assert case_of(services, "repairs", case["id"])["state"] == "accepted"
    assert wecom.say("wecom-plumber2", "到达").startswith(f"已记录到达现场 {number}")
    assert case_of(services, "repairs", case["id"])["state"] == "on_site"
    assert wecom.say("wecom-plumber2", f"完成 {number.lower()} 换了一段 水管").startswith(f"已完成 {number}")
    done = case_of(services, "repairs", case["id"])
    assert done["state"] == "resolved" and done["history"][-1]["note"] == "换了一段 水管"
    assert [h["event"] for h in done["history"]] == ["create", "assign", "accept", "arrive", "resolve"]
    assert done["history"][-1]["actor_id"] == world.id("plumber2")


def test_a_technician_grabs_from_the_pool_and_the_wrong_trade_cannot(wecom, world, services):
    set_modes(world, water_pipe="grab")
    case = ok(report(world, category="water_pipe"), 201)
    refused = wecom.say("wecom-lift_tech", f"接单 {case['number']}")
    assert refused == i18n.translate("error.repair.not_your_trade")
    assert case_of(services, "repairs", case["id"])["state"] == "submitted"
    assert wecom.say("wecom-plumber2", f"接单 {case['number']}").startswith("已接单")
    assert case_of(services, "repairs", case["id"])["assignee_id"] == world.id("plumber2")
    assert wecom.say("wecom-plumber", f"接单 {case['number']}") == f"{case['number']} 已由 赵水工 接单。"


def test_a_dispatcher_transfers_a_repair_to_a_colleague_by_name(wecom, world, services):
    set_modes(world, water_pipe="assign")
    case = ok(report(world, category="water_pipe"), 201)
    ok(act(world, "dispatcher", case["id"], "assign", assignee_id=world.id("plumber2")))
    answer = wecom.say("wecom-dispatcher", f"转单 {case['number']} 李水电")
    assert answer == f"{case['number']} 已转给 李水电。"
    moved = case_of(services, "repairs", case["id"])
    assert moved["state"] == "transferred" and moved["assignee_id"] == world.id("plumber")
    assert "没有找到同事" in wecom.say("wecom-dispatcher", f"转单 {case['number']} 不存在的人")
    assert wecom.say("wecom-plumber", f"接单 {case['number']}").startswith("已接单")


def test_arrive_without_a_number_asks_when_two_tickets_wait(wecom, world, services):
    set_modes(world, water_pipe="grab", drain="grab")
    first = ok(report(world, category="water_pipe"), 201)
    second = ok(report(world, "neighbour", category="drain"), 201)
    for case in (first, second):
        wecom.say("wecom-plumber2", f"接单 {case['number']}")
    answer = wecom.say("wecom-plumber2", "到达")
    assert first["number"] in answer and second["number"] in answer
    assert "没有已接单" in wecom.say("wecom-lift_tech", "到达")


def test_numbers_of_another_community_are_not_found(wecom, world, services):
    case = ok(report(world, category="water_pipe"), 201)
    answer = wecom.say("wecom-other", f"接单 {case['number']}")
    assert answer == f"没有找到工单 {case['number']}。"
    assert case_of(services, "repairs", case["id"])["state"] == case["state"]


def test_usage_is_explained_when_the_number_is_missing(wecom, world):
    assert "例如" in wecom.say("wecom-plumber", "接单") and "例如" in wecom.say("wecom-plumber", "完成")


# ---- complaints ---------------------------------------------------------------------------------

def test_a_dispatcher_accepts_and_answers_a_complaint_from_chat(wecom, world, services):
    case = ok(complain(world), 201)
    assert wecom.say("wecom-dispatcher", f"接单 {case['number']}").startswith(f"已接单 {case['number']}")
    assert "不能转给同事" in wecom.say("wecom-dispatcher", f"转单 {case['number']} 陈经理")
    # a reply needs words: the workflow's own refusal comes back
    assert wecom.say("wecom-dispatcher", f"完成 {case['number']}") == i18n.translate("error.note_required")
    assert case_of(services, "complaints", case["id"])["state"] == "accepted"
    wecom.say("wecom-dispatcher", f"完成 {case['number']} 已安排保洁今晚清运")
    answered = case_of(services, "complaints", case["id"])
    assert answered["state"] == "replied" and answered["replies"][0]["text"] == "已安排保洁今晚清运"


def test_bare_digits_naming_a_repair_and_a_complaint_ask_which(wecom, world, services):
    set_modes(world, water_pipe="assign")
    repair = ok(report(world, category="water_pipe"), 201)
    complaint = ok(complain(world), 201)
    if int(repair["number"][2:]) != int(complaint["number"][2:]):
        pytest.skip("the two counters are not in step in this run")
    answer = wecom.say("wecom-dispatcher", f"接单 {int(repair['number'][2:])}")
    assert repair["number"] in answer and complaint["number"] in answer


# ---- hand-offs -------------------------------------------------------------------------------------

def handoff(services, world, who: str = "owner", channel: str = "wechat_oa") -> dict:
    person = world.people[who]
    doc = {"_id": clock.new_id("ho"), "kind": "human", "person_id": person["_id"],
           "person_name": person["name"], "community_id": world.community_id, "channel": channel,
           "user_key": person["openid"], "opened_at": clock.now_iso(), "state": "open", "reason": "asked",
           "text": "我要找人工", "summary": {}}
    return services.store.collection("handoffs").insert(doc)


def test_staff_take_a_handoff_talk_to_the_resident_and_end_it(wecom, world, services, wechat_fake):
    doc = handoff(services, world)
    taken = wecom.say("wecom-dispatcher", "接待")
    assert "张业主" in taken and "我要找人工" in taken
    assert wecom.say("wecom-manager", "接待") == "目前没有等待人工服务的居民。"
    assert wecom.say("wecom-dispatcher", "您好，马上派师傅过去") == "已发送。"
    assert wecom.say("wecom-dispatcher", "接待").startswith("您正在接待")
    assert wecom.say("wecom-dispatcher", "结束").startswith("已结束")
    assert services.store.collection("handoffs").get(doc["_id"])["state"] == "closed"
    sent = [m["text"]["content"] for m in custom_messages(wechat_fake)]
    assert all(m_user == "o-owner" for m_user in (m["touser"] for m in custom_messages(wechat_fake)))
    assert sent == ["物业客服王调度已接入，请直接说出您的问题。", "【物业客服 王调度】您好，马上派师傅过去",
                    "人工服务已结束。如还有问题，随时告诉我。"]
    assert "接单" in wecom.say("wecom-dispatcher", "还在吗")        # no hand-off held: back to commands


def test_a_handoff_is_taken_by_its_code_and_only_within_the_community(wecom, world, services):
    first = handoff(services, world, "owner")
    second = handoff(services, world, "tenant")
    assert wecom.say("wecom-other", "接待") == "目前没有等待人工服务的居民。"
    assert "钱租户" in wecom.say("wecom-dispatcher", f"接待 {second['_id'][-6:]}")
    assert services.store.collection("handoffs").get(first["_id"]).get("staff_id") is None


def test_a_reply_that_wechat_refuses_is_reported_to_the_staff_member(wecom, world, services, wechat_fake):
    handoff(services, world)
    wecom.say("wecom-dispatcher", "接待")
    wechat_fake.fail("wechat", "cgi-bin/message/custom/send", errcode=45015)
    assert "没有发出去" in wecom.say("wecom-dispatcher", "您好")


def test_a_resident_on_a_channel_we_cannot_push_to_is_explained(wecom, world, services):
    handoff(services, world, channel="json")
    wecom.say("wecom-dispatcher", "接待")
    assert "无法直接回复" in wecom.say("wecom-dispatcher", "您好")
