"""Helpers the API and workflow tests share: response checks, the outbox relay, the inbox."""
from __future__ import annotations

from notifications.relay import relay
from notifications.render import make_renderer
from notifications.router import build_router


def ok(response, status: int = 200) -> dict:
    """The JSON of ``response``, after checking its status (the body is shown when it differs)."""
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def relay_all(services) -> None:
    """Deliver every pending outbox event now, as the Celery relay would."""
    relay(services, make_renderer(services.config.public_base_url), build_router(services), limit=500)


def inbox(services, world, who: str) -> list[dict]:
    """Everything the inbox holds for ``who`` of the world's community."""
    return services.store.collection("notifications").find(
        {"community_id": world.community_id, "person_id": world.id(who)}, limit=500).items
