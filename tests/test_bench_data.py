"""The benchmarks' data generators write rows the current schema accepts.

They write SQL by hand (``INSERT … SELECT generate_series``) for speed, so a new
required column (an appointment's ``source``, say) breaks them without any model code
noticing; CI's quick bench run comes only after the tests. This generates a few rows of
each kind on PostgreSQL and reads them back through the models.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from bench import db
from clinic.booking.models import Appointment
from clinic.models import Client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_generated_clients_and_appointments_are_rows_the_models_read():
    bench = db._clinic("gen", staff=2)
    db._clients(bench.clinic.pk, 12, name="Ada Thistlewood")
    db._history(bench, 10, before=timezone.now())
    db._day_of_appointments(bench, db._tomorrow(), 4)

    assert Client.objects.filter(clinic=bench.clinic).count() == 15  # and the named three
    rows = list(Appointment.objects.filter(clinic=bench.clinic))
    assert len(rows) == 14
    assert {row.source for row in rows} == {"staff"}
    assert all(row.start < row.end for row in rows)
