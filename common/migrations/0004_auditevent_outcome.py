"""Audit events carry an outcome (decision 0010).

Events written before this with the action ``denied`` are marked ``outcome = denied``;
their action stays as it was written. This is the one change to existing audit rows, so
the append-only trigger (migration 0002) is lifted for it inside this migration's
transaction and put back before it commits.
"""

from django.db import migrations, models

MARK_DENIED = "UPDATE common_auditevent SET outcome = 'denied' WHERE action = 'denied'"


def mark_denied(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE common_auditevent DISABLE TRIGGER common_auditevent_no_update_delete"
        )
        schema_editor.execute(MARK_DENIED)
        schema_editor.execute(
            "ALTER TABLE common_auditevent ENABLE TRIGGER common_auditevent_no_update_delete"
        )
    else:
        schema_editor.execute(MARK_DENIED)


class Migration(migrations.Migration):
    dependencies = [("common", "0003_heartbeat")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="outcome",
            field=models.CharField(
                choices=[("allowed", "Allowed"), ("denied", "Denied")],
                default="allowed",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("read", "Read"),
                    ("list", "Listed"),
                    ("create", "Create"),
                    ("update", "Update"),
                    ("delete", "Delete"),
                    ("export", "Export"),
                    ("denied", "Refused (older events)"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(mark_denied, migrations.RunPython.noop),
    ]
