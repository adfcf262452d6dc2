"""Fuzzing every declared operation from the OpenAPI document (schemathesis, in-process
through WSGI): no request, valid or not, is a 5xx; every 4xx is the error envelope; every
answer has a status, media type and (where declared) body the document declares.

Each example is sent as someone the operation's roles admit (else the fuzz would only meet
403s), people without a community included, with valid and invalid data, a fixed number of
examples and a fixed seed per operation and backend (the two backends see different
examples): a run is bounded and repeatable. Path parameters also name records that exist (a
repair, a complaint, a house, a person, a binding, an upload) and a multipart ``file`` is also
a real photo, so actions, decisions and uploads run on real data, not only into 404s and
415s. The dialog manager is a stand-in: the HTTP surface is under test here, not the NLU
(whose failures a bot turn's own guard keeps from ever failing a request).
"""
from __future__ import annotations

import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)
from werkzeug.test import Client

import bot.channels  # noqa: F401 (declares the bot's endpoint)
import miniapp_api  # noqa: F401 (declares the API's endpoints)
from core import uploads
from core.api import REGISTRY
from core.openapi import openapi_path
from tests.core.test_api import Echo
from tests.factories import person
from tests.fakes.wechat_server import wechat_fake, wechat_fake_server  # noqa: F401 (fixtures)
from tests.helpers import ok

from .test_complaints import complain
from .test_repairs import report
from .test_repairs_input import PNG
from .test_uploads import actor

EXAMPLES = 15          # per operation and backend: the whole module stays well under a minute
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# who may call: each example is sent as one of the personas whose roles the operation admits
# (anyone for an operation without roles), those with no community included
PERSONAS = {"owner": {"resident", "owner"}, "tenant": {"resident"}, "newcomer": {"resident"},
            "dispatcher": {"dispatcher"}, "plumber": {"technician"}, "manager": {"manager"},
            "admin": {"admin"}, "street_office": {"street_office"}, "grid_worker": {"grid_worker"},
            "residents_committee": {"residents_committee"}, "committee": {"owners_committee"},
            "platform_admin": {"platform_admin"}}


def admitted(roles: frozenset[str] | None) -> tuple[str, ...]:
    return tuple(who for who, has in PERSONAS.items() if roles is None or has & roles)


OPERATIONS = sorted({(openapi_path(spec.rule), method, admitted(spec.roles))
                     for spec in REGISTRY for method in spec.methods})


@pytest.fixture
def config_overrides(config_overrides, wechat_fake):  # noqa: F811
    return wechat_fake.configure(config_overrides, extra={"dialog_factory": Echo})


@pytest.fixture
def fuzz_world(world):
    world.add("platform_admin", person(None, "街道信息科", "staff", ["platform_admin"]))
    world.add("newcomer", person(None, "新用户", "resident", ["resident"], openid="o-newcomer"))
    return world


@pytest.fixture
def real_ids(fuzz_world, services) -> dict[str, str]:
    """Ids of records that exist, for path parameters: random ids only ever meet a 404."""
    repair = ok(report(fuzz_world), 201)["id"]
    complaint = ok(complain(fuzz_world), 201)["id"]
    house = fuzz_world.houses["1-1-101"]["_id"]
    upload = uploads.save(services, actor(fuzz_world, "owner"), PNG)["_id"]
    return {"repairs": repair, "complaints": complaint, "house_id": house, "upload_id": upload,
            "person_id": fuzz_world.id("plumber"), "binding_id": f"{fuzz_world.id('owner')}:{house}"}


def existing(path: str, ids: dict[str, str]) -> dict[str, str]:
    """The path parameters of ``path`` that name a record of ``ids``."""
    found = {}
    for name in (segment.strip("{}") for segment in path.split("/") if segment.startswith("{")):
        key = path.split("/")[3] if name == "case_id" else name
        if key in ids:
            found[name] = ids[key]
    return found


class BufferedClient(Client):
    """Reads each answer whole and closes it, as a WSGI server does: schemathesis' own client
    leaves a file download's handle open (a ResourceWarning, an error under this suite)."""

    def open(self, *args, buffered: bool = False, **kwargs):
        return super().open(*args, buffered=True, **kwargs)


def assert_envelope_on_client_errors(response) -> None:
    if 400 <= response.status_code < 500:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
        assert isinstance(body["error"]["message"], str) and body["error"]["message"], body


@pytest.mark.parametrize("path, method, personas", OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_no_request_is_a_server_error(app, backend, fuzz_world, real_ids, path, method, personas):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method.upper()]
    client = BufferedClient(app)
    strategies = [operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
                  operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)]
    if existing(path, real_ids):
        strategies.append(operation.as_strategy(schemathesis.GenerationMode.POSITIVE,
                                                path_parameters=existing(path, real_ids)))
    if any(body.media_type == "multipart/form-data" for body in operation.body):
        strategies.append(operation.as_strategy(schemathesis.GenerationMode.POSITIVE, body={"file": PNG},
                                                media_type="multipart/form-data"))
    cases = st.one_of(strategies)

    @seed(zlib.crc32(f"{method} {path} {backend}".encode()))
    @settings(max_examples=EXAMPLES, database=None, deadline=None, suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(case=cases, who=st.sampled_from(personas))
    def fuzz(case, who):
        headers = fuzz_world.headers(who)
        response = case.call(headers=headers, session=client)
        case.validate_response(response, checks=CHECKS, headers=headers)
        assert_envelope_on_client_errors(response)

    fuzz()
