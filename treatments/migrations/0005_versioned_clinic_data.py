"""Rule sets, protocols and consent texts share ``common.models.VersionedClinicData``.

State only: the clinic's reverse accessors are now named after the class
(``clinic.ruleset_versions``, ...). Tables, columns and constraint names are unchanged,
and a changed ``related_name`` emits no SQL (``manage.py sqlmigrate`` prints none).
"""

import django.db.models.deletion
from django.db import migrations, models


def _clinic() -> models.ForeignKey:
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT,
        related_name="%(class)s_versions",
        to="clinic.clinic",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0005_messaging_package"),
        ("treatments", "0004_records_field_validators"),
    ]

    operations = [
        migrations.AlterField(model_name="consenttext", name="clinic", field=_clinic()),
        migrations.AlterField(model_name="protocolset", name="clinic", field=_clinic()),
        migrations.AlterField(model_name="ruleset", name="clinic", field=_clinic()),
    ]
