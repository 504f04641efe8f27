"""Versioned clinic data: one version per clinic and number, written once, never changed.

Rule sets, protocols, consent texts and aftercare templates all share the base, so the
same rules hold for each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from aftercare.models import AftercareTemplate
from common.models import VersionedClinicData
from treatments.consent.models import ConsentText
from treatments.plans.models import ProtocolSet
from treatments.screening.models import RuleSet

pytestmark = pytest.mark.django_db


def _json_version(model: type[VersionedClinicData]) -> Callable[..., Any]:
    def make(clinic, version: int) -> Any:
        return model.objects.create(
            clinic=clinic, version=version, data={"v": version}, note=f"v{version}"
        )

    return make


def _consent_version(clinic, version: int) -> ConsentText:
    return ConsentText.objects.create(
        clinic=clinic,
        version=version,
        title=f"Consent v{version}",
        body="What microneedling is and what it risks.",
        risks={"expected": ["Redness"], "less_common": [], "rare": []},
    )


#: model, its table as it has always been called, how to publish a version of it.
VERSIONED = [
    pytest.param(RuleSet, "treatments_ruleset", _json_version(RuleSet), id="rule set"),
    pytest.param(ProtocolSet, "treatments_protocolset", _json_version(ProtocolSet), id="protocols"),
    pytest.param(ConsentText, "treatments_consenttext", _consent_version, id="consent text"),
    pytest.param(
        AftercareTemplate,
        "aftercare_aftercaretemplate",
        _json_version(AftercareTemplate),
        id="aftercare template",
    ),
]


@pytest.mark.parametrize(("model", "table", "make"), VERSIONED)
def test_each_kind_of_clinic_data_is_versioned_by_the_base_and_keeps_its_table(model, table, make):
    assert issubclass(model, VersionedClinicData)
    assert model._meta.db_table == table
    names = {c.name for c in model._meta.constraints}
    assert f"{model._meta.model_name}_clinic_version" in names


@pytest.mark.parametrize(("model", "table", "make"), VERSIONED)
def test_a_published_version_cannot_be_changed(model, table, make, clinic):
    published = make(clinic, 1)
    published.version = 7
    with pytest.raises(RuntimeError, match="immutable"):
        published.save()
    assert model.objects.get(pk=published.pk).version == 1


@pytest.mark.parametrize(("model", "table", "make"), VERSIONED)
def test_a_published_version_cannot_be_deleted(model, table, make, clinic):
    published = make(clinic, 1)
    with pytest.raises(RuntimeError, match="never deleted"):
        published.delete()
    assert model.objects.filter(pk=published.pk).exists()


@pytest.mark.parametrize(("model", "table", "make"), VERSIONED)
def test_one_version_per_clinic_and_number(model, table, make, clinic, other_clinic):
    make(clinic, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make(clinic, 1)
    make(clinic, 2)
    make(other_clinic, 1)  # another clinic numbers its own versions
    assert list(model.objects.filter(clinic=clinic).values_list("version", flat=True)) == [2, 1]
    assert model.objects.filter(clinic=other_clinic).count() == 1
