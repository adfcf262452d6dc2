"""HTTP client for an external Rasa 3.6 NLU server (``RASA_URL``).

The built-in engine (``nlu.parse``) calls :func:`remote_parse` when ``RASA_URL`` is set and
falls back to its own classifier when this returns ``None``. A chat bot must answer even when
Rasa is down, slow or returns garbage, so this function never raises: every failure is logged
as a warning on the ``nlu.rasa`` logger and turned into ``None``.
"""

from __future__ import annotations

import logging
import os
import threading

import requests

log = logging.getLogger("nlu.rasa")

# One pooled Session per process: re-using the keep-alive connection saves a TCP handshake on
# every message. Keyed by pid because gunicorn/Celery fork after import, and a pool inherited
# across fork would share sockets between processes.
_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def _get_session() -> requests.Session:
    """Return this process's pooled session, creating it after start-up or a fork."""
    global _session, _session_pid
    pid = os.getpid()
    if _session is None or _session_pid != pid:
        with _session_lock:
            if _session is None or _session_pid != pid:
                _session = requests.Session()
                _session_pid = pid
    return _session


def remote_parse(text: str, url: str, timeout: float = 1.5) -> dict | None:
    """Parse ``text`` with the Rasa server at ``url``; ``None`` on any failure.

    Sends ``POST {url}/model/parse`` with ``{"text": text}``. ``timeout`` bounds both the
    connect and the read, so a hung server costs at most about ``2 * timeout`` and a closed
    port fails at once. A response only counts when it is HTTP 200 with a JSON object that
    carries an ``intent`` object, the shape the caller relies on.
    """
    endpoint = url.rstrip("/") + "/model/parse"
    try:
        response = _get_session().post(endpoint, json={"text": text}, timeout=timeout)
    except requests.RequestException as exc:
        log.warning("Rasa server %s unreachable: %s", endpoint, exc)
        return None
    if response.status_code != 200:
        log.warning("Rasa server %s answered HTTP %s", endpoint, response.status_code)
        return None
    try:
        result = response.json()
    except ValueError as exc:  # requests' JSONDecodeError subclasses ValueError
        log.warning("Rasa server %s sent invalid JSON: %s", endpoint, exc)
        return None
    if not isinstance(result, dict) or not isinstance(result.get("intent"), dict):
        log.warning("Rasa server %s sent an unexpected payload: %.200r", endpoint, result)
        return None
    return result
