"""Liveness of each component, for ``GET /healthz`` and ``linli status``.

Workers and the scheduler prove they are alive by writing heartbeat keys to Redis
(see :mod:`tasks.heartbeat`); a key older than its TTL means the process is gone.
"""
from __future__ import annotations

import json

HEARTBEAT_TTL = 60


def heartbeat_key(services, component: str) -> str:
    return services.key("heartbeat", component)


def beat(services, component: str, info: dict) -> None:
    services.redis.set(heartbeat_key(services, component), json.dumps(info), ex=HEARTBEAT_TTL)


def report(services) -> tuple[dict, bool]:
    """``(report, healthy)``: healthy means the store and Redis answer; the worker and
    scheduler are reported but a web process still serves while they restart."""
    components: dict[str, dict] = {}
    try:
        components["store"] = services.store.ping()
    except Exception as exc:  # health must describe failures, not raise them
        components["store"] = {"ok": False, "backend": services.config.mongo_uri and "mongodb" or "sqlite",
                               "error": type(exc).__name__}
    redis_info = {"backend": "external" if services.config.redis_url else "embedded"}
    try:
        services.redis.ping()
        components["redis"] = {"ok": True, **redis_info}
    except Exception as exc:
        components["redis"] = {"ok": False, **redis_info, "error": type(exc).__name__}
    for component in ("worker", "scheduler"):
        info = None
        if components["redis"]["ok"]:
            raw = services.redis.get(heartbeat_key(services, component))
            info = json.loads(raw) if raw else None
        components[component] = {"ok": info is not None, **(info or {})}
    healthy = components["store"]["ok"] and components["redis"]["ok"]
    status = "ok" if healthy and all(c["ok"] for c in components.values()) else ("degraded" if healthy else "down")
    return {"status": status, "components": components,
            "backend": {"store": components["store"].get("backend"), "redis": redis_info["backend"],
                        "nlu": "rasa" if services.config.rasa_url else "builtin"}}, healthy
