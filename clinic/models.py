"""Clinics, their staff (users with a role per clinic) and their clients."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from knox.models import AuthToken

from common.models import TimeStampedModel
from common.timezones import validate_country, validate_timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff of one or more clinics. Signs in by e-mail."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "admin site access", default=False, help_text="May sign in to the admin site."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        # A new password (reset, set-password link, admin, changepassword) ends every API
        # token the account holds; Django's session hash already ends its other sessions.
        # ``_password`` is set by set_password() only, not by a hasher upgrade at login.
        password_changed = getattr(self, "_password", None) is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            AuthToken.objects.filter(user=self).delete()

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        """The name to greet the person by: the first name, a title such as "Dr" skipped."""
        words = [word for word in self.full_name.split() if word.strip(".").lower() not in TITLES]
        return words[0] if words else (self.full_name.strip() or self.email)


#: Words before a name that are not a name ("Dr Lena Fischer" is greeted as Lena).
TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame"})


def clinic_logo_path(instance: Clinic, filename: str) -> str:
    # Under MEDIA_ROOT, which no URL serves; /clinic/logo/ streams it to the clinic's staff.
    extension = ".png" if instance.logo_content_type == "image/png" else ".jpg"
    return f"clinic/{instance.pk}/logo-{timezone.now():%Y%m%d%H%M%S}{extension}"


#: The longest notice a clinic may ask before an online change (two weeks).
PORTAL_NOTICE_MAX_HOURS = 336


class Clinic(TimeStampedModel):
    name = models.CharField(max_length=150)
    timezone = models.CharField(
        "time zone", max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[validate_country],
        help_text="ISO 3166 code, e.g. IE or GB.",
    )
    email = models.EmailField("contact e-mail", help_text="Shown to clients in e-mails and PDFs.")
    phone = models.CharField("contact phone", max_length=32, blank=True)
    address = models.TextField(blank=True)
    sender_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="The name client e-mails come from; the clinic's name if empty.",
    )
    reply_to_email = models.EmailField(
        "reply-to e-mail",
        blank=True,
        help_text="Where clients' replies go; the contact e-mail if empty.",
    )
    logo = models.FileField(upload_to=clinic_logo_path, max_length=300, blank=True)
    logo_content_type = models.CharField(max_length=32, blank=True)
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "sign out after minutes idle",
        default=15,
        validators=[MinValueValidator(2), MaxValueValidator(480)],
        help_text="Staff are signed out after this many minutes without activity "
        "(shared computers).",
    )
    # --- online booking (decision 0021) ------------------------------------------------
    slug = models.SlugField(
        "booking page address",
        max_length=60,
        blank=True,
        help_text="The clinic's public booking page is /book/<this>/.",
    )
    portal_enabled = models.BooleanField(
        "online booking",
        default=False,
        help_text="Clients may book a consultation on the clinic's public page.",
    )
    portal_notice_hours = models.PositiveSmallIntegerField(
        "notice for changes (hours)",
        default=24,
        validators=[MaxValueValidator(PORTAL_NOTICE_MAX_HOURS)],
        help_text="Clients may move or cancel online until this many hours before the "
        "appointment; closer to it, the page asks them to call.",
    )
    portal_hold_minutes = models.PositiveSmallIntegerField(
        "hold an unconfirmed request (minutes)",
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
        help_text="A requested time is held this long for the client to confirm by e-mail.",
    )
    portal_offer_hold_minutes = models.PositiveSmallIntegerField(
        "hold a waitlist offer (minutes)",
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
        help_text="A freed time offered to a waiting client is held this long for them to "
        "confirm; then it is offered to the next client on the waitlist.",
    )
    portal_consultation_minutes = models.PositiveSmallIntegerField(
        "online consultation length (minutes)",
        default=30,
        validators=[MinValueValidator(15), MaxValueValidator(120)],
    )
    portal_treatments = models.BooleanField(
        "returning clients book treatments",
        default=False,
        help_text="Clients with a course book its next session from the link in the "
        "clinic's invitation e-mail.",
    )
    portal_treatment_minutes = models.PositiveSmallIntegerField(
        "online treatment length (minutes)",
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(240)],
    )
    portal_show_practitioners = models.BooleanField(
        "show practitioners' names",
        default=False,
        help_text="The public page names who each time is with.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idle_timeout_minutes__gte=2, idle_timeout_minutes__lte=480),
                name="clinic_idle_timeout_range",
            ),
            # Staff choose their clinic by name (switcher, invitation e-mails).
            models.UniqueConstraint(
                Lower("name"),
                name="clinic_name_ci_unique",
                violation_error_message="Another clinic already has this name.",
            ),
            # The public booking page's address names one clinic.
            models.UniqueConstraint(
                fields=["slug"],
                condition=~models.Q(slug=""),
                name="clinic_slug_unique",
                violation_error_message="Another clinic already uses this address.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_sender_name(self) -> str:
        """The display name client e-mails are sent under."""
        return self.sender_name.strip() or self.name

    @property
    def effective_reply_to(self) -> str:
        """The address clients' replies go to."""
        return self.reply_to_email or self.email

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_today(self) -> date:
        """Today's date on the clinic's wall clock."""
        return timezone.localdate(timezone=self.zone)


class Role(models.TextChoices):
    RECEPTION = "reception", "Reception"
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager"


class Membership(TimeStampedModel):
    """A user's role at one clinic. A user may work at several clinics."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="membership_user_clinic"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER


class Invitation(TimeStampedModel):
    """An offer of a role at a clinic, sent to an e-mail address (decision 0008).

    No membership exists until the person accepts through the signed link the e-mail
    carries. The row decides whether a link still works: accepted, revoked or past
    ``expires_at`` means no; "resend" draws a new ``nonce``, so older links stop working.
    """

    VALID_FOR = timedelta(days=7)

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail address", max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices)
    full_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="As the manager typed it, for the greeting; the person chooses their name.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    nonce = models.CharField(max_length=64, help_text="Part of the signed link.")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per clinic and address; also serves the staff page's
            # "open invitations of this clinic".
            models.UniqueConstraint(
                fields=["clinic", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.clinic})"

    def status_at(self, when: datetime) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if when >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def is_open(self) -> bool:
        """Neither accepted nor revoked (it may have expired: resend renews it)."""
        return self.accepted_at is None and self.revoked_at is None


class SkinConcern(models.TextChoices):
    """The indications microneedling treats (DOMAIN.md §2); protocols use the same codes."""

    FINE_LINES = "fine_lines_wrinkles", "Fine lines and wrinkles"
    ACNE_SCARS = "acne_scars", "Acne scars"
    STRETCH_MARKS = "stretch_marks", "Stretch marks (body)"
    PIGMENTATION = "hyperpigmentation_melasma", "Hyperpigmentation / melasma"
    PORES_TEXTURE = "enlarged_pores_texture", "Enlarged pores / texture"
    HAIR_LOSS = "hair_loss", "Hair loss (scalp)"


class Fitzpatrick(models.IntegerChoices):
    I = 1, "I: always burns, never tans"  # noqa: E741
    II = 2, "II: usually burns, tans minimally"
    III = 3, "III: sometimes burns, tans uniformly"
    IV = 4, "IV: burns minimally, always tans well"
    V = 5, "V: very rarely burns, tans very easily"
    VI = 6, "VI: never burns"


def validate_skin_concerns(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Give a list of skin concern codes.", code="invalid")
    unknown = sorted(set(value) - set(SkinConcern.values))
    if unknown:
        raise ValidationError(
            "Unknown skin concern(s): %(unknown)s.",
            code="invalid_choice",
            params={"unknown": ", ".join(unknown)},
        )


def validate_date_of_birth(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("The date of birth cannot be in the future.", code="future")
    if value.year < 1900:
        raise ValidationError("Check the year of birth.", code="too_old")


class Client(TimeStampedModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="clients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField(max_length=32, blank=True)
    fitzpatrick_type = models.PositiveSmallIntegerField(
        "Fitzpatrick skin type",
        choices=Fitzpatrick.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    skin_concerns = models.JSONField(default=list, blank=True, validators=[validate_skin_concerns])
    timezone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="Leave empty to use the clinic's time zone.",
    )
    email_consent = models.BooleanField(
        "consents to e-mail", default=False, help_text="Aftercare and booking e-mails."
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # Client list: a clinic's clients in name order.
            models.Index(fields=["clinic", "last_name", "first_name"], name="client_clinic_name"),
            # Look-up by e-mail at reception.
            models.Index(fields=["clinic", "email"], name="client_clinic_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fitzpatrick_type__isnull=True)
                | models.Q(fitzpatrick_type__gte=1, fitzpatrick_type__lte=6),
                name="client_fitzpatrick_range",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.clinic.timezone

    @property
    def fitzpatrick_roman(self) -> str:
        return Fitzpatrick(self.fitzpatrick_type).name if self.fitzpatrick_type else ""

    def age_on(self, on: date) -> int:
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def get_skin_concerns_display(self) -> list[str]:
        labels = dict(SkinConcern.choices)
        return [labels.get(code, code) for code in self.skin_concerns]
