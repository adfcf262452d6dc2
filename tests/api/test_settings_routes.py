"""The settings routes every case workflow mounts with ``register_settings_routes``: the
same roles check, stale-version 409 and shape 422 for repairs and complaints."""
from __future__ import annotations

import pytest

from tests.helpers import ok

SETTINGS = [  # (url, reader, writer, a reader who may not write, a valid change)
    ("/api/v1/repairs/settings", "dispatcher", "manager", "dispatcher", {"cap": 3}),
    ("/api/v1/complaints/settings", "residents_committee", "street_office", "manager", {"auto_close_days": 5}),
]


@pytest.mark.parametrize("url, reader, writer, reader_only, change", SETTINGS)
def test_settings_of_every_case_workflow_share_one_set_of_routes(world, app, url, reader, writer, reader_only,
                                                                  change):
    endpoint = next(rule.endpoint for rule in app.url_map.iter_rules() if rule.rule == url and "PUT" in rule.methods)
    assert app.view_functions[endpoint].__qualname__.startswith("register_settings_routes.")
    first = ok(world.call("GET", reader, url))
    assert world.call("GET", "owner", url).status_code == 403
    assert world.call("PUT", reader_only, url, json=change).status_code == 403
    changed = ok(world.call("PUT", writer, url, json={**change, "version": first["version"]}))
    assert all(changed[key] == value for key, value in change.items())
    assert changed["version"] == first["version"] + 1
    assert ok(world.call("GET", reader, url))["version"] == changed["version"]
    stale = world.call("PUT", writer, url, json={**change, "version": first["version"]})
    assert ok(stale, 409)["error"]["code"] == "conflict"
    assert ok(world.call("PUT", writer, url, json={"no_such_setting": 1}), 422)["error"]["code"] == "validation_failed"
    outsider = ok(world.call("GET", "outsider_dispatcher", "/api/v1/repairs/settings"))
    assert outsider["version"] == 0          # another community's settings are its own
