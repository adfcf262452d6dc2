"""The process-wide service container: configuration, store, Redis, key prefix.

Web views, Celery tasks and the CLI all reach storage and Redis through one
:class:`Services` object, built once per process from :class:`~core.config.Config`.
"""
from __future__ import annotations

import threading

from . import redis_client
from .config import Config
from .store import Store, open_store


class Services:
    def __init__(self, config: Config):
        self.config = config
        self._store: Store | None = None
        self._redis = None
        self._lock = threading.Lock()
        self.prefix = config.extra.get("redis_prefix", config.redis_prefix)

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(self.config)
        return self._store

    @property
    def redis(self):
        if self._redis is None:
            with self._lock:
                if self._redis is None:
                    self._redis = redis_client.connect(self.redis_url)
        return self._redis

    @property
    def redis_url(self) -> str:
        return redis_client.redis_url(self.config)

    def key(self, *parts: str) -> str:
        """A namespaced Redis key (tests give every run its own prefix)."""
        return self.prefix + ":".join(parts)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


_current: Services | None = None


def set_current(services: Services) -> None:
    """Register the process's services (the app factory and the Celery worker do this)."""
    global _current
    _current = services


def current() -> Services:
    if _current is None:
        raise RuntimeError("Linli services are not initialised in this process")
    return _current
