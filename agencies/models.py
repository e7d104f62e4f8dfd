"""Agencies (cơ quan, đơn vị) and the people who work for them."""
import datetime
import re

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .fields import NFCCharField, NFCTextField, fold, vi_sort_key
from .parsing import search_words


class AgencyKind(models.TextChoices):
    DEPARTMENT = "department", _("Provincial department or unit")
    DISTRICT = "district", _("District-level People's Committee")
    COMMUNE = "commune", _("Commune-level People's Committee")
    MASS_ORGANISATION = "mass_organisation", _("Mass organisation")
    BUSINESS_ASSOCIATION = "business_association", _("Business association")
    PROVINCIAL_COMMITTEE = "provincial_committee", _("Provincial People's Committee")


# Kinds the Provincial People's Committee can give orders to. The plan only *requests* (đề nghị, IV.3–IV.4)
# the mass organisations and business associations; their reporting is voluntary.
ORDERED_KINDS = (AgencyKind.DEPARTMENT, AgencyKind.DISTRICT, AgencyKind.COMMUNE)
REQUESTED_KINDS = (AgencyKind.MASS_ORGANISATION, AgencyKind.BUSINESS_ASSOCIATION)

_EMAIL_SPLIT = re.compile(r"[\s,;]+")


def split_emails(value: str) -> list[str]:
    return [part for part in _EMAIL_SPLIT.split(value or "") if part]


def existed_on_q(day, prefix: str = "") -> models.Q:
    """The one rule of an agency's span of existence (issue 15), as a filter: it existed on `day` (a date or an
    expression such as a report's due date). It came into being on `exists_from` (empty: before the app's first
    year) and existed up to and including `exists_until` (empty: still exists, unless retired without a date —
    `active` off)."""
    begun = Q(**{f"{prefix}exists_from__isnull": True}) | Q(**{f"{prefix}exists_from__lte": day})
    not_ended = (Q(**{f"{prefix}exists_until__isnull": True, f"{prefix}active": True})
                 | Q(**{f"{prefix}exists_until__gte": day}))
    return begun & not_ended


class AgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def existing_on(self, day: datetime.date):
        """Agencies in existence on `day` (existed_on_q)."""
        return self.filter(existed_on_q(day))

    def search(self, text: str):
        """Accent- and case-insensitive: every word must appear ("ngoai vu" finds "Sở Ngoại vụ"); the first words only
        (agencies.parsing.search_words)."""
        queryset = self
        for word in search_words(text).words:
            queryset = queryset.filter(search_text__contains=word)
        return queryset


class Agency(models.Model):
    """An agency of the province (cơ quan, đơn vị): a department, a district-level People's Committee, an organisation.

    Renaming keeps identity (the code and the row stay; history records the old name). Merging marks the agency
    inactive and points it at its successor; its assignments move there (see tasks.services.agency_merge).
    An agency exists for a span of time, `exists_from` … `exists_until` (sắp xếp, issue 15): a period expects the
    reports of the bodies in existence then, and a body's past reports stay with it. Its line of succession
    (`lineage`) is what the across-years dashboard follows to show a successor with its predecessors' earlier years.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True, allow_unicode=False)
    name = NFCCharField(_("name (Vietnamese)"), max_length=255)
    name_en = NFCCharField(_("name (English)"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    active = models.BooleanField(_("active"), default=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_agencies",
    )
    exists_from = models.DateField(_("exists from"), null=True, blank=True,
                                   help_text=_("The day it came into being; empty when it existed from the start."))
    exists_until = models.DateField(_("exists until"), null=True, blank=True,
                                    help_text=_("Its last day, when it was merged or abolished; empty while it "
                                                "exists."))
    contact_emails = NFCTextField(
        _("contact e-mails"), blank=True, help_text=_("Addresses that receive reminders, one per line.")
    )
    head_email = models.EmailField(
        _("head of agency e-mail"), blank=True, help_text=_("Copied on reminders once a report is a week overdue.")
    )
    # Derived from the names and code, so that "ngoai vu" finds "Sở Ngoại vụ" on any database.
    search_text = models.CharField(max_length=600, editable=False, default="", db_index=True)
    # Derived from the name: lists sort in Vietnamese dictionary order (Đ after D, not after Y) on any database.
    sort_key = models.CharField(max_length=800, editable=False, default="")

    history = HistoricalRecords(excluded_fields=["search_text", "sort_key"])
    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["kind", "sort_key"]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        super().save(*args, **kwargs)

    def set_derived_fields(self) -> None:
        """The search and sort columns, from the names and code (save() calls it; bulk_create callers must)."""
        self.search_text = fold(f"{self.code} {self.name} {self.name_en}")
        self.sort_key = vi_sort_key(self.name)

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def is_requested_kind(self) -> bool:
        """Organisations the plan requests (đề nghị) rather than orders; their reports are voluntary."""
        return self.kind in REQUESTED_KINDS

    @property
    def merged_on(self) -> datetime.date | None:
        """The day its successor took over: the day after its last."""
        if self.merged_into_id is None or self.exists_until is None:
            return None
        return self.exists_until + datetime.timedelta(days=1)

    def exists_on(self, day: datetime.date) -> bool:
        """In Python, the rule of existed_on_q."""
        begun = self.exists_from is None or self.exists_from <= day
        not_ended = (self.active and self.exists_until is None) or (
            self.exists_until is not None and self.exists_until >= day)
        return begun and not_ended

    def email_list(self) -> list[str]:
        return split_emails(self.contact_emails)

    def successor(self) -> "Agency":
        """The agency that carries this one's work today: itself, or the end of its merge chain."""
        agency, seen = self, {self.pk}
        while (successor := agency.merged_into) is not None and successor.pk not in seen:
            seen.add(successor.pk)
            agency = successor
        return agency

    def lineage(self) -> list["Agency"]:
        """The line of succession that ends in this body (dòng kế thừa, issue 15): itself first, then every body merged
        into it, directly or through others (A merged into B, B into C: C's line is C, B, A), nearest first and in
        Vietnamese order within a level. The one rule of whose earlier years a body carries.

        `merged_into` decides: the bodies of a merge point at the body they merged into; a split's "*" successor (the
        one that takes the rest, the people) is the one its predecessor points at, so it carries the predecessor's
        line, while the other successors of a split start a line of their own. An abolished body passes its line to
        nobody. One query per level; a cycle in bad data ends the walk instead of looping.
        """
        line, seen, level = [self], {self.pk}, [self.pk]
        while level and self.pk is not None:
            found = list(Agency.objects.filter(merged_into_id__in=level).exclude(pk__in=seen)
                         .order_by("sort_key", "pk"))
            line.extend(found)
            seen.update(agency.pk for agency in found)
            level = [agency.pk for agency in found]
        return line

    def clean(self):
        errors = {}
        bad = []
        for address in self.email_list():
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            errors["contact_emails"] = _("Not a valid e-mail address: %(addresses)s") % {"addresses": ", ".join(bad)}
        if self.merged_into_id and self.merged_into_id == self.pk:
            errors["merged_into"] = _("An agency cannot be merged into itself.")
        if self.exists_from and self.exists_until and self.exists_until < self.exists_from:
            errors["exists_until"] = _("An agency cannot end before it begins.")
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    """Roles are Django groups (created by a data migration); admins are superusers."""

    AGENCY_STAFF = "agency_staff", _("Agency staff")
    DFA_OFFICER = "dfa_officer", _("DFA officer")
    LEADERSHIP = "leadership", _("Leadership viewer")


def new_calendar_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class User(AbstractUser):
    """A person who signs in. Belongs to at most one agency; what they may do comes from their groups."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    language = models.CharField(
        _("language"), max_length=8, default="vi", choices=[("vi", "Tiếng Việt"), ("en", "English")],
        help_text=_("Language of the e-mails this person receives."),
    )
    # The secret in the address of this person's calendar feed; rotating it cuts off every old subscription.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login", "calendar_token"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def _role_names(self) -> set[str]:
        if not hasattr(self, "_role_cache"):
            self._role_cache = set(self.groups.values_list("name", flat=True))
        return self._role_cache

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self._role_names()

    @property
    def is_dfa_officer(self) -> bool:
        return self.is_superuser or self.has_role(Role.DFA_OFFICER)

    @property
    def is_leadership(self) -> bool:
        return self.has_role(Role.LEADERSHIP)

    @property
    def can_read_everything(self) -> bool:
        """DFA officers, leadership viewers and admins read every agency's data (issue #3, who may do what)."""
        return self.is_superuser or self.is_dfa_officer or self.is_leadership

    @property
    def label(self) -> str:
        """How the navbar names the person: "name · agency", or the agency once when the account is named after it
        (a shared agency account, "Sở Công Thương · Sở Công Thương")."""
        name = self.get_full_name() or self.username
        if self.agency is None:
            return name
        agency_names = {fold(self.agency.name), fold(self.agency.name_en), fold(str(self.agency))}
        return str(self.agency) if fold(name) in agency_names else f"{name} · {self.agency}"

    @property
    def is_agency_staff(self) -> bool:
        return self.agency_id is not None and self.has_role(Role.AGENCY_STAFF)


class AccountMailKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")


class AccountMail(models.Model):
    """An e-mail owed to one person about their account: an invitation to set a first password, or a password reset.

    A row first, sent after the transaction commits by the one claim-and-send path (reporting.delivery.outbox
    rule 1–4; reporting.delivery.accounts sends these rows). The link in it is made when it is sent, never stored:
    it would be a password. Whether the person still should get it (active, e-mail, no password yet for an
    invitation) is decided again at that moment.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=AccountMailKind.choices)
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="account_mails")
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Who holds the claim; only its holder may mark the row sent (reporting.delivery.outbox).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("account e-mail")
        verbose_name_plural = _("account e-mails")
        ordering = ["created_at", "id"]
        indexes = [
            # the outbox job: what is still to send
            models.Index(fields=["sent_at", "created_at"], name="account_mail_pending"),
        ]

    def __str__(self):
        return f"{self.kind} · {self.user_id}"
