"""The service skeleton."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.main import app


def test_health_reports_configuration():
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"]
    assert body["base_model"] and body["dataset"]


def test_openapi_docs_are_served():
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 200
        assert "/health" in client.get("/openapi.json").json()["paths"]
