from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination

if TYPE_CHECKING:
    # Not at run time: DRF's generics import this module (DEFAULT_PAGINATION_CLASS).
    from rest_framework.generics import GenericAPIView

T = TypeVar("T")


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200), as the API contract says."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


def page_of(view: GenericAPIView[Any], items: QuerySet[Any, T] | Sequence[T]) -> list[T]:
    """The requested page of ``items``.

    DRF answers None when a view has no paginator; every list view has ``Pagination``
    (the default in settings), whose page size is never zero, so a page always exists.
    """
    page = view.paginate_queryset(items)
    if page is None:
        raise ImproperlyConfigured(f"{type(view).__name__} has no paginator.")
    return page


def page_total(view: GenericAPIView[Any]) -> int:
    """How many items the list has in all, once ``page_of`` has paginated it."""
    paginator = view.paginator
    page = getattr(paginator, "page", None)
    return int(page.paginator.count) if page is not None else 0
