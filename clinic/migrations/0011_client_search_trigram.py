"""Trigram indexes for the client quick search on PostgreSQL.

``client_list(search=…)`` matches every word anywhere in the first name, last name,
e-mail or phone (``UPPER(col::text) LIKE UPPER('%word%')``, Django's ``icontains``). A
B-tree cannot serve a leading wildcard; these GIN trigram indexes on exactly those
expressions can (a bitmap OR of the four per word), so the search costs about the
same at 100,000 clients as at 2,000 (docs/performance.md). ``fastupdate = off``: a new
client goes into the indexes at once instead of a pending list that every search would
scan until the next vacuum (clients are added one at a time; the search runs on every
page). pg_trgm is a trusted extension: the database owner may create it. SQLite keeps
scanning its small tables.
"""

from django.db import migrations

COLUMNS = ("first_name", "last_name", "email", "phone")

CREATE = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX IF NOT EXISTS client_{column}_trgm ON clinic_client "
    f"USING gin (UPPER({column}::text) gin_trgm_ops) WITH (fastupdate = off)"
    for column in COLUMNS
]
DROP = [f"DROP INDEX IF EXISTS client_{column}_trgm" for column in COLUMNS]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0010_appointment_bounded_lengths")]

    operations = [migrations.RunPython(forwards, backwards)]
