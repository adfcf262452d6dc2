"""Choose the channels for one person: the inbox always, then every configured provider
that can reach them (WeCom for staff, subscribe messages for consenting residents...)."""
from __future__ import annotations

from .base import Message, Notifier
from .inbox import InboxNotifier
from .miniapp import MiniappNotifier
from .wecom import WeComNotifier


class Router:
    def __init__(self, notifiers: list[Notifier]):
        self.notifiers = notifiers

    def channels_for(self, person: dict, message: Message) -> list[Notifier]:
        return [n for n in self.notifiers if n.can_reach(person, message)]


def build_router(services) -> Router:
    """Providers named in ``LINLI_NOTIFIERS`` (the inbox is always first)."""
    notifiers: list[Notifier] = [InboxNotifier(services.store)]
    for name in services.config.notifiers:
        factory = PROVIDERS.get(name)
        if factory is not None:
            notifiers.append(factory(services))
    return Router(notifiers)


# name -> factory(services); providers register here (see notifications/wecom.py, miniapp.py)
PROVIDERS: dict = {"wecom": WeComNotifier, "miniapp": MiniappNotifier}
