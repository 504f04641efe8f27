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


def _membership_queries(queries) -> int:
    return sum('FROM "clinic_membership"' in q["sql"] for q in queries.captured_queries)


def test_an_api_call_in_a_signed_in_browser_looks_memberships_up_once(client, reception):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reception.user)
    client.get("/api/clients/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/clients/").status_code == 200
    assert _membership_queries(queries) == 1


def test_a_token_for_someone_else_acts_for_the_tokens_clinic_not_the_sessions(
    client, reception, other_manager, other_client_record
):
    from knox.models import AuthToken

    client.force_login(reception.user)  # the browser's session: another clinic
    _, token = AuthToken.objects.create(user=other_manager.user)
    response = client.get("/api/clients/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [other_client_record.pk]
