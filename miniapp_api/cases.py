"""Routes shared by every case type: one call mounts create / list / get / act for a
:class:`workflows.cases.CaseService`, so repairs and complaints expose the same shapes.

``register_case_routes(bp, service, create_body=..., create_roles=...)`` adds, under the
blueprint's prefix:

- ``POST   ""``                 create (``Idempotency-Key`` honoured): 201 new, 200 merged;
- ``GET    ""``                 the caller's list (``?scope=mine|pool|all&state=&cursor=&limit=``);
- ``GET    "/<case_id>"``       one case with ``actions``, history and deadlines (404 if not visible);
- ``POST   "/<case_id>/<action>"`` fire an action with :class:`ActionBody` (``version`` -> 409 if stale).

``register_settings_routes(bp, service, body_model, read_roles, write_roles)`` adds
``GET|PUT "/settings"``: the community's settings of that workflow.
"""
from __future__ import annotations

from typing import Annotated, Callable, Literal

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, Strict

from core.api import Cursor, current_actor, endpoint, locale, page_response, services
from core.roles import SYSTEM
from workflows.cases import CaseService

StrictInt = Annotated[int, Strict()]


class ActionBody(BaseModel):
    """What an action may carry; each workflow's transitions read the fields they need."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=500)
    comment: str | None = Field(None, max_length=500)
    assignee_id: str | None = Field(None, min_length=1, max_length=64)
    rating: Annotated[StrictInt | None, Field(ge=1, le=5)] = None
    version: Annotated[StrictInt | None, Field(ge=1)] = None


class CaseListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    scope: Literal["mine", "pool", "all"] | None = None
    state: str | None = Field(None, max_length=200, pattern=r"^[a-z_, ]*$",
                              description="state names, comma-separated (pending,accepted)")
    cursor: Cursor | None = None
    limit: int = Field(20, ge=1, le=100)


def _identity(view: dict) -> dict:
    return view


def register_case_routes(bp: Blueprint, service: CaseService, *, create_body: type[BaseModel],
                         create_roles=None, action_body: type[BaseModel] = ActionBody,
                         present: Callable[[dict], dict] = _identity) -> None:
    """Mount the four case routes of ``service`` on ``bp``.

    ``create_body`` is the pydantic model of a report (its ``model_dump()`` is what
    ``service.create`` receives); ``create_roles`` limits who may report;
    ``present(view)`` may decorate a rendered case (e.g. turn upload ids into URLs).
    """
    noun = service.workflow.name

    def show(case: dict, actor) -> dict:
        return present(service.view(case, actor, locale()))

    def summary(case: dict, actor) -> dict:
        view = show(case, actor)
        view.pop("history", None)  # lists stay light; the detail view has the history
        return view

    @endpoint(bp, "", ("POST",), summary=f"Report a {noun}", body=create_body, roles=create_roles,
              idempotent=True, status=201,
              other_statuses={200: f"Merged into an open {noun} of the same thing (merged: true)"})
    def create_case(body):
        actor = current_actor()
        created = service.create(services(), actor, body.model_dump())
        return {**show(created.case, actor), "merged": created.merged}, (200 if created.merged else 201)

    @endpoint(bp, "", ("GET",), summary=f"List {noun} cases visible to the caller", query=CaseListQuery)
    def list_cases(query):
        actor = current_actor()
        page = service.list(services(), actor, scope=query.scope, state=query.state, cursor=query.cursor,
                            limit=query.limit)
        return page_response(page, lambda case: summary(case, actor))

    @endpoint(bp, "/<case_id>", ("GET",), summary=f"One {noun} case")
    def get_case(case_id):
        actor = current_actor()
        return show(service.get(services(), actor, case_id), actor)

    # the events a person may fire: not the service's own (a duplicate joining) nor the timers'
    actions = sorted({t.event for t in service.workflow.transitions if t.roles - {SYSTEM}}
                     - service.policy.hidden_events)

    @endpoint(bp, "/<case_id>/<action>", ("POST",), summary=f"Act on a {noun} case", body=action_body,
              path_params={"action": {"type": "string", "enum": actions}})
    def act_on_case(case_id, action, body):
        actor = current_actor()
        payload = body.model_dump(exclude_none=True)
        expected = payload.pop("version", None)
        case = service.act(services(), actor, case_id, action, payload, expected_version=expected)
        return show(case, actor)


def register_settings_routes(bp: Blueprint, service, body_model: type[BaseModel], read_roles, write_roles) -> None:
    """Mount ``GET "/settings"`` (``read_roles``) and ``PUT "/settings"`` (``write_roles``).

    ``service`` has ``settings(services, actor)`` and ``update_settings(services, actor,
    changes, expected_version=)``; ``body_model`` checks the shape of a change, and its
    optional ``version`` (of the settings the caller last read) makes a stale change a 409.
    """
    noun = service.workflow.name

    @endpoint(bp, "/settings", ("GET",), summary=f"This community's {noun} settings", roles=read_roles)
    def get_settings():
        return service.settings(services(), current_actor())

    @endpoint(bp, "/settings", ("PUT",), summary=f"Change this community's {noun} settings", body=body_model,
              roles=write_roles)
    def put_settings(body):
        changes = body.model_dump(exclude_none=True)
        expected = changes.pop("version", None)
        return service.update_settings(services(), current_actor(), changes, expected_version=expected)
