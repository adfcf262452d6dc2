"""Every official-account message type reaches the dialog as the right InboundMessage (or gets
the pipeline's own answer), and the answer comes back as a passive text reply."""
from __future__ import annotations

import pytest

from tests.fakes.wechat_server import ROUTES

from .conftest import dialog_calls
from .wechat_requests import event, message, text, voice


def only_call(services) -> dict:
    calls = dialog_calls(services)
    assert len(calls) == 1, calls
    return calls[0]


def test_text_from_a_bound_resident_carries_person_community_and_msg_id(oa, services, world):
    answer = oa.say(text("o-owner", "3号楼电梯坏了", msg_id=123456789))
    call = only_call(services)
    assert call["channel"] == "wechat_oa" and call["kind"] == "text" and call["text"] == "3号楼电梯坏了"
    assert call["person_id"] == world.id("owner") and call["community_id"] == world.community_id
    assert call["msg_id"] == "123456789" and call["user_key"] == "o-owner" and call["locale"] == "zh_CN"
    assert answer.startswith("echo text: 3号楼电梯坏了")


def test_buttons_render_as_numbered_menu_links_and_a_tap_arrives_as_the_payload(oa, services, world):
    answer = oa.say(text("o-owner", "报修"))
    assert "weixin://bizmsgmenu?msgmenucontent=" in answer and "1. 确认" in answer and "2. 取消" in answer
    menu_id = answer.split("msgmenuid=")[1].split('"')[0]
    oa.say(message("o-owner", "text", Content="确认", bizmsgmenuid=menu_id))
    assert dialog_calls(services)[-1]["text"] == "/affirm"
    # a menu id of someone else's (or a forged one) is just text
    oa.say(message("o-neighbour", "text", Content="确认", bizmsgmenuid=menu_id))
    assert dialog_calls(services)[-1]["text"] == "确认"


def test_unknown_openid_reaches_the_dialog_without_a_person(oa, services):
    oa.say(text("o-stranger", "你好"))
    call = only_call(services)
    assert call["person_id"] is None and call["community_id"] is None


def test_openid_unknown_but_unionid_known_finds_the_mini_program_person(oa, services, world, wechat_fake,
                                                                        monkeypatch):
    services.store.collection("people").replace({**world.people["tenant"], "unionid": "u-tenant"},
                                                world.people["tenant"].get("version", 1))
    monkeypatch.setitem(ROUTES, ("wechat", "GET", "cgi-bin/user/info"),
                        lambda fake, query, body: {"openid": query["openid"], "unionid": "u-tenant"})
    oa.say(text("o-tenant-on-the-official-account", "你好"))
    assert only_call(services)["person_id"] == world.id("tenant")
    oa.say(text("o-tenant-on-the-official-account", "还在吗"))
    assert len(wechat_fake.calls("cgi-bin/user/info")) == 1      # looked up once, then cached


def test_voice_uses_wechat_recognition_and_asks_for_speakable_answers(oa, services, world):
    answer = oa.say(voice("o-elderly", "我家水管漏水了"))
    call = only_call(services)
    assert call["kind"] == "voice" and call["voice"] is True and call["text"] == "我家水管漏水了"
    assert call["media_id"] == "media-voice-1" and answer.startswith("echo voice")


@pytest.mark.parametrize("recognition", ["", "   "])
def test_unrecognised_voice_says_so_kindly_and_offers_sos_and_the_duty_phone(oa, services, world,
                                                                             recognition):
    community = services.store.collection("communities").get(world.community_id)
    services.store.collection("communities").replace({**community, "duty_phone": "0991-1234567"},
                                                     community["version"])
    answer = oa.say(voice("o-elderly", recognition))
    assert "没听清" in answer and "0991-1234567" in answer and "一键求助" in answer
    assert dialog_calls(services) == []
    menu_id = answer.split("msgmenuid=")[1].split('"')[0]
    oa.say(message("o-elderly", "text", Content="一键求助", bizmsgmenuid=menu_id))
    assert only_call(services)["text"] == "救命"      # the safety net's own word


def test_unrecognised_voice_from_a_stranger_still_gets_an_answer(oa, services):
    answer = oa.say(voice("o-stranger", ""))
    assert "没听清" in answer and "一键求助" in answer


def test_image_arrives_with_media_id_and_url(oa, services, world):
    oa.say(message("o-owner", "image", PicUrl="https://mmbiz.example/pic.jpg", MediaId="media-img-9"))
    call = only_call(services)
    assert call["kind"] == "image" and call["media_id"] == "media-img-9"
    assert call["image_url"] == "https://mmbiz.example/pic.jpg"


def test_location_arrives_with_coordinates_and_label(oa, services, world):
    oa.say(message("o-owner", "location", Location_X="43.8256", Location_Y="87.6168", Scale="15",
                   Label="乌鲁木齐市天山区和平路"))
    call = only_call(services)
    assert call["kind"] == "location"
    assert call["location"] == {"latitude": 43.8256, "longitude": 87.6168, "label": "乌鲁木齐市天山区和平路"}


def test_subscribe_greets_a_stranger_with_how_to_bind(oa, services):
    answer = oa.say(event("o-stranger", "subscribe"))
    assert "绑定房屋" in answer and dialog_calls(services) == []


def test_subscribe_by_a_bound_resident_welcomes_them_back(oa, services, world):
    answer = oa.say(event("o-owner", "subscribe"))
    assert "阳光花园" in answer and "绑定房屋" not in answer


def test_subscribe_from_a_community_qr_code_greets_too(oa, services):
    answer = oa.say(event("o-stranger", "subscribe", key="qrscene_YGHY"))
    assert "绑定房屋" in answer


def test_english_speakers_are_greeted_in_english(oa, services, world):
    people = services.store.collection("people")
    owner = people.get(world.id("owner"))
    people.replace({**owner, "locale": "en"}, owner["version"])
    assert oa.say(event("o-owner", "subscribe")).startswith("Hello and welcome back to 阳光花园")


@pytest.mark.parametrize("key, intent", [("REPAIR", "repair_request"), ("SOS", "emergency"),
                                         ("my_cases", "ticket_status"), ("human_agent", "human_agent")])
def test_menu_clicks_become_intents(oa, services, world, key, intent):
    oa.say(event("o-owner", "CLICK", key=key))
    call = only_call(services)
    assert call["kind"] == "event" and call["event"] == "click" and call["event_key"] == intent


@pytest.mark.parametrize("name", ["unsubscribe", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH",
                                  "made_up_event"])
def test_events_nobody_typed_get_no_answer(oa, services, world, name):
    response = oa.post(event("o-owner", name, key="https://example.com", Latitude="43.8", Longitude="87.6"))
    assert oa.reply(response) is None and response.get_data(as_text=True) == "success"
    assert dialog_calls(services) == []


@pytest.mark.parametrize("msg_type, fields", [
    ("video", {"MediaId": "m", "ThumbMediaId": "t"}), ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
    ("link", {"Title": "t", "Description": "d", "Url": "https://example.com"}),
    ("miniprogrampage", {"Title": "t", "AppId": "wx1", "PagePath": "p"}), ("hologram", {"Beam": "1"}),
])
def test_unknown_message_types_get_a_polite_answer_never_an_error(oa, services, world, msg_type, fields):
    answer = oa.say(message("o-owner", msg_type, **fields))
    assert "看不懂" in answer and dialog_calls(services) == []


def test_a_dialog_that_breaks_yields_an_apology_not_a_500(oa, services, world):
    from .conftest import fail

    fail(services)
    answer = oa.say(text("o-owner", "你好"))
    assert "出了点问题" in answer and "120" in answer


def test_a_very_long_answer_is_cut_to_what_wechat_accepts(services):
    from bot.channels import wechat_text
    from bot.messages import OutboundMessage

    rendered = wechat_text.render(services, "wechat_oa", "o-owner", [OutboundMessage("长" * 1500)] * 2)
    assert len(rendered.encode()) <= wechat_text.MAX_TEXT_BYTES and rendered.endswith("…")


def test_a_mini_program_page_becomes_a_mini_program_link(oa, services, world):
    answer = oa.say(text("o-stranger", "怎么绑定房子"))
    assert 'data-miniprogram-path="pages/house/bind"' in answer
    assert f'data-miniprogram-appid="{services.config.wechat_appid}"' in answer and "打开小程序" in answer
    assert oa.say(text("o-stranger", "你好")).count("data-miniprogram") == 0
