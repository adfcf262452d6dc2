"""Notifications: the :class:`~notifications.base.Notifier` protocol, its providers and the
outbox relay that turns workflow events into messages for people.

Every notification is first written to the person's inbox (readable through the API), so
nothing depends on WeChat delivery alone; WeCom, mini-program subscribe messages, SMS and
voice are extra channels chosen per person by :mod:`notifications.router`.
"""
