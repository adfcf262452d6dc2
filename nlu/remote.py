"""The optional Rasa backend: intent ranking from a Rasa 3.6 server when ``RASA_URL`` is set.

The HTTP call lives in :mod:`nlu.rasa_client` (``remote_parse(text, url, timeout)``, owned by
the Rasa integration); this module only reads the settings, calls it, and turns its answer
into a ranking. A missing client module is a deployment error: :func:`check_configured` raises
it loudly at start-up (``nlu.warm_up``), while :func:`remote_ranking` logs it once and lets the
built-in classifier answer, because a resident reporting a fire must still get an answer.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 1.5
_MISSING_CLIENT = (
    "RASA_URL is set but nlu.rasa_client cannot be imported ({error}); it must define "
    "remote_parse(text: str, url: str, timeout: float = 1.5) -> dict | None"
)
_reported_missing = False


@dataclass(frozen=True)
class RasaSettings:
    """Where the Rasa server is and how long to wait for it."""

    url: str
    timeout: float


def settings() -> RasaSettings | None:
    """Settings from the environment, or None when the built-in classifier should be used."""
    url = os.environ.get("RASA_URL", "").strip()
    if not url:
        return None
    raw_timeout = os.environ.get("RASA_TIMEOUT", "").strip()
    try:
        timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT
    except ValueError:
        log.warning("RASA_TIMEOUT=%r is not a number; using %s s", raw_timeout, DEFAULT_TIMEOUT)
        timeout = DEFAULT_TIMEOUT
    return RasaSettings(url, timeout)


def _client():
    from nlu.rasa_client import remote_parse

    return remote_parse


def check_configured() -> None:
    """Raise ImportError with a clear message when RASA_URL is set but the client is missing."""
    if settings() is None:
        return
    try:
        _client()
    except ImportError as exc:
        raise ImportError(_MISSING_CLIENT.format(error=exc)) from exc


def ranking_from_rasa(result: dict) -> list[tuple[str, float]] | None:
    """(intent, confidence) pairs from a Rasa parse result, or None if it has no intent."""
    ranking = [(r["name"], float(r.get("confidence") or 0.0)) for r in result.get("intent_ranking") or []
               if r.get("name")]
    if not ranking:
        intent = result.get("intent") or {}
        if not intent.get("name"):
            return None
        ranking = [(intent["name"], float(intent.get("confidence") or 0.0))]
    return sorted(ranking, key=lambda p: -p[1])


def remote_ranking(text: str) -> tuple[list[tuple[str, float]], dict] | None:
    """Ask Rasa for ``text``; (ranking, raw result), or None to fall back to the built-in model."""
    global _reported_missing
    config = settings()
    if config is None:
        return None
    try:
        remote_parse = _client()
    except ImportError as exc:
        if not _reported_missing:
            log.error(_MISSING_CLIENT.format(error=exc))
            _reported_missing = True
        return None
    try:
        result = remote_parse(text, config.url, config.timeout)
    except Exception:  # noqa: BLE001 - the client must not take intent recognition down with it
        log.exception("Rasa client failed; using the built-in classifier")
        return None
    if not isinstance(result, dict):
        return None
    ranking = ranking_from_rasa(result)
    return (ranking, result) if ranking else None
