"""core.uploads: a caller with no community has nowhere to file a photo — a 422 that says
so, not a 500 from building the community's folder out of None."""
from __future__ import annotations

import io

import pytest

from tests.factories import person

from ..api.test_repairs_input import PNG


@pytest.mark.parametrize("kind, roles", [("staff", ["platform_admin"]), ("resident", ["resident"])])
def test_an_upload_by_someone_without_a_community_is_a_422(world, services, kind, roles):
    world.add("homeless", person(None, "无小区", kind, roles))
    response = world.call("POST", "homeless", "/api/v1/uploads", data={"file": (io.BytesIO(PNG), "a.png")},
                          headers={"Accept-Language": "en"}, content_type="multipart/form-data")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["message"] == "Please join a community first."
    folder = services.config.data_path / "uploads"
    assert not folder.exists() or not any(folder.rglob("*.png"))
