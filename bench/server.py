"""The app the benchmarks serve: Linli itself plus one bare endpoint as the baseline.

The baseline runs in the same gunicorn processes, so the ratio against it isolates what
Linli's own work costs (auth, validation, storage, outbox) from Flask and HTTP overhead.
"""
from __future__ import annotations

from flask import jsonify

from core.app import create_app

app = create_app()


@app.get("/bench/bare")
def bare():
    return jsonify({"ok": True})
