"""The conversational bot: channel adapters -> pipeline -> dialog manager -> actions.

``channels/`` turn platform messages (WeChat official account XML, WeCom callbacks, the
JSON channel, the terminal) into :class:`~bot.messages.InboundMessage` and render
:class:`~bot.messages.OutboundMessage` back; platform types never pass the adapter.
``pipeline`` dedupes and rate-limits; ``dialog/`` owns the conversation.
"""
from __future__ import annotations


def register(app) -> None:
    """Mount the channel endpoints on the Flask app (called by core.app.create_app)."""
    from .channels import register_channels

    register_channels(app)
