"""The client list's page: rows and the number of matches in one query; the trigram
indexes on PostgreSQL serve the quick search's leading-wildcard match."""

from __future__ import annotations

import pytest
from django.db import connection

from clinic import selectors
from clinic.models import Client
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hugheses(clinic):
    ClientFactory.create_batch(3, clinic=clinic, last_name="Smith")
    return ClientFactory.create_batch(30, clinic=clinic, last_name="Hughes")


def test_a_page_and_the_number_of_matches_come_in_one_query(
    clinic, hugheses, django_assert_num_queries
):
    with django_assert_num_queries(1):
        page = selectors.client_page(clinic=clinic, search="hughes", page=1)
        rows = list(page)
    assert len(rows) == 25
    assert page.paginator.count == 30
    assert page.paginator.num_pages == 2
    assert page.has_next() and not page.has_previous()
    assert all(c.last_name == "Hughes" for c in rows)


def test_the_last_page_holds_the_rest_in_order(clinic, hugheses, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = selectors.client_page(clinic=clinic, search="hughes", page="2")
    everyone = list(selectors.client_list(clinic=clinic, search="hughes"))
    assert list(page) == everyone[25:]
    assert page.start_index() == 26 and page.end_index() == 30


def test_a_page_past_the_end_shows_the_last_page(clinic, hugheses):
    page = selectors.client_page(clinic=clinic, search="hughes", page=9)
    assert page.number == 2
    assert len(page) == 5


@pytest.mark.parametrize("number", ["x", "", "-3", "0", None])
def test_a_page_number_that_is_not_one_shows_the_first(clinic, hugheses, number):
    page = selectors.client_page(clinic=clinic, search="hughes", page=number)
    assert page.number == 1
    assert len(page) == 25


def test_no_match_is_an_empty_first_page(clinic, hugheses, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = selectors.client_page(clinic=clinic, search="nobody")
    assert page.number == 1
    assert list(page) == []
    assert page.paginator.count == 0


def test_another_clinics_clients_are_not_counted(clinic, other_clinic, hugheses):
    ClientFactory.create_batch(4, clinic=other_clinic, last_name="Hughes")
    assert selectors.client_page(clinic=other_clinic, search="hughes").paginator.count == 4


@pytest.mark.postgres
@pytest.mark.parametrize("column", ["first_name", "last_name", "email", "phone"])
def test_each_column_the_quick_search_matches_has_a_trigram_index(clinic, hugheses, column):
    # The index expression must be exactly the SQL of Django's icontains, or the planner
    # cannot use it. (On a table this small it would rather scan; forbid that.)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Client.objects.filter(**{f"{column}__icontains": "ugh"}).explain()
    assert f"client_{column}_trgm" in plan, plan
