"""REST API for the mini-program and the staff/committee consoles: thin views only.

Each module holds one blueprint; :func:`register` mounts them all. Views validate with
:func:`core.api.endpoint` and call service functions in ``workflows`` — never storage
details, never business rules.
"""
from __future__ import annotations

from flask import Flask

from . import admin, auth, complaints, inbox, nlu, people, repairs, system, uploads

BLUEPRINTS = [system.bp, repairs.bp, complaints.bp, uploads.bp, admin.bp, people.bp, auth.bp, inbox.bp, nlu.bp]


def register(app: Flask) -> None:
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
