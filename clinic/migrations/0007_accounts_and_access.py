"""Accounts and access (decision 0008): staff invitations, the clinic's idle sign-out.

DRF's old API tokens (``authtoken_token``) never expired and were stored in clear; the
app is no longer installed and they no longer authenticate, so their keys are deleted
(and with them the rows whose foreign key would block deleting a user).
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_legacy_api_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {schema_editor.quote_name('authtoken_token')}")


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0006_room_device_unique_ignoring_case"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="idle_timeout_minutes",
            field=models.PositiveSmallIntegerField(
                default=15,
                help_text="Staff are signed out after this many minutes without activity (shared computers).",
                validators=[
                    django.core.validators.MinValueValidator(2),
                    django.core.validators.MaxValueValidator(480),
                ],
                verbose_name="sign out after minutes idle",
            ),
        ),
        migrations.AddConstraint(
            model_name="clinic",
            constraint=models.CheckConstraint(
                condition=models.Q(("idle_timeout_minutes__gte", 2), ("idle_timeout_minutes__lte", 480)),
                name="clinic_idle_timeout_range",
            ),
        ),
        migrations.CreateModel(
            name="Invitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("email", models.EmailField(max_length=254, verbose_name="e-mail address")),
                (
                    "role",
                    models.CharField(
                        choices=[("reception", "Reception"), ("practitioner", "Practitioner"), ("manager", "Manager")],
                        max_length=16,
                    ),
                ),
                (
                    "full_name",
                    models.CharField(
                        blank=True,
                        help_text="As the manager typed it, for the greeting; the person chooses their name.",
                        max_length=150,
                    ),
                ),
                ("expires_at", models.DateTimeField()),
                ("nonce", models.CharField(help_text="Part of the signed link.", max_length=64)),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "accepted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations",
                        to="clinic.clinic",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("accepted_at__isnull", True), ("revoked_at__isnull", True)),
                        fields=("clinic", "email"),
                        name="invitation_one_open_per_address",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("role__in", ["reception", "practitioner", "manager"])),
                        name="invitation_role_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("accepted_at__isnull", True), ("revoked_at__isnull", True), _connector="OR"),
                        name="invitation_accepted_or_revoked",
                    ),
                ],
            },
        ),
        migrations.RunPython(forget_legacy_api_tokens, migrations.RunPython.noop, elidable=True),
    ]
