"""Reads, always scoped to one clinic."""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Window

from clinic.models import Client, Clinic, Invitation, Membership, User
from common.errors import NotFound
from common.fields import parse_id


def client_list(*, clinic: Clinic, search: str = "") -> QuerySet[Client]:
    qs = Client.objects.filter(clinic=clinic).select_related("clinic")
    search = search.strip()
    if search:
        condition = Q()
        # "Hughes, Amelia" (as the list shows names) finds her as "Amelia Hughes" does
        for term in re.split(r"[\s,;]+", search):
            if not term:
                continue
            condition &= (
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
                | Q(phone__icontains=term)
            )
        qs = qs.filter(condition)
    return qs.order_by("last_name", "first_name", "id")


def client_duplicates(
    *,
    clinic: Clinic,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    email: str = "",
    exclude_id: int | None = None,
) -> list[tuple[Client, str]]:
    """The clinic's clients who may be the same person, each with why: ``name_and_birth``
    (same first and last name, case and spaces aside, and date of birth) or ``email``."""
    same_person = Q(pk__in=[])
    if first_name.strip() and last_name.strip() and date_of_birth is not None:
        same_person |= Q(
            first_name__iexact=first_name.strip(),
            last_name__iexact=last_name.strip(),
            date_of_birth=date_of_birth,
        )
    if email.strip():
        same_person |= Q(email__iexact=email.strip())
    found = Client.objects.filter(same_person, clinic=clinic).order_by("id")
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    out = []
    for client in found[:10]:
        same_name = (
            client.first_name.strip().lower() == first_name.strip().lower()
            and client.last_name.strip().lower() == last_name.strip().lower()
            and client.date_of_birth == date_of_birth
        )
        out.append((client, "name_and_birth" if same_name else "email"))
    return out


class _CountedPaginator(Paginator):  # type: ignore[type-arg]  # not generic at run time
    """A paginator told its count (read with the page), so it never runs COUNT(*) itself."""

    def __init__(self, object_list: QuerySet[Client], per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def client_page(
    *, clinic: Clinic, search: str = "", page: object = 1, per_page: int = 25
) -> Page[Client]:
    """One page of ``client_list`` with the number of matches, read in one query.

    The count comes with the rows (``COUNT(*) OVER ()``); only a page past the end (no
    rows to carry it) costs a second query, and then shows the last page.
    """
    clients = client_list(clinic=clinic, search=search)
    try:
        number = max(1, int(str(page)))
    except ValueError:
        number = 1

    def rows_of(n: int) -> list[Client]:
        counted = clients.annotate(matches=Window(Count("id")))
        return list(counted[(n - 1) * per_page : n * per_page])

    rows = rows_of(number)
    if rows:
        total = rows[0].matches  # type: ignore[attr-defined]
    else:
        total = clients.count() if number > 1 else 0
        if total:
            number = -(-total // per_page)
            rows = rows_of(number)
        else:
            number = 1
    return Page(rows, number, _CountedPaginator(clients, per_page, total))


def client_get(*, clinic: Clinic, client_id: object) -> Client:
    """The clinic's client, or NotFound (also for another clinic's client)."""
    client_pk = parse_id(client_id)
    if client_pk is None:
        raise NotFound("No such client.")
    client = Client.objects.filter(clinic=clinic, pk=client_pk).select_related("clinic").first()
    if client is None:
        raise NotFound("No such client.")
    return client


def staff_list(*, clinic: Clinic) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(clinic=clinic)
        .select_related("user", "clinic")
        .order_by("-is_active", "user__full_name", "id")
    )


def staff_get(*, clinic: Clinic, membership_id: object) -> Membership:
    pk = parse_id(membership_id)
    if pk is None:
        raise NotFound("No such staff member.")
    membership = staff_list(clinic=clinic).filter(pk=pk).first()
    if membership is None:
        raise NotFound("No such staff member.")
    return membership


def invitation_list_open(*, clinic: Clinic) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked (expired ones too: they can be resent)."""
    return (
        Invitation.objects.filter(clinic=clinic, accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def invitation_get(*, clinic: Clinic, invitation_id: object) -> Invitation:
    pk = parse_id(invitation_id)
    invitation = (
        Invitation.objects.filter(clinic=clinic, pk=pk).select_related("clinic").first()
        if pk is not None
        else None
    )
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


def account_exists(*, email: str) -> bool:
    """Whether an address has an account: only for the page its own invitation opens."""
    return User.objects.filter(email__iexact=email).exists()
