"""workflows.cases: what every case workflow's create does before anything else."""
from __future__ import annotations

import pytest

from tests.factories import person

from ..api.test_complaints import complain
from ..api.test_repairs import public, report


@pytest.mark.parametrize("category", ["intercom", "lighting", "elevator"])
def test_a_report_by_someone_without_a_community_is_a_422_not_a_500(world, category):
    """A public place's report takes the duplicate-merge lock, whose key named the
    community: a resident not yet bound to one got a 500 instead of being told to bind."""
    world.add("newcomer", person(None, "新用户", "resident", ["resident"], openid="o-newcomer"))
    response = report(world, "newcomer", category=category, location=public("3号楼大堂"),
                      headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["message"] == "Please join a community first."
    assert complain(world, "newcomer").status_code == 422
