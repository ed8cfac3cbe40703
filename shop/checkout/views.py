"""Checkout: Oscar's steps, then payment on Stripe's own page.

"Pay" stores the order server-side and sends the customer to Stripe Checkout;
the order is placed when the payment is confirmed (shop/payments/fulfilment.py),
from the return page or Stripe's webhook, whichever comes first.
"""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from oscar.apps.checkout import views as oscar_views

from shop.payments.abandoned import remember_attempt
from shop.payments.attempts import CheckoutPlan, PaymentNotStarted, start_payment


# Not one transaction per request here: the payment attempt must be committed
# before Stripe is called, or a fast webhook (or a crash mid-call) would find
# no attempt for a session that exists at Stripe.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PaymentDetailsView(oscar_views.PaymentDetailsView):
    def get(self, request, *args, **kwargs):
        if not self.preview:
            # There are no payment details to take here: card details are
            # entered on Stripe's page, after the preview.
            return redirect("checkout:preview")
        return super().get(request, *args, **kwargs)

    def handle_place_order_submission(self, request):
        if not settings.STRIPE_SECRET_KEY:
            messages.info(request, _("Card payment is not open yet: your basket is kept."))
            return redirect("checkout:preview")
        submission = self.build_submission()
        plan = CheckoutPlan(
            basket=submission["basket"],
            user=submission["user"],
            email=self.confirmation_email(),
            shipping_address=submission["shipping_address"],
            shipping_method=submission["shipping_method"],
            shipping_charge=submission["shipping_charge"],
            order_total=submission["order_total"],
            language=get_language() or "uk",
        )
        # Built absolute first: Stripe replaces the literal {CHECKOUT_SESSION_ID}.
        success_url = request.build_absolute_uri(reverse("payments:return")) + "?session_id={CHECKOUT_SESSION_ID}"
        cancel_url = request.build_absolute_uri(reverse("payments:cancelled"))
        try:
            payment_url = start_payment(plan, success_url=success_url, cancel_url=cancel_url)
        except PaymentNotStarted:
            messages.error(request, _("The payment page could not be opened. Nothing was charged; please try again."))
            return redirect("checkout:preview")
        # Whoever comes back from Stripe in this browser, by whatever way, is recognised (shop/payments/abandoned.py).
        remember_attempt(request.session, plan.basket.payment_attempts.latest("id").order_number)
        return redirect(payment_url)

    def confirmation_email(self) -> str:
        user = self.request.user
        return user.email if user.is_authenticated else self.checkout_session.get_guest_email()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["confirmation_email"] = self.confirmation_email()
        context["card_payment_open"] = bool(settings.STRIPE_SECRET_KEY)
        return context
