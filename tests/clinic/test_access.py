"""Who a request acts as, and for which clinic."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from clinic.access import SESSION_KEY, acting_membership, acting_user
from clinic.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _request(user, **session):
    request = RequestFactory().get("/")
    request.user = user
    request.session = session
    return request


def test_acting_user_is_the_signed_in_user(reception):
    assert acting_user(_request(reception.user)) == reception.user


def test_acting_user_refuses_an_anonymous_request():
    with pytest.raises(PermissionDenied):
        acting_user(_request(AnonymousUser()))


def test_acting_membership_is_the_clinic_chosen_in_the_session(reception, other_clinic):
    elsewhere = MembershipFactory(user=reception.user, clinic=other_clinic, role=Role.MANAGER)
    assert acting_membership(_request(reception.user)) == reception.membership
    chosen = acting_membership(_request(reception.user, **{SESSION_KEY: other_clinic.pk}))
    assert chosen == elsewhere


def test_acting_membership_refuses_staff_without_an_active_membership(reception):
    reception.membership.is_active = False
    reception.membership.save()
    with pytest.raises(PermissionDenied):
        acting_membership(_request(reception.user))


def test_acting_membership_refuses_an_anonymous_request():
    with pytest.raises(PermissionDenied):
        acting_membership(_request(AnonymousUser()))
