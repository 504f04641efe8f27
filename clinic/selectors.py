"""Reads, always scoped to one clinic."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clinic.models import Client, Clinic, Membership
from common.errors import NotFound
from common.fields import parse_id


def client_list(*, clinic: Clinic, search: str = "") -> QuerySet[Client]:
    qs = Client.objects.filter(clinic=clinic).select_related("clinic")
    search = search.strip()
    if search:
        condition = Q()
        for term in search.split():
            condition &= (
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
                | Q(phone__icontains=term)
            )
        qs = qs.filter(condition)
    return qs.order_by("last_name", "first_name", "id")


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
