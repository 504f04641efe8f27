"""Every "publish a new version" page: a version published meanwhile is never overwritten."""

from __future__ import annotations

import copy
from html.parser import HTMLParser

import pytest

from treatments.consent import services as consent_services
from treatments.consent.models import ConsentText
from treatments.plans import protocol_services
from treatments.plans.models import ProtocolSet
from treatments.screening import services
from treatments.screening.models import RuleSet

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The values a browser would submit for the page's publish form."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("method", "").lower() == "post" and a.get("action", "") in (
                "",
                self.action,
            )
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self.values[name] = name, ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def _publish_rules(clinic, actor):
    data = copy.deepcopy(services.rule_set_current(clinic=clinic).data)
    data["rules"][0]["explanation"] += " (reviewed)"
    services.rule_set_publish(clinic=clinic, actor=actor, data=data, note="Reviewed")


def _publish_protocols(clinic, actor):
    data = copy.deepcopy(protocol_services.protocol_set_current(clinic=clinic).data)
    data["indications"]["acne_scars"]["interval_days"] = 35
    protocol_services.protocol_set_publish(clinic=clinic, actor=actor, data=data, note="5 weeks")


def _publish_consent(clinic, actor):
    current = consent_services.consent_text_current(clinic=clinic)
    consent_services.consent_text_publish(
        clinic=clinic,
        actor=actor,
        title=current.title,
        body=current.body + "\n\nPlease bring a list of your medicines.",
        risks=current.risks,
    )


PAGES = [
    ("/screening/rules/publish/", RuleSet, _publish_rules),
    ("/protocols/publish/", ProtocolSet, _publish_protocols),
    ("/consent-texts/publish/", ConsentText, _publish_consent),
]


@pytest.mark.parametrize(("url", "model", "publish_elsewhere"), PAGES)
def test_a_version_published_meanwhile_is_not_overwritten(
    web, manager, clinic, url, model, publish_elsewhere
):
    browser = web(manager)
    page = browser.get(url)
    assert page.status_code == 200
    fields = _FormFields(url)
    fields.feed(page.content.decode())
    assert fields.values.get("base_version") == "1"
    fields.values["note"] = "My change"

    publish_elsewhere(clinic, manager.user)  # someone else publishes version 2 first
    response = browser.post(url, fields.values)
    assert response.status_code == 409
    assert "Version 2 was published while you were editing" in response.content.decode()
    assert list(model.objects.filter(clinic=clinic).values_list("version", flat=True)) == [2, 1]


@pytest.mark.parametrize(("url", "model", "publish_elsewhere"), PAGES)
def test_only_managers_may_publish(web, practitioner, reception, url, model, publish_elsewhere):
    for persona in (practitioner, reception):
        assert web(persona).get(url).status_code == 403
        assert web(persona).post(url, {"base_version": "1"}).status_code == 403
