"""Aftercare templates share ``common.models.VersionedClinicData``.

State only: the clinic's reverse accessor is now ``clinic.aftercaretemplate_versions``.
The table, its columns and constraint names are unchanged, and a changed
``related_name`` emits no SQL (``manage.py sqlmigrate`` prints none).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0003_messaging_moved_to_clinic"),
        ("clinic", "0005_messaging_package"),
    ]

    operations = [
        migrations.AlterField(
            model_name="aftercaretemplate",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="%(class)s_versions",
                to="clinic.clinic",
            ),
        ),
    ]
