"""Trusts, their sites, the service catalogue, staff groups, and who works where."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

# Patterns are anchored with \A and \Z, not ^ and $: on SQLite, Django's REGEXP is
# Python's re.search, where $ also matches before a trailing newline.
# NHS trust codes are three characters: a letter then two letters or digits (RM1, RCX, RY3).
ODS_TRUST_CODE_PATTERN = r"\A[A-Z][A-Z0-9]{2}\Z"
# Site codes extend their trust's code (RM101, RHM01): five upper-case letters or digits.
ODS_SITE_CODE_PATTERN = r"\A[A-Z][A-Z0-9]{2}[A-Z0-9]{2}\Z"


class StaffGroup(models.Model):
    """A group of staff who can be called out: nurses, resident doctors, physiotherapists..."""

    NURSES = "nurses"
    RESIDENT_DOCTORS = "resident_doctors"
    CONSULTANTS = "consultants"
    PHYSIOTHERAPISTS = "physiotherapists"
    MIDWIVES = "midwives"
    AMBULANCE_STAFF = "ambulance_staff"
    OTHER = "other"

    code = models.SlugField(max_length=32, primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrustKind(models.TextChoices):
    ACUTE = "acute", "Acute"
    MENTAL_HEALTH = "mental_health", "Mental health"
    COMMUNITY = "community", "Community"
    AMBULANCE = "ambulance", "Ambulance"


class Trust(models.Model):
    Kind = TrustKind

    ods_code = models.CharField(
        "ODS code",
        max_length=3,
        unique=True,
        validators=[
            RegexValidator(ODS_TRUST_CODE_PATTERN, "An ODS trust code is 3 characters, e.g. RM1.")
        ],
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.CharField(max_length=100, help_text="e.g. East of England")
    # Told to patients who need to speak to someone (status page, notices).
    contact_line = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ods_code__regex=ODS_TRUST_CODE_PATTERN), name="trust_ods_code_format"
            ),
            models.CheckConstraint(condition=Q(kind__in=TrustKind.values), name="trust_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class Site(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(
        max_length=5,
        unique=True,
        validators=[
            RegexValidator(ODS_SITE_CODE_PATTERN, "A site code is 5 characters, e.g. RM102.")
        ],
    )
    name = models.CharField(max_length=200)
    town = models.CharField(max_length=100)

    class Meta:
        ordering = ["trust__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=ODS_SITE_CODE_PATTERN), name="site_code_format"
            ),
            # Lets appointments reference (site, trust) together, so PostgreSQL can refuse
            # a booking whose site belongs to another trust (see appointments migration).
            models.UniqueConstraint(fields=["id", "trust"], name="site_id_trust_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Service(models.Model):
    """A clinical service, the unit strikes exempt and reports split by."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    treatment_function_code = models.CharField(
        "treatment function code",
        max_length=3,
        blank=True,
        validators=[
            RegexValidator(r"\A[0-9]{3}\Z", "A treatment function code is 3 digits, e.g. 110.")
        ],
    )
    staff_groups = models.ManyToManyField(
        StaffGroup,
        blank=True,
        related_name="services",
        help_text="Who delivers it. None listed means every staff group.",
    )
    emergency = models.BooleanField(
        default=False, help_text="A&E and other emergency care, kept going in every strike."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(treatment_function_code="")
                | Q(treatment_function_code__regex=r"\A[0-9]{3}\Z"),
                name="service_tfc_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    OPERATIONS = "operations", "Operations"
    ADMIN = "admin", "Trust admin"


class Membership(models.Model):
    """A staff user's role at one trust. Superusers are national and need none."""

    Role = MembershipRole

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        ordering = ["trust__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "trust"], name="membership_one_per_user_trust"),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.trust.ods_code}"
