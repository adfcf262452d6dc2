"""The tracker in Redis: saved per channel and user, expiring after inactivity, and
remembering (without its content) a form that was abandoned."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine

from bot.dialog import tracker as tracker_module
from bot.dialog.manager import DialogManager
from bot.dialog.tracker import Tracker, TrackerStore
from core import clock
from core.config import load_config


def test_a_saved_tracker_is_loaded_back(services):
    store = TrackerStore(services)
    tracker = store.load("wechat_oa", "o-1")
    tracker.start_form("repair")
    tracker.slots["category"] = "water_pipe"
    tracker.pending = {"kind": "slot", "slot": "location"}
    store.save(tracker)
    again = store.load("wechat_oa", "o-1")
    assert (again.form, again.slots, again.pending, again.expired_form) == (
        "repair", {"category": "water_pipe"}, {"kind": "slot", "slot": "location"}, None)


def test_trackers_are_per_channel_and_user(services):
    store = TrackerStore(services)
    tracker = store.load("wechat_oa", "o-1")
    tracker.start_form("repair")
    store.save(tracker)
    assert store.load("wecom", "o-1").form is None
    assert store.load("wechat_oa", "o-2").form is None


def test_a_form_left_longer_than_the_timeout_is_dropped_and_named(services):
    store = TrackerStore(services, timeout_seconds=1800)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        tracker = store.load("wechat_oa", "o-1")
        tracker.start_form("complaint")
        tracker.slots["description"] = "楼上很吵"
        store.save(tracker)
        traveller.shift(timedelta(minutes=29))
        assert store.load("wechat_oa", "o-1").form == "complaint"
        traveller.shift(timedelta(minutes=31))
        expired = store.load("wechat_oa", "o-1")
    assert (expired.form, expired.slots, expired.expired_form) == (None, {}, "complaint")


def test_linli_dialog_timeout_is_read_from_the_environment_and_must_be_positive(monkeypatch):
    monkeypatch.setenv("LINLI_DIALOG_TIMEOUT", "600")
    assert load_config().dialog_timeout_seconds == 600
    monkeypatch.setenv("LINLI_DIALOG_TIMEOUT", "0")
    with pytest.raises(RuntimeError, match="LINLI_DIALOG_TIMEOUT"):
        load_config()


def test_the_dialog_manager_drops_forms_after_the_configured_timeout(services, monkeypatch):
    monkeypatch.setattr(services, "config", replace(services.config, dialog_timeout_seconds=600))
    manager = DialogManager(services, parse=lambda text, locale: {})
    assert manager.trackers.timeout == timedelta(minutes=10)
    store = TrackerStore(services)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        tracker = store.load("wechat_oa", "o-1")
        tracker.start_form("repair")
        store.save(tracker)
        traveller.shift(timedelta(minutes=9))
        assert manager.trackers.load("wechat_oa", "o-1").form == "repair"
        traveller.shift(timedelta(minutes=2))
        assert manager.trackers.load("wechat_oa", "o-1").expired_form == "repair"


def test_redis_expiry_keeps_only_the_name_of_the_abandoned_form(services):
    store = TrackerStore(services)
    tracker = store.load("wechat_oa", "o-1")
    tracker.start_form("repair")
    tracker.slots["description"] = "水管漏水"
    store.save(tracker)
    services.redis.delete(services.key("bot", "tracker", "wechat_oa", "o-1"))   # what EX does after 30 min
    assert services.redis.get(services.key("bot", "abandoned", "wechat_oa", "o-1")) == "repair"
    loaded = store.load("wechat_oa", "o-1")
    assert (loaded.expired_form, loaded.slots) == ("repair", {})


def test_the_redis_keys_expire(services):
    store = TrackerStore(services, timeout_seconds=600)
    tracker = store.load("wechat_oa", "o-1")
    tracker.start_form("repair")
    store.save(tracker)
    assert 0 < services.redis.ttl(services.key("bot", "tracker", "wechat_oa", "o-1")) <= 600
    marker_ttl = services.redis.ttl(services.key("bot", "abandoned", "wechat_oa", "o-1"))
    assert 600 < marker_ttl <= 600 + tracker_module.MARKER_SECONDS


def test_finishing_a_form_forgets_the_marker(services):
    store = TrackerStore(services)
    tracker = store.load("wechat_oa", "o-1")
    tracker.start_form("repair")
    store.save(tracker)
    tracker.end_form()
    store.save(tracker)
    assert services.redis.get(services.key("bot", "abandoned", "wechat_oa", "o-1")) is None


def test_an_unreadable_or_older_tracker_starts_afresh(services):
    store = TrackerStore(services)
    services.redis.set(services.key("bot", "tracker", "wechat_oa", "o-1"), "{not json")
    assert store.load("wechat_oa", "o-1").form is None
    services.redis.set(services.key("bot", "tracker", "wechat_oa", "o-2"), '{"v": 0, "form": "repair"}')
    assert store.load("wechat_oa", "o-2").form is None


def test_photos_sent_before_a_form_move_into_it():
    tracker = Tracker(channel="json", user_key="u")
    tracker.photos.append({"media_id": "m1"})
    tracker.start_form("repair")
    assert (tracker.slots["photos"], tracker.photos) == ([{"media_id": "m1"}], [])


def test_the_lock_serialises_one_conversation(services):
    store = TrackerStore(services)
    first = store.lock("wechat_oa", "o-1")
    assert first.acquire(blocking=False)
    assert not store.lock("wechat_oa", "o-1").acquire(blocking=False)
    assert store.lock("wechat_oa", "o-2").acquire(blocking=False)
    first.release()
