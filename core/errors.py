"""Errors that cross the API boundary, and the one JSON envelope they render to.

Business code raises these with a message *key*; the web layer localises the key for the
caller. ``{"error": {"code", "message", "details"}}`` with the right 4xx; a 5xx is a bug.
"""
from __future__ import annotations


class LinliError(Exception):
    """Base of every expected failure; ``code`` is stable and machine-readable."""

    status = 400
    code = "bad_request"

    def __init__(self, message_key: str | None = None, details: dict | None = None, **params):
        self.message_key = message_key or f"error.{self.code}"
        self.details = details or {}
        self.params = params
        super().__init__(self.message_key)


class BadRequest(LinliError):
    status, code = 400, "bad_request"


class ValidationFailed(LinliError):
    status, code = 422, "validation_failed"


class Unauthorized(LinliError):
    status, code = 401, "unauthorized"


class Forbidden(LinliError):
    status, code = 403, "forbidden"


class NotFound(LinliError):
    status, code = 404, "not_found"


class Conflict(LinliError):
    """A compare-and-set lost, a duplicate natural key, or a transition from the wrong state."""

    status, code = 409, "conflict"


class TooLarge(LinliError):
    status, code = 413, "too_large"


class UnsupportedMedia(LinliError):
    status, code = 415, "unsupported_media_type"


class RateLimited(LinliError):
    status, code = 429, "rate_limited"


class UpstreamError(LinliError):
    """WeChat/WeCom said no: carries the upstream errcode so support can look it up."""

    status, code = 502, "upstream_error"


def envelope(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}
