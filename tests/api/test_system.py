"""Health, OpenAPI and the error envelope: the contract every client relies on."""
from __future__ import annotations


def test_healthz_reports_every_component(client, backend):
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert set(report["components"]) == {"store", "redis", "worker", "scheduler"}
    assert report["components"]["store"]["ok"] is True
    assert report["components"]["redis"]["ok"] is True
    assert report["backend"]["store"] == {"sqlite": "sqlite", "mongo": "mongodb"}[backend]
    # no worker runs in this test: health says so instead of pretending
    assert report["components"]["worker"]["ok"] is False
    assert report["status"] == "degraded"


def test_healthz_sees_a_worker_heartbeat(client, services):
    from core import health
    health.beat(services, "worker", {"last_seen": "now"})
    health.beat(services, "scheduler", {"last_seen": "now"})
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_openapi_document_is_served(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "bearer" in document["components"]["securitySchemes"]


def test_unknown_route_is_a_localised_404(client):
    zh = client.get("/api/v1/nothing-here").get_json()
    en = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    assert zh["error"]["code"] == en["error"]["code"] == "not_found"
    assert zh["error"]["message"] != en["error"]["message"]
    assert en["error"]["message"] == "Not found."


def test_wrong_method_is_405_in_the_envelope(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
