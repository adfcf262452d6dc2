"""Notification tests: WeCom and subscribe messages go to the local fake over real HTTP;
outbox events come from a tiny declared workflow through the real engine."""
from __future__ import annotations

import pytest

from core.roles import DISPATCHER, Actor
from notifications.relay import relay
from notifications.render import make_renderer
from notifications.router import build_router
from tests.fakes.wechat_server import wechat_fake, wechat_fake_server  # noqa: F401 (fixtures)
from workflows.engine import State, Workflow, apply_event, create_case, on

# Linli template (the event type) -> platform subscribe template, as a deployment maps it
SUBSCRIBE_TEMPLATES = {
    "ticket.created": {"template_id": "tmpl-progress",
                       "page": "pages/case/detail?workflow={workflow}&id={case_id}",
                       "fields": {"character_string1": "number", "thing2": "title", "thing3": "body",
                                  "time4": "time", "phrase5": "=已受理"}},
    "ticket.assign": {"template_id": "tmpl-progress",
                      "fields": {"character_string1": "number", "thing2": "title"}},
}

TICKET = Workflow(
    name="ticket", collection="repairs", number_prefix="T",
    states=(State("open"), State("assigned"), State("closed", final=True)),
    transitions=(on("assign", "open", "assigned", {DISPATCHER}),),
    initial="open",
    audience=lambda event, case: case["audience"],
)


@pytest.fixture
def config_overrides(config_overrides, wechat_fake):  # noqa: F811
    return wechat_fake.configure(config_overrides, notifiers=("wecom", "miniapp"),
                                 extra={"subscribe_templates": SUBSCRIBE_TEMPLATES})


class Outbox:
    """Make cases whose events go to chosen people, and relay them as the worker does."""

    def __init__(self, services, world):
        self.services, self.world = services, world

    def case(self, *audience: str) -> dict:
        return create_case(self.services.store, TICKET, {"audience": [self.world.id(k) for k in audience]},
                           Actor.system(self.world.community_id))

    def assign(self, case: dict) -> dict:
        return apply_event(self.services.store, TICKET, case["_id"], "assign",
                           Actor.from_person(self.world.people["dispatcher"]))

    def relay(self) -> int:
        return relay(self.services, make_renderer(self.services.config.public_base_url),
                     build_router(self.services))

    def events(self, status: str) -> list[dict]:
        return self.services.store.collection("outbox").find({"status": status}).items

    def inbox(self, key: str) -> list[dict]:
        return self.services.store.collection("notifications").find(
            {"community_id": self.world.community_id, "person_id": self.world.id(key)}).items


@pytest.fixture
def outbox(services, world) -> Outbox:
    return Outbox(services, world)
