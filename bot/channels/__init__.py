"""Channel adapters, one module each; :func:`register_channels` mounts their endpoints."""
from __future__ import annotations

BLUEPRINTS: list = []


def register_channels(app) -> None:
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
