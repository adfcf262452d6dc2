"""Health and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, jsonify

from core import health
from core.api import services
from core.openapi import openapi_document

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz():
    report, healthy = health.report(services())
    return jsonify(report), 200 if healthy else 503


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(openapi_document())
