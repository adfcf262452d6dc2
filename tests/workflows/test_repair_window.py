"""The preferred visiting window of a repair: whatever times arrive, an invalid window is a
422, never a 500 — including times whose offset moves them outside the calendar in UTC."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.errors import ValidationFailed
from workflows.repair.service import check_window

from ..api.test_repairs import home, report

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)
PAST_THE_CALENDAR = [("9999-12-31T23:00:00-12:00", "9999-12-31T23:30:00-12:00"),
                     ("0001-01-01T00:00:00+14:00", "0001-01-01T01:00:00+14:00")]


@pytest.mark.parametrize("start, end", PAST_THE_CALENDAR)
def test_a_window_outside_the_calendar_in_utc_is_invalid_not_an_overflow(start, end):
    with pytest.raises(ValidationFailed):
        check_window({"start": start, "end": end}, NOW)
    with pytest.raises(ValidationFailed):
        check_window({"start": datetime.fromisoformat(start), "end": datetime.fromisoformat(end)}, NOW)


def test_a_window_with_a_far_offset_is_kept_in_utc():
    window = check_window({"start": "2026-11-22T10:00:00+14:00", "end": "2026-11-22T12:00:00+14:00"}, NOW)
    assert window == {"start": "2026-11-21T20:00:00.000000Z", "end": "2026-11-21T22:00:00.000000Z"}


@pytest.mark.parametrize("start, end", PAST_THE_CALENDAR)
def test_reporting_with_such_a_window_is_a_422(world, start, end):
    response = report(world, location=home(world), preferred_window={"start": start, "end": end})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"
