"""Accounts and access (decision 0008).

DRF's old API tokens (``authtoken_token``) never expired and were stored in clear; the
app is no longer installed and they no longer authenticate, so their keys are deleted
(and with them the rows whose foreign key would block deleting a user).
"""

from django.db import migrations


def forget_legacy_api_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {schema_editor.quote_name('authtoken_token')}")


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0005_messaging_package"),
    ]

    operations = [
        migrations.RunPython(forget_legacy_api_tokens, migrations.RunPython.noop, elidable=True),
    ]
