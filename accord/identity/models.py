"""Users, their roles, teams and territories, API tokens and recovery codes for two-factor sign-in."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

from accord.core.ids import uuid7
from accord.core.models import BaseModel


class Visibility(models.TextChoices):
    OWN = "own", _("Own records")
    TEAM = "team", _("Own and their teams' records")
    TERRITORY = "territory", _("Own and their territories' records")
    ALL = "all", _("All records")


class Reach(models.TextChoices):
    """How far a write permission reaches among the records a role can see."""

    NONE = "none", _("None")
    OWN = "own", _("Own records")
    VISIBLE = "visible", _("Every record they can see")


class Role(models.Model):
    """What a kind of user may see and do. The access policy reads it on every request.

    Roles are rows, not code: an admin widening "sales rep" from own to team records changes one
    row and the next request sees it; nothing per record is recomputed.
    """

    ADMIN = "admin"
    MANAGER = "manager"
    SALES_REP = "sales_rep"
    SUPPORT_AGENT = "support_agent"
    MARKETER = "marketer"
    READ_ONLY = "read_only"
    # People outside the company who use the portal: they see their own company's records there
    # and never reach a staff screen (identity.middleware.PortalBoundaryMiddleware).
    PORTAL_CUSTOMER = "portal_customer"
    PARTNER = "partner"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    visibility = models.CharField(_("sees"), max_length=10, choices=Visibility.choices, default=Visibility.OWN)
    can_create = models.BooleanField(_("may create records"), default=True)
    edit_reach = models.CharField(_("may edit"), max_length=10, choices=Reach.choices, default=Reach.OWN)
    delete_reach = models.CharField(_("may delete"), max_length=10, choices=Reach.choices, default=Reach.NONE)
    can_export = models.BooleanField(_("may export"), default=False)
    can_reassign = models.BooleanField(_("may give records to other users"), default=False)
    # Deals' and quotes' money (amounts, prices, totals, forecasts) and billing's: a role without it
    # still sees the records, with their amounts left out everywhere (screens, exports, API).
    sees_amounts = models.BooleanField(_("sees amounts"), default=False)
    is_admin = models.BooleanField(_("administers Accord"), default=False)
    requires_two_factor = models.BooleanField(_("requires two-factor sign-in"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        from accord.identity.roles import TRANSLATED_NAMES

        return str(TRANSLATED_NAMES.get(self.name, self.name))


class Team(BaseModel):
    """A group of users who share records; its managers see everything the team owns."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    managers: models.ManyToManyField[User, Any] = models.ManyToManyField(
        "User", related_name="managed_teams", blank=True, verbose_name=_("managers")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Territory(BaseModel):
    """A sales region (a country, a voivodeship, a list of postcodes) and the reps who cover it."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return self.name


def _role_name(name: Any) -> str:
    from accord.identity.roles import TRANSLATED_NAMES

    return str(TRANSLATED_NAMES.get(name, name))


def _language_name(code: Any) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


def _on_off(on: Any) -> str:
    return str(_("On") if on else _("Off"))


class User(AbstractUser):  # type: ignore[django-manager-missing]  # RecoveryCodeDevice extends untyped django-otp
    """Someone who logs in to Accord."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users", verbose_name=_("role"))
    teams = models.ManyToManyField(Team, related_name="members", blank=True, verbose_name=_("teams"))
    territories = models.ManyToManyField(Territory, related_name="reps", blank=True, verbose_name=_("territories"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    timezone = models.CharField(_("time zone"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    REQUIRED_FIELDS = ["email"]
    # The audit trail records that a password changed (password_changed_at), never the hash; the
    # role is recorded by name (services pass it as an extra), not by key.
    audit_exclude = frozenset({"id", "password", "last_login", "date_joined", "role"})
    # The history on the user's page (core.history): what an administrator acts on. Whether the
    # user is staff or superuser follows from the role; the authenticator's date and the count of
    # recovery codes left are the user's own business.
    history_hidden: ClassVar[frozenset[str]] = frozenset(
        {"is_staff", "is_superuser", "authenticator", "recovery_codes_left"}
    )
    history_labels: ClassVar[dict[str, Any]] = {"role": _("Role"), "two_factor": _("Two-factor sign-in")}
    history_readers: ClassVar[dict[str, Callable[[Any], str]]] = {
        "role": _role_name,
        "two_factor": _on_off,
        "language": _language_name,
    }

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p] or [self.username]
        return "".join(p[0] for p in parts[:2]).upper()

    # The access policy asks these once per request; cached on the instance, which Django builds
    # afresh for every request.
    @cached_property
    def _teams(self) -> tuple[frozenset, frozenset]:
        """(teams they belong to, teams they manage), read in one query."""
        members = User.teams.through.objects.filter(user_id=self.pk).values_list("team_id", models.Value(False))
        managers = Team.managers.through.objects.filter(user_id=self.pk).values_list("team_id", models.Value(True))
        rows = list(members.union(managers, all=True))
        return frozenset(t for t, managed in rows if not managed), frozenset(t for t, managed in rows if managed)

    def prime_access(self, teams: frozenset, managed: frozenset, territories: frozenset) -> None:
        """Set what ``_teams`` and ``territory_ids`` would read, when a query that loaded the user
        (the API's token lookup) read them in the same round trip."""
        self.__dict__["_teams"] = (teams, managed)
        self.__dict__["territory_ids"] = territories

    @property
    def team_ids(self) -> frozenset:
        return self._teams[0]

    @property
    def visible_team_ids(self) -> frozenset:
        return self._teams[0] | self._teams[1]

    @cached_property
    def territory_ids(self) -> frozenset:
        return frozenset(self.territories.values_list("id", flat=True))

    @property
    def is_accord_admin(self) -> bool:
        return self.is_active and (self.is_superuser or self.role.is_admin)

    @property
    def primary_team_id(self):
        """The team a new record of this user's lands in: the first team they belong to."""
        return min(self.team_ids, default=None)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(BaseModel):
    """A bearer token for the REST API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = frozenset({"id", "created_at", "updated_at", "version", "key_hash", "last_used_at"})

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def hash_recovery_code(code: str) -> str:
    """Codes are compared without their dashes, spaces and case, as people type them."""
    return hashlib.sha256("".join(code.split()).replace("-", "").lower().encode()).hexdigest()


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A user's set of single-use recovery codes: the second factor when the phone is lost.

    django-otp's static device keeps its codes in clear text; here only their SHA-256 is stored
    (the codes are random, so a plain hash is enough) and they are shown once, when made.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_code_devices")

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: Any) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        used = self.codes.filter(code_hash=hash_recovery_code(str(token)), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    """One recovery code's hash; ``used_at`` is set when it is spent."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["device", "code_hash"], name="recovery_code_idx")]

    def __str__(self) -> str:
        return f"{self.code_hash[:8]}…"


class PortalKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")


class PortalAccess(BaseModel):
    """What makes a user a portal user: whose contact they are and which company's records they see.

    A portal user is an ordinary user (one password hashing, one session, one login throttle) whose
    role is a portal role; this row is the only thing the portal reads to decide what is theirs.
    Without an active row a user sees nothing of the portal.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="portal_access", verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=10, choices=PortalKind.choices, default=PortalKind.CUSTOMER)
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+", verbose_name=_("contact"))
    company = models.ForeignKey(
        "people.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    active = models.BooleanField(_("active"), default=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("invited by")
    )

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal accesses")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"


class PortalSignInLink(models.Model):
    """A one-time sign-in link e-mailed to a portal user. Only its SHA-256 is stored; ``used_at`` is
    set when it is spent, so a link works once and only until ``expires_at``."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="portal_sign_in_links")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
