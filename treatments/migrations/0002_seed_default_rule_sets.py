"""Every existing clinic gets the shipped default rule set (DOMAIN.md §1) as version 1."""

from django.db import migrations


def seed(apps, schema_editor):
    from treatments.screening.defaults import DEFAULT_RULE_SET

    Clinic = apps.get_model("clinic", "Clinic")
    RuleSet = apps.get_model("treatments", "RuleSet")
    for clinic in Clinic.objects.all():
        if not RuleSet.objects.filter(clinic=clinic).exists():
            RuleSet.objects.create(
                clinic=clinic, version=1, data=DEFAULT_RULE_SET, note="Shipped default rule set"
            )


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_screening"), ("clinic", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
