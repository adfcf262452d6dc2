"""Conversation stories: behaviour written down as data, run through two front doors.

Each ``tests/conversations/*.yml`` holds ``stories``; a story is a person (a key of
``tests.factories.World`` such as ``owner`` or ``elderly``, or ``stranger`` for an
openid nobody has bound) and the steps of a conversation::

    - name: a leaking pipe, reported in one sentence
      as: owner
      steps:
        - say: 厨房水管漏水了          # or voice: <recognition> / voice: "" / image: true /
          intent: repair_request       #    location: <label> / event: subscribe / click: <key>
          action: ask_preferred_time   # one of the actions the turn took
          slots: {category: water_pipe}
          reply: [什么时候]             # each must appear in the reply ("a|b": either)
        - say: 对
          created: {repair: 1}         # records created by this step
          case: {category: water_pipe} # fields of the newest record of that kind

Other step keys: ``as`` (another person for this step), ``after: 31m`` (the clock moves on
first), ``form`` / ``pending`` (the tracker's), ``reply_not``, ``buttons``, ``speak``
(direct only: what a voice device says). Story keys: ``houses`` (extra houses to bind,
``{person: [labels]}``), ``locales`` (``{person: "en"}``), ``only`` (a transport, when a
channel answers a step itself), ``platform_duty: true`` (a street-office duty person, role
``platform_admin``, exists: the one paged for an emergency nobody of a community can take).

Every story runs through the :class:`~bot.dialog.manager.DialogManager` directly and
through ``POST /wechat/oa`` as signed WeChat XML, plaintext and AES, on both store
backends; the tracker the checks read is the same in every case.
"""
from __future__ import annotations

import itertools
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
import yaml

from bot.dialog.manager import DialogManager
from bot.dialog.tracker import TrackerStore
from bot.messages import EVENT, IMAGE, LOCATION, TEXT, VOICE, InboundMessage, Location
from core import clock
from tests.factories import person
from tests.fakes.wechat_server import wechat_fake, wechat_fake_server  # noqa: F401 (fixtures)

HERE = Path(__file__).resolve().parent
CHANNEL = "wechat_oa"
# stories run on a Monday at 09:00 in Beijing, so "今天下午" is always still ahead
START = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
TRANSPORTS = ("direct", "wechat_plain", "wechat_aes")
COLLECTIONS = {"repair": "repairs", "complaint": "complaints", "help": "help_requests", "handoff": "handoffs",
               "upload": "uploads"}
# the photo an ``image`` step sends, as WeChat (the local fake) serves it
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
STAMPS = {"handoffs": "opened_at"}
STEP_KEYS = {"say", "voice", "image", "location", "event", "click", "as", "after", "intent", "action",
             "slots", "form", "pending", "reply", "reply_not", "buttons", "speak", "created", "case"}


def load_stories() -> list:
    params = []
    for path in sorted(HERE.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                unknown = set(step) - STEP_KEYS
                assert not unknown, f"{path.name}: {story['name']}: unknown step keys {unknown}"
            for transport in TRANSPORTS:
                if story.get("only") in (None, transport.split("_")[0]):
                    name = f"{path.stem}: {story['name']} [{transport}]"
                    params.append(pytest.param(story, transport, id=name))
    return params


@pytest.fixture(scope="session", autouse=True)
def warm_nlu():
    """Train or load the NLU once, so no turn pays for it (WeChat would see a timeout)."""
    import nlu

    nlu.warm_up()


@pytest.fixture
def config_overrides(config_overrides, wechat_fake):
    # a story sends many messages a minute and must never meet the flood limit or the 5 s budget;
    # WeChat is the local fake (chat photos are fetched from it)
    wechat_fake.add_media("photo-media", PHOTO)
    return wechat_fake.configure(config_overrides, extra={"bot_reply_budget": 60},
                                 bot_messages_per_minute=100_000)


# ---- the two front doors ---------------------------------------------------------------------

class Direct:
    """The dialog manager, given what the official-account channel would give it."""

    def __init__(self, services):
        self.services = services
        self.manager = DialogManager(services)

    def send(self, who: dict, step: dict) -> dict:
        person = who.get("person")
        inbound = InboundMessage(channel=CHANNEL, user_key=who["openid"], person_id=(person or {}).get("_id"),
                                 community_id=(person or {}).get("community_id"), msg_id=clock.new_id("m"),
                                 locale=(person or {}).get("locale"), **inbound_fields(step))
        replies = self.manager.handle(inbound)
        return {"text": "\n".join(r.text for r in replies), "speak": "".join(r.speak or "" for r in replies),
                "buttons": [b.title for r in replies for b in r.buttons]}


class WeChat:
    """Signed official-account XML through the real endpoint, plaintext or AES safe mode
    (built by the channel tests' own WeChat look-alike)."""

    def __init__(self, services, client, aes: bool):
        from tests.bot.channels.wechat_requests import OfficialAccount

        self.account, self.aes = OfficialAccount(client, services.config), aes
        self.clock = itertools.count(int(time.time()))

    def send(self, who: dict, step: dict) -> dict:
        from tests.bot.channels import wechat_requests as wx

        openid, fields = who["openid"], inbound_fields(step)
        created = next(self.clock)   # events are deduped by sender and CreateTime: one each
        kind = fields["kind"]
        if kind == TEXT:
            xml = wx.text(openid, fields["text"])
        elif kind == VOICE:
            xml = wx.voice(openid, fields["text"])
        elif kind == IMAGE:
            xml = wx.message(openid, "image", PicUrl=fields["image_url"], MediaId=fields["media_id"])
        elif kind == LOCATION:
            where = fields["location"]
            xml = wx.message(openid, "location", Location_X=where.latitude, Location_Y=where.longitude,
                             Scale=15, Label=where.label)
        else:
            xml = wx.event(openid, fields["event"], fields.get("event_key"), created=created)
        content = self.account.say(xml, safe=self.aes) or ""
        return {"text": content, "speak": None, "buttons": re.findall(r"\d+\. ([^<\n]+)", content)}


def inbound_fields(step: dict) -> dict:
    if "voice" in step:
        return {"kind": VOICE, "voice": True, "text": step["voice"] or "", "media_id": "voice-media"}
    if "image" in step:
        return {"kind": IMAGE, "media_id": "photo-media", "image_url": "https://mmbiz.example/photo.jpg"}
    if "location" in step:
        return {"kind": LOCATION, "location": Location(43.8, 87.6, step["location"])}
    if "event" in step:
        return {"kind": EVENT, "event": step["event"]}
    if "click" in step:
        return {"kind": EVENT, "event": "click", "event_key": step["click"]}
    return {"kind": TEXT, "text": step["say"]}


# ---- checking --------------------------------------------------------------------------------------

def counts(store) -> dict:
    return {name: store.collection(collection).count({}) for name, collection in COLLECTIONS.items()}


def newest(store, kind: str) -> dict:
    collection = COLLECTIONS[kind]
    stamp = STAMPS.get(collection, "created_at")
    docs = store.collection(collection).find({}, limit=1000).items
    return max(docs, key=lambda d: (d.get(stamp, ""), d["_id"]))


def contains(actual, expected) -> bool:
    """``expected`` is a subset of ``actual`` (dicts compared key by key, recursively)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(contains(actual.get(k), v) for k, v in expected.items())
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(map(contains, actual, expected)))
    return actual == expected


def check_step(number: int, step: dict, seen: dict, tracker, before: dict, after: dict, store,
               transport: str) -> None:
    where = f"step {number} ({step.get('say') or step.get('voice') or sorted(step)[0]!r})"
    text = seen["text"]
    for expected in step.get("reply", []):
        options = str(expected).split("|")
        assert any(option in text for option in options), f"{where}: {expected!r} not in {text!r}"
    for unwanted in step.get("reply_not", []):
        assert unwanted not in text, f"{where}: {unwanted!r} in {text!r}"
    for title in step.get("buttons", []):
        assert title in seen["buttons"], f"{where}: button {title!r} not in {seen['buttons']}"
    if "speak" in step and transport == "direct":
        assert all(str(part) in seen["speak"] for part in step["speak"]), f"{where}: speak {seen['speak']!r}"
    if "intent" in step:
        assert tracker.last_intent == step["intent"], f"{where}: intent {tracker.last_intent}"
    if "action" in step:
        assert step["action"] in tracker.last_actions, f"{where}: actions {tracker.last_actions}"
    if "form" in step:
        assert tracker.form == step["form"], f"{where}: form {tracker.form}"
    if "pending" in step:
        assert (tracker.pending or {}).get("kind") == step["pending"], f"{where}: pending {tracker.pending}"
    if "slots" in step:
        assert contains(tracker.slots, step["slots"]), f"{where}: slots {tracker.slots}"
    created = {kind: after[kind] - before[kind] for kind in COLLECTIONS}
    expected_created = {kind: step.get("created", {}).get(kind, 0) for kind in COLLECTIONS}
    assert created == expected_created, f"{where}: created {created}"
    for kind, fields in (step.get("case") or {}).items():
        doc = newest(store, kind)
        assert contains(doc, fields), f"{where}: newest {kind} {doc}"


# ---- the test -------------------------------------------------------------------------------------

def people_of(world, story: dict) -> dict:
    """``{key: {"openid", "person"}}`` for everyone who speaks in the story."""
    found = {}
    for key in {story["as"]} | {s["as"] for s in story["steps"] if "as" in s}:
        if key == "stranger":
            found[key] = {"openid": f"o-stranger-{clock.new_id()}", "person": None}
        else:
            found[key] = {"openid": world.people[key]["openid"], "person": world.people[key]}
    return found


def set_locales(world, story: dict) -> None:
    people = world.services.store.collection("people")
    for key, locale in (story.get("locales") or {}).items():
        person = people.get(world.id(key))
        people.replace({**person, "locale": locale}, person["version"])
        world.people[key] = people.get(person["_id"])


def bind_houses(world, story: dict) -> None:
    for key, labels in (story.get("houses") or {}).items():
        person = world.people[key]
        for label in labels:
            house = world.houses[label]
            world.services.store.collection("bindings").insert({
                "_id": f"{person['_id']}:{house['_id']}", "community_id": person["community_id"],
                "person_id": person["_id"], "house_id": house["_id"], "relation": "owner",
                "state": "approved", "created_at": clock.now_iso()})


def add_platform_duty(world, story: dict) -> None:
    if story.get("platform_duty"):
        world.add("platform_duty", person(None, "街道值班", "staff", ["platform_admin"]))


def duration(text: str) -> timedelta:
    amount, unit = int(text[:-1]), text[-1]
    return timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: amount})


@pytest.mark.parametrize("story,transport", load_stories())
def test_story(story, transport, backend, world, services, client):
    mounted = any(rule.rule == "/wechat/oa" for rule in client.application.url_map.iter_rules())
    if transport != "direct" and not mounted:
        pytest.skip("the /wechat/oa channel is not mounted")
    bind_houses(world, story)
    set_locales(world, story)
    add_platform_duty(world, story)
    speakers = people_of(world, story)
    if transport == "direct":
        door = Direct(services)
    else:
        door = WeChat(services, client, aes=transport == "wechat_aes")
    trackers = TrackerStore(services)
    with time_machine.travel(START, tick=True) as traveller:
        for number, step in enumerate(story["steps"], start=1):
            if "after" in step:
                traveller.shift(duration(step["after"]))
            who = speakers[step.get("as", story["as"])]
            before = counts(services.store)
            seen = door.send(who, step)
            tracker = trackers.load(CHANNEL, who["openid"])
            check_step(number, step, seen, tracker, before, counts(services.store), services.store, transport)
