"""``common.related_read``: select_related's shape in SQL written from the models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection

from aftercare.models import AftercareSchedule
from aftercare.schedules import aftercare_schedule_session
from common.related_read import RelatedRead
from tests.messaging.fixtures import signed_session  # noqa: F401  (a fixture)
from treatments.plans.models import TreatmentPlan

pytestmark = pytest.mark.django_db

ENDED = datetime(2026, 3, 26, 16, 0, tzinfo=UTC)
PATHS = ("template", "client", "session", "session__plan", "session__plan__protocol_set")


@pytest.fixture
def schedule(
    signed_session,  # noqa: F811  (the fixture imported above)
    client_record,
    django_capture_on_commit_callbacks,
):
    session = signed_session(client_record, ended_at=ENDED)
    with django_capture_on_commit_callbacks(execute=False):
        return aftercare_schedule_session(session=session)


def read(related: RelatedRead, where: str, params: list) -> object:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {related.columns(connection)} FROM {related.tables(connection)} {where}",  # noqa: S608
            params,
        )
        (row,) = cursor.fetchall()
    return related.build(row, connection)


def fields_of(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_it_reads_every_field_of_the_row_and_its_relations_as_the_orm_does(
    schedule, django_assert_num_queries
):
    related = RelatedRead(AftercareSchedule, PATHS)
    expected = AftercareSchedule.objects.select_related(*PATHS).get(pk=schedule.pk)

    got = read(related, f"WHERE {related.alias()}.id = %s", [schedule.pk])

    assert isinstance(got, AftercareSchedule)
    assert not got._state.adding
    assert got._state.db == "default"
    with django_assert_num_queries(0):  # every relation came with the row
        pairs = [
            (got, expected),
            (got.template, expected.template),
            (got.client, expected.client),
            (got.session, expected.session),
            (got.session.plan, expected.session.plan),
            (got.session.plan.protocol_set, expected.session.plan.protocol_set),
        ]
        for mine, orms in pairs:
            assert type(mine) is type(orms)
            assert fields_of(mine) == fields_of(orms)
        # The JSON documents arrive parsed, the datetimes aware, as from the ORM.
        assert isinstance(got.template.data, dict)
        assert got.template.data == expected.template.data
        assert got.ended_at.tzinfo is not None
        # The reverse side of a one-to-one is linked, as select_related links it.
        assert got.session.aftercare is got


def test_a_null_relation_reads_as_none_without_a_query(schedule, django_assert_num_queries):
    plan_id = schedule.session.plan_id
    TreatmentPlan.objects.filter(pk=plan_id).update(created_by=None)
    related = RelatedRead(TreatmentPlan, ("created_by", "protocol_set"))

    got = read(related, f"WHERE {related.alias()}.id = %s", [plan_id])

    with django_assert_num_queries(0):
        assert got.created_by is None
        assert got.protocol_set.pk == schedule.session.plan.protocol_set_id


@pytest.mark.parametrize(
    "paths",
    [
        ("session__plan",),  # its parent, "session", is not named first
        ("session", "session__areas"),  # a to-many relation
        ("nonsense",),
    ],
)
def test_paths_it_cannot_read_are_refused(paths):
    with pytest.raises((ValueError, FieldDoesNotExist)):
        RelatedRead(AftercareSchedule, paths)
