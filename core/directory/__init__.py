"""The directory: communities, buildings, houses, public places, people and bindings.

Service functions only (no Flask): the mini-program API, the bot and the workflows call
these. Every function takes the acting :class:`~core.roles.Actor` or a community id and
stays inside that community; another community's document is a 404. The look-ups other
workflows need are re-exported here.
"""
from __future__ import annotations

from .bindings import (bindings_of, decide_binding, describe_bindings, houses_of,  # noqa: F401
                       list_bindings, occupants, request_binding, revoke_binding)
from .communities import create_community, get_community, list_communities  # noqa: F401
from .fields import mask_phone  # noqa: F401
from .imports import import_houses, import_residents  # noqa: F401
from .people import (create_staff, find_person_by_openid, find_staff_by_wecom_userid,  # noqa: F401
                     get_person, list_people, staff_with, update_person)
from .present import (present_building, present_community, present_house, present_person,  # noqa: F401
                      present_place)
from .premises import (create_building, create_house, create_place, find_house, get_house,  # noqa: F401
                       house_label, list_buildings, list_houses, list_places)
