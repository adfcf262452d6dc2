"""Residents get subscribe messages only with an unused consent; a send uses one up."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from core import clock
from core.config import load_config
from notifications import consent
from notifications.base import Message
from notifications.miniapp import MiniappNotifier, SubscribeTemplate, load_templates

SEND = "cgi-bin/message/subscribe/send"


def accept(world, key: str, *templates: str):
    return world.call("POST", key, "/api/v1/consents", json={"templates": list(templates)})


def test_no_subscribe_message_without_consent(outbox, wechat_fake):
    outbox.case("owner")
    assert outbox.relay() == 1
    assert wechat_fake.calls(SEND) == []
    assert len(outbox.inbox("owner")) == 1


def test_a_consent_allows_exactly_one_message(outbox, wechat_fake, services, world):
    assert accept(world, "owner", "tmpl-progress").status_code == 200
    case = outbox.case("owner")
    outbox.relay()
    [sent] = wechat_fake.delivered(SEND)
    assert sent["touser"] == "o-owner" and sent["template_id"] == "tmpl-progress"
    assert sent["page"] == f"pages/case/detail?workflow=ticket&id={case['_id']}"
    assert sent["data"]["character_string1"] == {"value": case["number"]}
    assert sent["data"]["thing2"] == {"value": f"您的事项 {case['number']} 有新进展"}
    assert sent["data"]["phrase5"] == {"value": "已受理"}
    assert consent.available(services.store, world.id("owner"), "tmpl-progress") == 0
    outbox.assign(case)                                   # the next stage: no consent left
    outbox.relay()
    assert len(wechat_fake.calls(SEND)) == 1
    assert len(outbox.inbox("owner")) == 2


def test_two_acceptances_allow_two_messages_of_templates_sharing_a_platform_id(outbox, wechat_fake, world):
    accept(world, "owner", "tmpl-progress", "tmpl-progress")
    case = outbox.case("owner")
    outbox.relay()
    outbox.assign(case)
    outbox.relay()
    assert [len(b["data"]) for b in wechat_fake.delivered(SEND)] == [5, 2]


def test_wechat_refusal_is_a_skip_and_clears_the_consent(outbox, wechat_fake, services, world):
    accept(world, "owner", "tmpl-progress", "tmpl-progress")
    wechat_fake.refuse_subscribe("o-owner")
    outbox.case("owner")
    assert outbox.relay() == 1                             # done: a refusal is not retried
    assert wechat_fake.delivered(SEND) == []
    assert consent.available(services.store, world.id("owner"), "tmpl-progress") == 0


def test_wechat_busy_is_retried_and_the_consent_used_only_on_success(outbox, wechat_fake, services, world):
    accept(world, "owner", "tmpl-progress")
    wechat_fake.fail("wechat", SEND, errcode=-1)
    outbox.case("owner")
    assert outbox.relay() == 0
    assert consent.available(services.store, world.id("owner"), "tmpl-progress") == 1
    with time_machine.travel(clock.now() + timedelta(seconds=10)):
        assert outbox.relay() == 1
    assert len(wechat_fake.delivered(SEND)) == 1
    assert consent.available(services.store, world.id("owner"), "tmpl-progress") == 0
    assert len(outbox.inbox("owner")) == 1


def test_people_without_openid_or_unmapped_templates_are_not_reached(services, world):
    notifier = MiniappNotifier(services)
    mapped = Message(event_id="e", template="ticket.created", title="t", body="b")
    assert notifier.can_reach(world.people["owner"], mapped)
    assert not notifier.can_reach(world.people["dispatcher"], mapped)          # staff: no openid
    assert not notifier.can_reach(world.people["owner"], Message("e", "vote.opened", "t", "b"))


def test_values_are_cut_to_wechat_field_limits():
    spec = SubscribeTemplate("tmpl", {"thing1": "title", "phrase2": "=处理中的工单", "character_string3": "body"})
    data = spec.data(Message("e", "x", title="三号楼二单元电梯困人请立即派人到现场处理谢谢", body="A" * 40))
    assert data["thing1"]["value"] == "三号楼二单元电梯困人请立即派人到现场处…" and len(data["thing1"]["value"]) == 20
    assert data["phrase2"]["value"] == "处理中的…"
    assert len(data["character_string3"]["value"]) == 32


def test_page_without_the_data_it_needs_falls_back_to_the_bare_page():
    spec = SubscribeTemplate("tmpl", {}, page="pages/case/detail?id={case_id}")
    assert spec.page_for(Message("e", "x", "t", "b")) == "pages/case/detail"


def test_templates_come_from_the_file_wechat_subscribe_templates_names(tmp_path, monkeypatch):
    mapping = tmp_path / "deploy" / "templates.json"
    mapping.parent.mkdir()
    mapping.write_text(json.dumps({"repair.assigned": {"template_id": "T1", "fields": {"thing1": "title"}}}),
                       encoding="utf-8")
    monkeypatch.setenv("LINLI_DATA_DIR", str(tmp_path))
    (tmp_path / "subscribe_templates.json").write_text(mapping.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_templates(load_config()) == {}          # nothing named: the data dir is not searched
    monkeypatch.setenv("WECHAT_SUBSCRIBE_TEMPLATES", str(mapping))
    config = load_config()
    assert load_templates(config)["repair.assigned"].template_id == "T1"
    for broken in (json.dumps({"repair.assigned": {"fields": {}}}), "[]", "{not json"):
        mapping.write_text(broken, encoding="utf-8")
        with pytest.raises(ValueError):
            load_templates(config)
    mapping.unlink()
    with pytest.raises(ValueError, match="WECHAT_SUBSCRIBE_TEMPLATES"):
        load_templates(config)                           # named but missing: refuse to start
