"""What the shop must remember between "Pay" and the money arriving.

Oscar keeps the shipping address, method and guest email only in the browser
session; a webhook has no browser session. A ``PaymentAttempt`` stores them
server-side before the customer is sent to Stripe, so whichever comes first —
the success page or Stripe's webhook — can place the one order.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from donations.money import Money


class PaymentAttempt(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("waiting for payment")
        PROCESSING = "processing", _("payment processing")
        PAID = "paid", _("paid, order placed")
        EXPIRED = "expired", _("expired or cancelled")
        FAILED = "failed", _("payment failed")

    order_number = models.CharField(max_length=128, unique=True)
    basket = models.ForeignKey("basket.Basket", on_delete=models.PROTECT, related_name="payment_attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    email = models.EmailField()
    # The fields of Oscar's ShippingAddress (country as its ISO code); empty when nothing ships.
    shipping_address = models.JSONField(default=dict, blank=True)
    shipping_method_code = models.CharField(max_length=128, blank=True)
    # The Nova Poshta branch or parcel locker the parcel goes to (shop.shipping.pickup), when the
    # method delivers to one. Oscar's ShippingAddress has no place for it: the paid order keeps it
    # here, beside the address it was confirmed with, and its pages read it through the attempt.
    pickup_point = models.CharField(max_length=8, blank=True)
    currency = models.CharField(max_length=3)
    total_minor = models.BigIntegerField()
    shipping_minor = models.BigIntegerField(default=0)
    language = models.CharField(max_length=8, default="uk")
    idempotency_key = models.CharField(max_length=64, unique=True)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    # Stripe's fee and what reaches the balance, from the charge's balance transaction.
    fee_minor = models.BigIntegerField(null=True, blank=True)
    net_minor = models.BigIntegerField(null=True, blank=True)
    fee_currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    order = models.OneToOneField(
        "order.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="payment_attempt"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(total_minor__gt=0), name="attempt_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} ({self.get_status_display()})"


class StripeEvent(models.Model):
    """Each webhook event, stored once before it is acted on: Stripe retries and repeats.

    The stored event is also the work queue when webhooks are queued
    (``STRIPE_WEBHOOK_QUEUE``): ``process_stripe_events`` applies what is not
    processed yet.
    """

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=128)
    created = models.BigIntegerField(help_text=_("When Stripe created the event (Unix time)."))
    data_object = models.JSONField(default=dict)
    previous_attributes = models.JSONField(null=True, blank=True)
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)
    tries = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["received_at"], name="stripe_event_pending", condition=models.Q(processed_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class Refund(models.Model):
    """Money given back on an order: asked for in the shop's dashboard, or made in Stripe's and learnt from it.

    A dashboard refund is stored (with its idempotency key) before Stripe is
    called, so a double click, a retry or a crash mid-call sends the same
    request again and Stripe answers with the same refund rather than making
    a second one. ``payment_event`` is set once the refund is recorded on the
    order: from then on it counts in the Source's ``amount_refunded``.
    """

    class Origin(models.TextChoices):
        DASHBOARD = "dashboard", _("shop dashboard")
        STRIPE = "stripe", _("Stripe's dashboard")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("being sent to Stripe")
        # Stripe could not be reached or its answer was lost: it may or may not have refunded.
        # Sending the same request again (same key) settles it; until then it blocks charge.refunded.
        UNANSWERED = "unanswered", _("Stripe did not answer, not recorded")
        PENDING = "pending", _("accepted by Stripe, pending")
        SUCCEEDED = "succeeded", _("refunded")
        FAILED = "failed", _("failed, nothing refunded")

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="refunds")
    origin = models.CharField(max_length=16, choices=Origin.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    # {"<order line id>": quantity}: the goods this refund is for; empty for a refund by amount.
    line_quantities = models.JSONField(default=dict, blank=True)
    # The volunteer's own words. Kept in the shop: Stripe only ever gets ``stripe_reason``.
    reason = models.TextField()
    stripe_reason = models.CharField(max_length=32, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Only dashboard refunds have one: Stripe-made refunds were never requested by the shop.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # The charge.refunded event a Stripe-made refund was learnt from.
    stripe_event_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    failure_message = models.TextField(blank=True)
    payment_event = models.OneToOneField(
        "order.PaymentEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="refund"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(origin="stripe") | models.Q(idempotency_key__isnull=False),
                name="refund_dashboard_has_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.amount} ({self.get_status_display()})"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def is_recorded(self) -> bool:
        """On the order's books: counted in the Source's ``amount_refunded`` and posted to the ledger."""
        return self.payment_event_id is not None


class OrderImpactLink(models.Model):
    """The private address at which a supporter sees what their order's proceeds funded.

    One per order, made when the order is placed (``shop.payments.impact``).
    The token is the only key: 32 random bytes, so the address cannot be
    guessed, and it says nothing about the order or the customer. Whoever
    holds the link sees only public-grade facts (``donations.views.impact``).
    """

    order = models.OneToOneField("order.Order", on_delete=models.PROTECT, related_name="impact_link")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        # Never the token: this string ends up in logs and the admin.
        return f"impact link of order {self.order_id}"


class OrderLineVariant(models.Model):
    """A line's variant as it was bought: "Size: M", "Colour: Black", in every language the shop speaks.

    Oscar's order line keeps the title and SKU but not the size or colour;
    read from the product later, they would change with every edit of the
    catalogue. Recorded when the order is placed (``fulfilment``) and shown by
    ``shop.catalogue.variants.line_options``.
    """

    line = models.OneToOneField("order.Line", on_delete=models.CASCADE, related_name="variant")
    # [{"code": "size", "name": {"en": "Size", "uk": "Розмір"}, "value": {"en": "M", "uk": "M"}}, …]
    options = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"variant of order line {self.line_id}"
