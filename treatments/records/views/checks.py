"""The record form's live checks: partials the page swaps in (htmx) while a row is typed.

Each answer is rendered from the code the services enforce: an area row's depth limit
and why a depth is over it (``records.depth.depth_verdict``, the verdict that refuses an
unjustified depth), and a product row's vitamin C refusal
(``plans.protocols.vitamin_c_refusal``, the sentence ``session_update`` refuses with).
The same templates render the rows when the page is first shown, so without JavaScript
the page shows the limits and the service's refusals after a save.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.views import View

from common.typing import AuthenticatedHttpRequest
from treatments.plans import protocols
from treatments.records.depth import DepthVerdict, depth_verdict
from treatments.records.forms import AreaForm, ProductForm
from treatments.records.views.base import SessionPageMixin

_AREA_ROW = re.compile(r"areas-\d{1,3}")
_PRODUCT_ROW = re.compile(r"products-\d{1,3}")


def _decimal(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class AreaCheck:
    """What an area row shows under its inputs."""

    #: The row's form prefix (``areas-0``): the ids of its live parts.
    row: str
    #: None until an area of the protocol is chosen.
    verdict: DepthVerdict | None


def area_check(form: AreaForm, *, engine: protocols.Protocols, indication: str) -> AreaCheck:
    """The depth verdict for what the row holds (typed or initial), read like the service."""
    area = form["area"].value()
    skin = form["skin"].value() or protocols.SKIN_THIN
    if area not in engine.areas or skin not in dict(protocols.SKIN_CHOICES):
        return AreaCheck(form.prefix or "", None)
    depth = _decimal(form["depth_mm"].value()) if form["depth_mm"].value() else None
    verdict = depth_verdict(engine, indication=indication, area=area, skin=skin, depth_mm=depth)
    return AreaCheck(form.prefix or "", verdict)


def product_refusal(form: ProductForm) -> str | None:
    """The vitamin C refusal the service would answer for what the row holds."""
    product = (form["product"].value() or "").strip()
    declared = bool(form["is_vitamin_c"].value())
    timing = form["timing"].value() or ""
    return protocols.vitamin_c_refusal(product=product, timing=timing, declared=declared)


class AreaCheckView(SessionPageMixin, View):
    """``?row=areas-N`` plus the row's inputs → the row's limit line (and its hint)."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        self.require_recorder()
        row = request.GET.get("row", "")
        if not _AREA_ROW.fullmatch(row):
            return HttpResponseBadRequest("Name the row: ?row=areas-N")
        plan = session.plan
        check = area_check(
            AreaForm(request.GET, prefix=row),
            engine=plan.protocol_set.engine(),
            indication=plan.indication,
        )
        return HttpResponse(
            render_to_string(
                "records/_area_check.html", {"check": check, "oob": True}, request=request
            ).strip()
        )


class ProductCheckView(SessionPageMixin, View):
    """``?row=products-N`` plus the row's inputs → the row's vitamin C warning (or nothing)."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        self.get_session(pk)
        self.require_recorder()
        row = request.GET.get("row", "")
        if not _PRODUCT_ROW.fullmatch(row):
            return HttpResponseBadRequest("Name the row: ?row=products-N")
        refusal = product_refusal(ProductForm(request.GET, prefix=row))
        return HttpResponse(
            render_to_string(
                "records/_product_warning.html", {"refusal": refusal}, request=request
            ).strip()
        )
