from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Card payment through Stripe Checkout: attempts, webhooks, fulfilment."""

    name = "shop.payments"
    label = "payments"
    verbose_name = _("Card payments")
