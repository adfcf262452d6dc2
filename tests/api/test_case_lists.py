"""The case lists' ``?state=`` filter: state names, comma-separated; anything else is a 422
on that field (a 200-character filter in CJK ran past the web server's request-line limit)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("url", ["/api/v1/repairs", "/api/v1/complaints"])
def test_the_state_filter_takes_state_names_only(world, url):
    response = world.call("GET", "owner", url, query_string={"state": "待处理"})
    assert response.status_code == 422, response.get_json()
    assert [f["field"] for f in response.get_json()["error"]["details"]["fields"]] == ["state"]
    names = world.call("GET", "owner", url, query_string={"state": "submitted, closed"})
    assert names.status_code == 200 and names.get_json()["items"] == []


def test_names_that_are_no_state_are_still_refused_by_the_workflow(world):
    response = world.call("GET", "owner", "/api/v1/repairs", query_string={"state": "nonsense"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_failed"
