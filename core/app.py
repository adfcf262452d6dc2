"""The Flask application factory — Linli's composition root.

``create_app`` is the one place that knows every web-facing package: it builds the
:class:`~core.services.Services`, installs the error envelope, and registers the
blueprints of ``miniapp_api`` and the channels of ``bot``. Everything else
imports in the directions DESIGN.md §1 allows.
"""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import i18n
from .api import locale
from .config import load_config
from .errors import LinliError, envelope
from .services import Services, set_current

log = logging.getLogger("linli")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               429: "rate_limited"}


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. ``test_config`` overrides :class:`~core.config.Config` fields."""
    config = load_config(test_config)
    app = Flask("linli")
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=config.max_upload_bytes + 64 * 1024,
                      JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    if config.trusted_proxies:
        # behind nginx / a cloud load balancer the peer is the proxy: take the client's address
        # (per-address rate limits) and scheme from the X-Forwarded-* entries the trusted hops
        # appended; never from the client's own headers, so no one spoofs past a limit
        hops = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    services = Services(config)
    app.extensions["linli"] = services
    set_current(services)

    @app.before_request
    def choose_locale():
        g.locale = i18n.negotiate(request.headers.get("Accept-Language"), request.args.get("lang"))

    _install_error_handlers(app)
    _register_blueprints(app)
    return app


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(LinliError)
    def linli_error(err: LinliError):
        message = i18n.translate(err.message_key, locale(), **err.params)
        return jsonify(envelope(err.code, message, err.details)), err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = _HTTP_CODES.get(err.code or 400, "http_error")
        message = i18n.translate(f"error.{code}", locale())
        return jsonify(envelope(code, message)), err.code

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        # a 5xx is always a bug: log everything, show nothing internal
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(envelope("internal_error", i18n.translate("error.internal_error", locale()))), 500


def _register_blueprints(app: Flask) -> None:
    from bot import register as register_bot
    from miniapp_api import register as register_api

    register_api(app)
    register_bot(app)
