"""Chat photos become the reporter's uploads on the case (fetched from the local WeChat
fake's ``cgi-bin/media/get``); what cannot be fetched stays a link in the description."""
from __future__ import annotations

import hashlib

import pytest

from bot.actions import complaint as complaint_action
from bot.actions import people
from bot.actions import photos as photos_action
from bot.dialog.manager import DialogManager
from bot.messages import IMAGE, InboundMessage
from core import clock
from tests.fakes.wechat_server import wechat_fake, wechat_fake_server  # noqa: F401 (fixtures)
from workflows.repair import SERVICE as REPAIRS

from .test_manager import fake_parse

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
PIC_URL = "https://mmbiz.qpic.cn/photo.jpg"


@pytest.fixture
def config_overrides(config_overrides, wechat_fake):
    return wechat_fake.configure(config_overrides)


@pytest.fixture
def talk(services, world):
    manager = DialogManager(services, parse=fake_parse)

    def send(who: str, text: str = "", channel: str = "wechat_oa", **fields):
        person = world.people[who]
        return manager.handle(InboundMessage(
            channel=channel, user_key=person["openid"], person_id=person["_id"],
            community_id=person["community_id"], text=text, msg_id=clock.new_id("m"), **fields))

    return send


def actor(world, who: str = "owner"):
    return people.actor_of(world.people[who])


def report_with_photo(talk, who="owner", media_id="m-1", channel="wechat_oa", url=PIC_URL) -> None:
    talk(who, "厨房水管漏水了", channel=channel)
    talk(who, kind=IMAGE, media_id=media_id, image_url=url, channel=channel)
    talk(who, "尽快", channel=channel)
    talk(who, "对", channel=channel)


def the_repair(services) -> dict:
    [repair] = services.store.collection("repairs").find({}, limit=10).items
    return repair


def media_calls(wechat_fake) -> list:
    return wechat_fake.calls("cgi-bin/media/get")


def test_a_chat_photo_becomes_the_reporters_own_upload_on_the_repair(services, world, talk, wechat_fake):
    wechat_fake.add_media("m-1", JPEG)
    report_with_photo(talk)
    repair = the_repair(services)
    [upload_id] = repair["photos"]
    upload = services.store.collection("uploads").get(upload_id)
    assert (upload["owner_id"], upload["community_id"], upload["content_type"]) == (
        world.id("owner"), world.community_id, "image/jpeg")
    assert upload["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert repair["description"] == "厨房水管漏水了"
    assert [call.query["media_id"] for call in media_calls(wechat_fake)] == ["m-1"]


def test_a_photo_wechat_no_longer_keeps_stays_a_link(services, world, talk, wechat_fake):
    report_with_photo(talk, media_id="expired")   # WeChat answers 40007 invalid media_id
    repair = the_repair(services)
    assert repair["photos"] == [] and repair["description"].endswith(f"[照片 photos] {PIC_URL}")
    assert services.store.collection("uploads").count({}) == 0


def test_a_file_that_is_not_an_image_stays_a_link(services, world, talk, wechat_fake):
    wechat_fake.add_media("m-1", b"#!/bin/sh\necho hi\n", content_type="image/jpeg")
    report_with_photo(talk)
    repair = the_repair(services)
    assert repair["photos"] == [] and PIC_URL in repair["description"]


def test_photos_of_other_channels_are_never_fetched(services, world, talk, wechat_fake):
    report_with_photo(talk, channel="json", url="http://127.0.0.1:6379/")
    repair = the_repair(services)
    assert repair["photos"] == [] and "http://127.0.0.1:6379/" in repair["description"]
    assert media_calls(wechat_fake) == []


def test_with_the_time_budget_used_up_the_photo_stays_a_link(services, world, talk, wechat_fake, monkeypatch):
    wechat_fake.add_media("m-1", JPEG)
    monkeypatch.setattr(photos_action, "BUDGET_SECONDS", 0.0)
    report_with_photo(talk)
    assert PIC_URL in the_repair(services)["description"] and media_calls(wechat_fake) == []


def test_a_photo_submitted_again_is_fetched_and_stored_once(services, world, wechat_fake):
    # the photos are the form's slot: a report the service refused and the person confirms again
    wechat_fake.add_media("m-1", JPEG)
    photos = [{"channel": "wechat_oa", "media_id": "m-1", "url": PIC_URL}]
    first = photos_action.attach(services, actor(world), photos)
    again = photos_action.attach(services, actor(world), photos)
    assert first.ids == again.ids and len(first.ids) == 1 and len(media_calls(wechat_fake)) == 1


def test_a_merged_report_adds_its_photo_to_the_open_case(services, world, talk, wechat_fake):
    wechat_fake.add_media("m-1", JPEG)
    owner = actor(world)
    opened = REPAIRS.create(services, owner, {"category": "elevator", "description": "电梯坏了",
                                              "location": {"kind": "public", "place": "2号楼1单元"}}).case
    talk("tenant", "电梯坏了")
    talk("tenant", kind=IMAGE, media_id="m-1", image_url=PIC_URL)
    talk("tenant", "对")
    merged = services.store.collection("repairs").get(opened["_id"])
    assert merged["reporter_ids"] == [world.id("owner"), world.id("tenant")]
    [upload_id] = merged["photos"]
    assert services.store.collection("uploads").get(upload_id)["owner_id"] == world.id("tenant")


def test_a_complaint_keeps_its_chat_photo_as_an_upload(services, world, wechat_fake):
    wechat_fake.add_media("m-1", JPEG)
    person = world.people["owner"]
    slots = {"category": "noise", "description": "楼上半夜很吵", "location": {"kind": "public", "place": "1号楼"},
             "photos": [{"channel": "wechat_oa", "media_id": "m-1", "url": PIC_URL}]}
    inbound = InboundMessage(channel="wechat_oa", user_key=person["openid"], person_id=person["_id"])
    case = complaint_action.submit(services, person, slots, inbound)
    [upload_id] = case["photos"]
    assert case["description"] == "楼上半夜很吵"
    assert services.store.collection("uploads").get(upload_id)["owner_id"] == person["_id"]
