"""The manager's first-run setup checklist (decision 0019)."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from clinic.booking.setup import setup_checklist
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin


class SetupView(ClinicStaffMixin, View):
    required_ability = Ability.MANAGE_CLINIC

    def get(self, request):
        items = setup_checklist(clinic=self.clinic)
        done = sum(1 for item in items if item.done)
        return render(
            request,
            "booking/setup.html",
            {"items": items, "done": done, "total": len(items)},
        )
