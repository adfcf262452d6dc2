"""Admin API: CSV imports — text/csv, JSON, form upload; 200 with counts or 422 with every row."""
from __future__ import annotations

import pytest

URL = "/api/v1/admin/import"
HOUSES = "楼栋,单元,房号,面积\n5,1,101,89.5\n5,1,102,76\n"


def house_count(services, world) -> int:
    return services.store.collection("houses").count({"community_id": world.community_id})


def test_text_csv_gbk_import(world, services):
    before = house_count(services, world)
    response = world.call("POST", "admin", f"{URL}/houses", data=HOUSES.encode("gbk"),
                          headers={"Content-Type": "text/csv; charset=gbk"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"houses": 2, "buildings": 1}
    assert house_count(services, world) == before + 2


def test_json_and_form_uploads(world):
    response = world.call("POST", "admin", f"{URL}/houses", json={"csv": HOUSES})
    assert response.status_code == 200
    from io import BytesIO
    upload = {"file": (BytesIO("building,unit,room,area_m2\n6,1,101,70\n".encode()), "houses.csv")}
    response = world.call("POST", "manager", f"{URL}/houses", data=upload, content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["houses"] == 1


def test_rejected_import_lists_localised_row_errors_and_writes_nothing(world, services):
    before = house_count(services, world)
    bad = "building,unit,room,area_m2\n5,1,101,89.5\n5,1,101,80\n5,1,103,abc\n"
    zh = world.call("POST", "admin", f"{URL}/houses", data=bad, headers={"Content-Type": "text/csv"})
    assert zh.status_code == 422
    error = zh.get_json()["error"]
    assert error["details"]["error_count"] == 2
    rows = [(e["row"], e["column"], e["problem"]) for e in error["details"]["errors"]]
    assert rows == [(3, "room", "duplicate_in_file"), (4, "area_m2", "invalid")]
    assert error["details"]["errors"][0]["message"] == "第 3 行：与第 2 行重复。"
    assert error["details"]["errors"][1]["message"] == "第 4 行「专有面积」：格式不正确。"
    en = world.call("POST", "admin", f"{URL}/houses", data=bad,
                    headers={"Content-Type": "text/csv", "Accept-Language": "en"}).get_json()["error"]
    assert en["details"]["errors"][1]["message"] == "Row 4, area (m²): not valid."
    assert "nothing was imported" in en["message"]
    assert house_count(services, world) == before


def test_resident_import_through_the_api(world, services):
    csv = "name,phone,building,unit,room,relation,openid\n新业主,13800000001,2,2,101,业主,o-imported\n"
    response = world.call("POST", "admin", f"{URL}/residents", json={"csv": csv})
    assert response.status_code == 200 and response.get_json() == {"people": 1, "bindings": 1, "owners": 1}
    again = world.call("POST", "admin", f"{URL}/residents", json={"csv": csv})
    assert again.status_code == 422
    assert again.get_json()["error"]["details"]["errors"][0]["problem"] == "already_bound"


def test_replayed_import_answers_like_the_first(world):
    headers = {"Content-Type": "text/csv", "Idempotency-Key": "import-1"}
    first = world.call("POST", "admin", f"{URL}/houses", data=HOUSES, headers=headers)
    second = world.call("POST", "admin", f"{URL}/houses", data=HOUSES, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.get_json() == first.get_json() and second.headers.get("Idempotent-Replayed") == "true"


@pytest.mark.parametrize("kwargs, status", [
    ({"data": "x", "headers": {"Content-Type": "application/pdf"}}, 415),
    ({"data": "{bad json", "headers": {"Content-Type": "application/json"}}, 400),
    ({"json": {"csv": ""}}, 422),
    ({"json": {"file": "a,b"}}, 422),
    ({"data": "", "headers": {"Content-Type": "text/csv"}}, 422),
])
def test_malformed_uploads_are_4xx(world, kwargs, status):
    response = world.call("POST", "admin", f"{URL}/houses", **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_too_large_upload_is_413(world):
    from core.directory import csv_table
    big = "building,unit,room,area_m2\n" + "1,1,1,1\n" * (csv_table.MAX_BYTES // 8 + 1)
    response = world.call("POST", "admin", f"{URL}/houses", data=big, headers={"Content-Type": "text/csv"})
    assert response.status_code == 413


@pytest.mark.parametrize("who", ["dispatcher", "plumber", "owner", "grid_worker"])
def test_only_directory_admins_import(world, who):
    response = world.call("POST", who, f"{URL}/houses", json={"csv": HOUSES})
    assert response.status_code == 403
