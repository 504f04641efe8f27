"""What the client is told: one context for the e-mails, the PDF, the page and the API.

The dated list is computed here, each time, from the screening rule set in force
(``rule_set_current``), never stored: a clinic that publishes a new rule set between
booking and sending reaches the client's next message, which names the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from precare import timeline
from precare.models import PrecareSchedule
from treatments.screening.services import rule_set_current


@dataclass(frozen=True)
class Preparation:
    schedule: PrecareSchedule
    template: timeline.Template
    rule_set_version: int
    dated: list[timeline.DatedItem]
    local_start: datetime
    planned_on: date

    def sentences(self, *, on: date) -> list[str]:
        return [item.sentence(on=on) for item in self.dated]


def preparation_for(schedule: PrecareSchedule) -> Preparation:
    """The schedule's preparation with the dated list from the rule set in force now."""
    rule_set = rule_set_current(clinic=schedule.clinic)
    template = schedule.template.parsed()
    zone = schedule.zone
    local_start = schedule.start.astimezone(zone)
    planned_on = schedule.planned_at.astimezone(zone).date()
    dated = timeline.dated_items(
        rule_set.engine(),
        things=template.things,
        appointment_date=local_start.date(),
        planned_on=planned_on,
    )
    return Preparation(
        schedule=schedule,
        template=template,
        rule_set_version=rule_set.version,
        dated=dated,
        local_start=local_start,
        planned_on=planned_on,
    )


def local_today(schedule: PrecareSchedule, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(schedule.zone).date()
