"""Helpers for directory tests: actors of the shared ``world`` and a platform admin."""
from __future__ import annotations

import pytest

from core.roles import Actor
from tests.factories import person


@pytest.fixture
def as_(world):
    """``as_("admin")``: the Actor of one of the world's people."""
    def actor(key: str) -> Actor:
        return Actor.from_person(world.services.store.collection("people").get(world.id(key)))
    return actor


@pytest.fixture
def platform_admin(world) -> Actor:
    doc = world.add("platform_admin", person(None, "街道信息科", "staff", ["platform_admin"],
                                             wecom_userid="wecom-platform"))
    return Actor.from_person(doc)
