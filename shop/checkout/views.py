"""Checkout up to the order preview.

Card payment arrives with the Stripe Checkout work; until then the preview is
the last step and nothing can place an unpaid order.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from oscar.apps.checkout import views as oscar_views


class PaymentDetailsView(oscar_views.PaymentDetailsView):
    def get(self, request, *args, **kwargs):
        if not self.preview:
            # There are no payment details to take here: card details are
            # entered on the payment provider's page, after the preview.
            return redirect("checkout:preview")
        return super().get(request, *args, **kwargs)

    def handle_place_order_submission(self, request):
        messages.info(request, _("Card payment is not open yet: your basket is kept."))
        return redirect("checkout:preview")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["confirmation_email"] = (
            user.email if user.is_authenticated else self.checkout_session.get_guest_email()
        )
        return context
