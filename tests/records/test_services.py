"""Recording a session while it is in progress, and signing it.

DOMAIN.md §2 (what a record holds, depth limits, vitamin C), §4, §5; decision 0005.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from clinic.booking.models import AppointmentStatus
from common.errors import ApplicationError, Conflict, PermissionDenied
from common.models import AuditEvent
from tests.factories import DeviceFactory, MembershipFactory
from tests.records.conftest import NOW, RECORDED, complete
from treatments.records import photos as session_photos
from treatments.records import services as session_services
from treatments.records.models import SessionStatus

pytestmark = pytest.mark.django_db


# --- editing ------------------------------------------------------------------------


def test_update_sets_the_record_and_snapshots_the_device_serial(ready, started):
    other = DeviceFactory(clinic=ready.clinic, serial_number="DP-42")
    session = session_services.session_update(
        session=started,
        actor=ready.user,
        data={
            **complete(started),
            "device": other.pk,
            "adverse_events": ["redness", "pinpoint_bleeding"],
            "glogau": 2,
            "gais": 3,
        },
    )
    session.refresh_from_db()
    assert session.device == other and session.device_serial == "DP-42"
    assert session.cartridge_lot == "LOT-2026-11"
    assert session.adverse_events == ["redness", "pinpoint_bleeding"]
    assert (session.glogau, session.gais, session.pain_score) == (2, 3, 3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain_score", 11),
        ("needle_count", 0),
        ("glogau", 5),
        ("goodman_baron", 0),
        ("gais", 6),
        ("adverse_events", ["redness", "sparkles"]),
        ("endpoint_reached", "glowing"),
        ("ended_at", NOW - timedelta(minutes=1)),
    ],
)
def test_update_refuses_out_of_range_values(ready, started, field, value):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started, actor=ready.user, data={field: value, "cartridge_lot": "NEW"}
        )
    assert refused.value.status_code == 400
    assert field in refused.value.fields
    started.refresh_from_db()
    assert started.cartridge_lot == ""  # nothing of the request was saved


FOREHEAD = {"area": "forehead", "skin": "thin", "passes": 3}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"pain_score": float("inf")}, "pain_score"),
        ({"pain_score": float("nan")}, "pain_score"),
        ({"pain_score": 10**30}, "pain_score"),
        ({"pain_score": True}, "pain_score"),
        ({"needle_count": 2.5}, "needle_count"),
        ({"needle_count": "twelve"}, "needle_count"),
        ({"notes": "x" * 10001}, "notes"),
        ({"notes": 42}, "notes"),
        ({"cartridge_lot": "L" * 61}, "cartridge_lot"),
        ({"adverse_events": [1, 2]}, "adverse_events"),
        ({"adverse_events": "redness"}, "adverse_events"),
        ({"ended_at": "0001-01-01T00:00:00+00:00"}, "ended_at"),
        ({"ended_at": "2026-11-20T11:00:00"}, "ended_at"),  # no UTC offset
        ({"ended_at": NOW.replace(tzinfo=None) + timedelta(hours=1)}, "ended_at"),
        ({"device": 2**70}, "device"),
        ({"device": -1}, "device"),
        ({"status": "signed"}, "status"),  # not a field an edit sets
        ({"areas": [{**FOREHEAD, "depth_mm": float("nan")}]}, "areas.0.depth_mm"),
        ({"areas": [{**FOREHEAD, "depth_mm": "Infinity"}]}, "areas.0.depth_mm"),
        ({"areas": [{**FOREHEAD, "depth_mm": "1e999999"}]}, "areas.0.depth_mm"),
        ({"areas": [{**FOREHEAD, "depth_mm": "0"}]}, "areas.0.depth_mm"),
        ({"areas": [{**FOREHEAD, "depth_mm": "0.125"}]}, "areas.0.depth_mm"),
        ({"areas": [{**FOREHEAD, "depth_mm": True}]}, "areas.0.depth_mm"),
        ({"areas": [{**FOREHEAD, "depth_mm": "0.5", "passes": 10**40}]}, "areas.0.passes"),
        ({"areas": [{**FOREHEAD, "depth_mm": "0.5", "passes": 21}]}, "areas.0.passes"),
        ({"areas": [{**FOREHEAD, "depth_mm": "0.5", "skin": "medium"}]}, "areas.0.skin"),
        (
            {"areas": [{**FOREHEAD, "depth_mm": "0.9", "justification": "x" * 4001}]},
            "areas.0.justification",
        ),
        ({"products": [{"product": "P" * 121, "timing": "after"}]}, "products.0.product"),
        (
            {"products": [{"product": "Serum", "lot": "L" * 61, "timing": "after"}]},
            "products.0.lot",
        ),
        ({"products": [{"product": "Serum", "timing": None}]}, "products.0.timing"),
        (
            {"products": [{"product": "Serum", "timing": "after", "is_vitamin_c": "yes"}]},
            "products.0.is_vitamin_c",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_never_a_crash(ready, started, data, field):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(session=started, actor=ready.user, data=data)
    assert refused.value.status_code == 400
    assert refused.value.code == "invalid"
    assert field in refused.value.fields
    assert refused.value.detail == "Some fields are not valid; nothing was saved."
    assert started.areas.count() == 3 and not started.products.exists()


def test_values_are_stored_as_the_model_cleaned_them(ready, started):
    session_services.session_update(
        session=started,
        actor=ready.user,
        data={
            "pain_score": "4",
            "cartridge_lot": "  LOT-7  ",
            "adverse_events": ["redness", "redness", "itching"],
            "areas": [{"area": "cheeks_chin", "depth_mm": 0.75, "passes": "2"}],
        },
    )
    started.refresh_from_db()
    assert (started.pain_score, started.cartridge_lot) == (4, "LOT-7")
    assert started.adverse_events == ["redness", "itching"]
    (area,) = started.areas.all()
    assert (area.skin, area.depth_mm, area.passes, area.limit_mm) == (
        "thin",
        Decimal("0.75"),
        2,
        Decimal("1.0"),
    )


def test_a_device_of_another_clinic_is_refused(ready, started, other_clinic):
    theirs = DeviceFactory(clinic=other_clinic)
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started, actor=ready.user, data={"device": theirs.pk}
        )
    assert "device" in refused.value.fields


def test_depth_above_the_limit_without_justification_is_refused_and_nothing_saved(ready, started):
    before = list(started.areas.values_list("area", "depth_mm"))
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "cartridge_lot": "LOT-X",
                "areas": [
                    {"area": "cheeks_chin", "skin": "thin", "depth_mm": "0.75", "passes": 3},
                    {"area": "forehead", "skin": "thin", "depth_mm": "0.75", "passes": 3},
                ],
            },
        )
    assert refused.value.status_code == 400
    assert list(refused.value.fields) == ["areas.1.justification"]
    message = refused.value.fields["areas.1.justification"][0]
    assert "0.5 mm maximum for forehead" in message
    started.refresh_from_db()
    assert started.cartridge_lot == ""
    assert list(started.areas.values_list("area", "depth_mm")) == before


def test_depth_above_the_limit_with_justification_is_saved(ready, started):
    session_services.session_update(
        session=started,
        actor=ready.user,
        data={
            "areas": [
                {
                    "area": "forehead",
                    "skin": "thin",
                    "depth_mm": "0.75",
                    "passes": 2,
                    "justification": "Deep static lines; tolerated 0.75 mm last course.",
                }
            ]
        },
    )
    (area,) = started.areas.all()
    assert (area.area, area.depth_mm, area.limit_mm) == (
        "forehead",
        Decimal("0.75"),
        Decimal("0.5"),
    )
    assert area.justification.startswith("Deep static lines")


def test_areas_outside_the_protocol_or_twice_are_refused(ready, started):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "areas": [
                    {"area": "elbow", "depth_mm": "0.5", "passes": 3},
                    {"area": "nose", "depth_mm": "0.25", "passes": 3},
                    {"area": "nose", "depth_mm": "0.25", "passes": 3},
                ]
            },
        )
    assert set(refused.value.fields) == {"areas.0.area", "areas.2.area"}


def test_vitamin_c_during_needling_is_refused(ready, started):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "products": [
                    {"product": "Hyaluronic serum", "lot": "H1", "timing": "during"},
                    {"product": "Vitamin C serum 15%", "lot": "C7", "timing": "during"},
                ]
            },
        )
    assert refused.value.status_code == 400
    assert refused.value.code == "vitamin_c_during_needling"
    assert "never applied to needled skin" in refused.value.detail
    assert "products.1.timing" in refused.value.fields
    assert not started.products.exists()


def test_declared_vitamin_c_during_needling_is_refused(ready, started):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "products": [
                    {"product": "Brightening drops", "timing": "during", "is_vitamin_c": True}
                ]
            },
        )
    assert refused.value.code == "vitamin_c_during_needling"


def test_vitamin_c_after_needling_is_recorded(ready, started):
    session_services.session_update(
        session=started,
        actor=ready.user,
        data={
            "products": [
                {"product": "Hyaluronic serum", "lot": "H1", "timing": "during"},
                {"product": "L-ascorbic acid serum", "lot": "C7", "timing": "after"},
            ]
        },
    )
    rows = list(started.products.values_list("product", "timing", "is_vitamin_c"))
    assert rows == [
        ("Hyaluronic serum", "during", False),
        ("L-ascorbic acid serum", "after", True),
    ]


# --- signing --------------------------------------------------------------------------


def test_the_performing_practitioner_signs(ready, started, aftercare_calls, clock):
    session_services.session_update(session=started, actor=ready.user, data=complete(started))
    clock.move_to(NOW + timedelta(hours=1))
    session = session_services.session_sign(session=started, actor=ready.user)
    session.refresh_from_db()
    assert session.status == SessionStatus.SIGNED
    assert session.signed_by == ready.user
    assert session.signed_at == NOW + timedelta(hours=1)
    ready.appointment.refresh_from_db()
    assert ready.appointment.status == AppointmentStatus.COMPLETED
    assert aftercare_calls == [(session.pk, SessionStatus.SIGNED)]
    assert AuditEvent.objects.filter(
        object_type="treatment_session", object_id=str(session.pk), detail__event="sign"
    ).exists()


def test_another_practitioner_cannot_sign(ready, started, aftercare_calls, manager):
    session_services.session_update(session=started, actor=ready.user, data=complete(started))
    colleague = MembershipFactory(clinic=ready.clinic, role="practitioner")
    for actor in (colleague.user, manager.user):
        with pytest.raises(PermissionDenied):
            session_services.session_sign(session=started, actor=actor)
    started.refresh_from_db()
    assert started.status == SessionStatus.IN_PROGRESS
    assert aftercare_calls == []


def test_an_incomplete_record_cannot_be_signed(ready, started, aftercare_calls):
    session_services.session_update(
        session=started, actor=ready.user, data={"cartridge_lot": "LOT-1", "areas": []}
    )
    with pytest.raises(ApplicationError) as refused:
        session_services.session_sign(session=started, actor=ready.user)
    assert refused.value.status_code == 400
    assert refused.value.code == "session_incomplete"
    assert set(refused.value.fields) == {
        "needle_count",
        "areas",
        "endpoint_reached",
        "pain_score",
        "ended_at",
    }
    started.refresh_from_db()
    assert started.status == SessionStatus.IN_PROGRESS


# --- the end of a session is not in the future ------------------------------------------


def test_an_end_time_later_than_now_is_refused(ready, started):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={"ended_at": RECORDED + timedelta(minutes=30)},
        )
    assert refused.value.status_code == 400
    assert refused.value.fields == {
        "ended_at": [
            "The end of the session cannot be later than now; record it when the session ends."
        ]
    }
    started.refresh_from_db()
    assert started.ended_at is None


def test_an_end_time_a_few_minutes_ahead_is_a_clock_difference_and_accepted(ready, started):
    ahead = RECORDED + timedelta(minutes=5)
    session = session_services.session_update(
        session=started, actor=ready.user, data={"ended_at": ahead}
    )
    assert session.ended_at == ahead
    with pytest.raises(ApplicationError):
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={"ended_at": ahead + timedelta(seconds=1)},
        )


def test_a_record_ending_later_than_now_cannot_be_signed(ready, started, aftercare_calls):
    session_services.session_update(session=started, actor=ready.user, data=complete(started))
    # A record saved before this rule existed (or by a clock set wrong) ends in an hour.
    type(started).objects.filter(pk=started.pk).update(ended_at=RECORDED + timedelta(hours=1))
    with pytest.raises(ApplicationError) as refused:
        session_services.session_sign(session=started, actor=ready.user)
    assert refused.value.status_code == 400
    assert refused.value.code == "session_end_in_future"
    assert list(refused.value.fields) == ["ended_at"]
    started.refresh_from_db()
    assert started.status == SessionStatus.IN_PROGRESS
    assert aftercare_calls == []


def test_an_amendment_cannot_move_the_end_into_the_future(ready, signed):
    from treatments.records.amendments import session_amend

    with pytest.raises(ApplicationError) as refused:
        session_amend(
            session=signed,
            actor=ready.user,
            reason="Typed the wrong hour.",
            changes={"ended_at": RECORDED + timedelta(hours=2)},
        )
    assert "changes.ended_at" in refused.value.fields


def test_a_signed_record_is_read_only(ready, signed, aftercare_calls):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import tiny_png

    with pytest.raises(Conflict) as refused:
        session_services.session_update(session=signed, actor=ready.user, data={"notes": "x"})
    assert refused.value.code == "session_signed"
    with pytest.raises(Conflict) as again:
        session_services.session_sign(session=signed, actor=ready.user)
    assert again.value.code == "session_signed"
    with pytest.raises(Conflict):
        session_photos.session_photo_add(
            session=signed,
            actor=ready.user,
            kind="after",
            upload=SimpleUploadedFile("a.png", tiny_png(), content_type="image/png"),
        )
    assert len(aftercare_calls) == 1
