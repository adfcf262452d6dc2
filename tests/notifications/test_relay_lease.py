"""The relay's claim lease comes from LINLI_RELAY_LEASE_SECONDS: an event being delivered is
held for exactly that long, after which another worker may take it over."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from core import clock
from core.config import load_config
from notifications.base import Delivery, Message
from notifications.relay import relay

from .conftest import Outbox

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
LEASE = 7


@pytest.fixture
def config_overrides(config_overrides):
    return {**config_overrides, "relay_lease_seconds": LEASE}


class Watching:
    """A channel that notes how long the event it is delivering is held for."""

    channel = "watching"

    def __init__(self, store):
        self.store, self.held_until = store, []

    def channels_for(self, person, message):
        return [self]

    def send(self, person: dict, message: Message) -> Delivery:
        self.held_until.append(self.store.collection("outbox").get(message.event_id)["available_at"])
        return Delivery(self.channel, ok=True)


def test_an_event_in_delivery_is_held_for_the_configured_lease(services, world):
    watching = Watching(services.store)
    with time_machine.travel(T0, tick=False):
        Outbox(services, world).case("owner")
        assert relay(services, lambda event, person: Message(event["_id"], event["type"], "t", "b"), watching) == 1
    assert watching.held_until == [clock.iso(T0 + timedelta(seconds=LEASE))]


def test_the_lease_is_read_from_the_environment(monkeypatch):
    assert load_config().relay_lease_seconds == 60
    monkeypatch.setenv("LINLI_RELAY_LEASE_SECONDS", "15")
    assert load_config().relay_lease_seconds == 15
