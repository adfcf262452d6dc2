"""Every bot text exists in both languages, with the same placeholders."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.dialog import formflow, forms
from core import i18n
from workflows.complaint.machine import OPEN_STATES as COMPLAINT_OPEN
from workflows.repair.catalogue import CATEGORY_CODES

BOT = Path(__file__).resolve().parents[3] / "bot"
DIALOG_CODE = (BOT / "dialog", BOT / "actions")
LITERAL = re.compile(r'"(bot\.[a-z_]+(?:\.[a-z_0-9]+)+)"')


def bot_keys() -> set[str]:
    """Every key of bot.po (the bot's replies and its staff notifications)."""
    return {k for k in i18n.catalogue("zh_CN") if k.startswith(("bot.", "notify.handoff.", "notify.help."))}


def used_keys() -> set[str]:
    """Keys named literally in the code, plus those built from the forms and the catalogues."""
    used = set()
    for folder in DIALOG_CODE:
        for path in folder.rglob("*.py"):
            used |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    for form in forms.FORMS.values():
        used |= {f"bot.form.cancelled.{form.name}", f"bot.form.set_aside.{form.name}",
                 f"bot.session.expired.{form.name}", f"bot.ask.change.{form.name}"}
        for slot in form.slots:
            base = f"bot.ask.{form.name}.{slot.name}"
            used |= {base, f"{base}.again1", f"{base}.again2"}
        used |= {f"bot.field.{form.name}.{slot}" for slot, _ in form.change_words}
    for variant in ("location", "which_house", "where_public"):
        used |= {f"bot.ask.repair.{variant}", f"bot.ask.repair.{variant}.again1",
                 f"bot.ask.repair.{variant}.again2"}
    used |= {f"bot.facility.{code}" for code in CATEGORY_CODES}
    used |= {f"bot.status.complaint.{state}" for state in COMPLAINT_OPEN} | {"bot.status.complaint.replied"}
    used |= {f"bot.{intent}.nothing" for intent in ("affirm", "deny", "cancel")}
    used |= {f"bot.kind.{kind}" for kind in ("repair", "complaint", "help")}
    return used


def test_every_key_the_code_uses_is_translated_in_both_languages():
    missing = {locale: sorted(k for k in used_keys() if k not in i18n.catalogue(locale))
               for locale in i18n.SUPPORTED}
    assert missing == {locale: [] for locale in i18n.SUPPORTED}


def test_repair_states_shown_to_residents_are_all_worded():
    from bot.actions.cases import REPAIR_SHOWN

    assert sorted(s for s in REPAIR_SHOWN if f"bot.status.repair.{s}" not in i18n.catalogue("zh_CN")) == []


@pytest.mark.parametrize("key", sorted(bot_keys()))
def test_both_languages_have_the_same_placeholders(key):
    zh, en = i18n.catalogue("zh_CN").get(key), i18n.catalogue("en").get(key)
    assert en, f"{key} has no English text"
    assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en))


def test_buttons_of_the_form_flow_are_worded():
    for buttons in (formflow.CONFIRM_BUTTONS, formflow.OFFER_BUTTONS, formflow.YES_NO_BUTTONS,
                    formflow.TIME_BUTTONS):
        for title, _ in buttons:
            assert title in i18n.catalogue("en") and title in i18n.catalogue("zh_CN")
