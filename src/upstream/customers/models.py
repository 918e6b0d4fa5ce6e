"""Customer organisations, their contacts, the products the vendor supports, plans and contracts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from upstream.core.models import TimeStampedModel
from upstream.customers import schedule


class Priority(models.IntegerChoices):
    """Ticket priority; lower sorts first. Lives here because plans cap what a customer may choose."""

    P1 = 1, _("P1 – critical")
    P2 = 2, _("P2 – high")
    P3 = 3, _("P3 – normal")
    P4 = 4, _("P4 – low")


class Organisation(TimeStampedModel):
    """A customer company."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    default_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("default team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("new tickets of this organisation go to this team's queue"),
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_organisations",
        help_text=_("the vendor's person responsible for this customer's success and renewals"),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class OrganisationDomain(models.Model):
    """An email domain that identifies an organisation's people (e.g. example.cn)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args: object, **kwargs: object) -> None:
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Contact(TimeStampedModel):
    """A person at a customer. May belong to several organisations, so each ticket records which one it is for."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), unique=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
        help_text=_("the login of this contact, if they use the portal"),
    )
    organisations: models.ManyToManyField[Organisation, Membership] = models.ManyToManyField(
        Organisation, through="Membership", related_name="contacts"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        # Inbound email finds the sender case-insensitively (`email__iexact`): this index serves that lookup.
        indexes = [models.Index(Upper("email"), name="contact_email_upper")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Membership(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(
        _("organisation admin"), default=False, help_text=_("sees all of the organisation's tickets")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "organisation"], name="unique_membership")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.contact.name} @ {self.organisation.name}"


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(_("version"), max_length=50)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    supported_until = models.DateField(_("supported until"), null=True, blank=True)

    class Meta:
        ordering = ["product", "-released_on", "-name"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="unique_product_version")]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}"


class PlanKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription support")
    MANAGED_HOSTING = "managed_hosting", _("Managed hosting")
    CONSULTING = "consulting", _("Consulting")
    CUSTOM_DEVELOPMENT = "custom_development", _("Custom development")


class PlanTier(models.TextChoices):
    BASIC = "basic", _("Basic")
    STANDARD = "standard", _("Standard")
    PREMIUM = "premium", _("Premium")
    ENTERPRISE = "enterprise", _("Enterprise")


class Channel(models.TextChoices):
    """How a request reached the vendor. Plans list the channels they include."""

    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    EUR = "EUR", _("Euro (EUR)")
    USD = "USD", _("US dollar (USD)")
    GBP = "GBP", _("Pound sterling (GBP)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    SGD = "SGD", _("Singapore dollar (SGD)")
    CHF = "CHF", _("Swiss franc (CHF)")


class SupportPlan(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=PlanKind.choices)
    tier = models.CharField(_("tier"), max_length=16, choices=PlanTier.choices)
    channels = models.JSONField(_("channels included"), default=list, blank=True)
    highest_priority = models.PositiveSmallIntegerField(
        _("highest priority a customer may choose"), choices=Priority.choices, default=Priority.P2
    )
    description = models.TextField(_("description"), blank=True)
    # Service credit terms (issue 4 item 8): a breach of an SLA target earns the customer a percentage of the monthly
    # fee, capped per month. The defaults (no fee, 0 %) mean a plan without terms owes no credit.
    monthly_fee = models.DecimalField(
        _("monthly fee"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    credit_percent_per_breach = models.DecimalField(
        _("credit per breach (percent of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    credit_cap_percent = models.DecimalField(
        _("credit cap per month (percent of the monthly fee)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # After the term ends an active contract keeps entitling its organisation this many days (status "grace")
    # while the renewal is negotiated; then it expires (see schedule.py).
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=30,
        validators=[MaxValueValidator(366)],
        help_text=_("days after the term's end during which support continues while the renewal is negotiated"),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="plan_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(credit_percent_per_breach__gte=0, credit_percent_per_breach__lte=100),
                name="plan_credit_percent_0_100",
            ),
            models.CheckConstraint(
                condition=Q(credit_cap_percent__gte=0, credit_cap_percent__lte=100), name="plan_credit_cap_0_100"
            ),
        ]
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")

    def __str__(self) -> str:
        return self.name


class ContractStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("Grace period")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


# A contract in one of these states entitles its organisation to support.
ENTITLING_STATUSES = (ContractStatus.TRIAL, ContractStatus.ACTIVE, ContractStatus.GRACE)


class ExitReason(models.TextChoices):
    """Why a customer left: the churn report groups ended contracts by this."""

    PRICE = "price", _("Price")
    MISSING_FEATURES = "missing_features", _("Missing features")
    SUPPORT_QUALITY = "support_quality", _("Support quality")
    COMPETITOR = "competitor", _("Moved to a competitor")
    PROJECT_ENDED = "project_ended", _("Project ended")
    OTHER = "other", _("Other")


class Entitlement(models.TextChoices):
    """Whether a request was entitled to support when it arrived, and if not, why (stored on each ticket)."""

    UNKNOWN = "", _("Not assessed")
    ENTITLED = "entitled", _("Entitled")
    NO_CONTRACT = "no_contract", _("No contract")
    PRODUCT_NOT_COVERED = "product_not_covered", _("Product not covered")
    CONTRACT_EXPIRED = "contract_expired", _("Contract expired")


class Contract(TimeStampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts")
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    products = models.ManyToManyField(Product, verbose_name=_("covered products"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    consulting_hours = models.DecimalField(
        _("prepaid consulting hours"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    # The term this one renews (lifecycle.renew); a term is renewed at most once.
    renewed_from = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    # Recorded by lifecycle.end_contract: why, by whom, when it was recorded and the day the contract ends.
    exit_reason = models.CharField(_("exit reason"), max_length=32, choices=ExitReason.choices, blank=True)
    exit_comment = models.TextField(_("exit comment"), blank=True)
    ended_at = models.DateTimeField(_("end recorded at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_on = models.DateField(_("ends for good on"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(consulting_hours__gte=0), name="contract_hours_not_negative"),
            models.UniqueConstraint(fields=["renewed_from"], name="contract_renewed_once"),
            # An exit reason is recorded together with who ended the contract and when, never one without the other.
            models.CheckConstraint(
                condition=Q(exit_reason="", ended_at__isnull=True, ended_on__isnull=True)
                | (~Q(exit_reason="") & Q(ended_at__isnull=False, ended_on__isnull=False)),
                name="contract_exit_recorded_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="contract_org_status"),
            models.Index(fields=["ended_on"], condition=~Q(exit_reason=""), name="contract_churn"),
        ]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.reference} ({self.organisation.name}, {self.plan.name})"

    @property
    def exit_recorded(self) -> bool:
        return bool(self.exit_reason)

    def is_entitling_on(self, day: date) -> bool:
        """Read through the status schedule, so a term in its grace period entitles (needs `plan` loaded)."""
        return schedule.entitles_on(
            self.status,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            grace_days=self.plan.grace_days,
            day=day,
            exit_recorded=self.exit_recorded,
        )


class ContractEventKind(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Status changed")
    RENEWED = "renewed", _("Renewed")
    ENDED = "ended", _("Ended")


class ContractEvent(models.Model):
    """A contract's history: each status change (by the schedule or a person), renewal and end, with who and why."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=ContractEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    before = models.CharField(_("before"), max_length=64, blank=True)
    after = models.CharField(_("after"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contract", "-created_at"], name="contract_event_recent")]
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.kind} {self.before}→{self.after}"


class EntitlementSettings(models.Model):
    """One row (id 1): where requests without an entitling contract go."""

    unentitled_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("presales / community team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "new tickets without an entitling contract go to this team's queue; empty: to the organisation's team"
        ),
    )

    class Meta:
        verbose_name = _("entitlement settings")
        verbose_name_plural = _("entitlement settings")

    def __str__(self) -> str:
        return "entitlement settings"

    @classmethod
    def current(cls) -> EntitlementSettings:
        found, _created = cls.objects.get_or_create(id=1)
        return found
