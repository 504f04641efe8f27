"""Shared base models (incl. versioned clinic data) and the append-only audit log."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ImmutableModel(models.Model):
    """Rows that are written once and never changed."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise RuntimeError(f"{type(self).__name__} rows are immutable once saved.")
        super().save(*args, **kwargs)


class VersionedClinicData(models.Model):
    """One published version of a clinic's data, written once and never changed.

    The base of the screening rule sets, protocols, consent texts and aftercare
    templates. Screenings, plans, consents and aftercare schedules point at the exact
    version they were made from, so a stored version is never updated or deleted; a
    change is the next version. ``common.versions`` answers which version is current
    and serialises publishing. ``data`` is read by each package's pure module.
    """

    clinic = models.ForeignKey(
        "clinic.Clinic", on_delete=models.PROTECT, related_name="%(class)s_versions"
    )
    version = models.PositiveIntegerField()
    data = models.JSONField()
    note = models.CharField("what changed", max_length=500, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["clinic", "-version"]
        constraints = [
            # One version per clinic and number: two publishers never share a number.
            models.UniqueConstraint(fields=["clinic", "version"], name="%(class)s_clinic_version"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError(
                f"{type(self).__name__} versions are immutable once saved; publish the next one."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(f"{type(self).__name__} versions are immutable; they are never deleted.")


class AuditEvent(models.Model):
    """Who read or changed which health data, when and from where.

    Rows are only ever inserted: ``save`` refuses updates, ``delete`` is refused, and on
    PostgreSQL a trigger rejects UPDATE and DELETE from any client (see migration 0002).
    Clinic and client are stored as plain ids so the trail outlives the records it
    describes.
    """

    class Action(models.TextChoices):
        READ = "read", "Read"
        #: One object shown in a list (one row per object of the list).
        LIST = "list", "Listed"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        #: A CSV or PDF left the system.
        EXPORT = "export", "Export"
        #: Written before ``outcome`` existed; new refusals keep the action they
        #: attempted and carry ``outcome = denied`` (decision 0010).
        DENIED = "denied", "Refused (older events)"

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_email = models.CharField(max_length=254, blank=True)
    clinic_id = models.BigIntegerField(null=True, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.ALLOWED)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=8, blank=True)  # "api", "web", "task", "link"
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    path = models.CharField(max_length=512, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # "Everything that happened to this client's record", newest first.
            models.Index(fields=["client_id", "-at"], name="audit_client_at"),
            # The clinic's audit screen, newest first.
            models.Index(fields=["clinic_id", "-at"], name="audit_clinic_at"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_type}"
            f" {self.outcome}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Audit events are append-only.")


class Heartbeat(models.Model):
    """The last time a periodic process proved it runs (``beat``; see common/health.py)."""

    name = models.CharField(max_length=32, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
