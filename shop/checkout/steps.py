"""The checkout's steps in the order a supporter meets them.

Oscar numbers its templates' steps 1 address, 2 shipping method, 3 payment
details, 4 preview, 5 confirmation, and its navigation ticks "payment" before
"preview". Here payment happens last, on Stripe's page after the preview, so
the steps a supporter sees are address, shipping, preview, payment.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Our step for each step number Oscar's templates pass to nav.html. Oscar's
# payment-details page (3) only redirects to the preview here, so it is the
# preview; 0 is the guest-email gateway, before any step; 5 is the thank-you
# page, after all of them.
_FROM_OSCAR_STEP = {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 5}
PAYMENT_STEP = 4

_STEPS = (
    (1, _("Address"), "checkout:shipping-address"),
    (2, _("Shipping"), "checkout:shipping-method"),
    (3, _("Check your order"), "checkout:preview"),
    (4, _("Payment"), None),
)


@dataclass(frozen=True)
class CheckoutStep:
    number: int
    label: str
    state: str  # "done", "current" or "todo"
    url: str | None  # a way back to a step already done; None where there is none


def checkout_steps(*, oscar_step: int | None = None, step: int | None = None) -> list[CheckoutStep]:
    """The four steps, each done, current or still to do.

    Pass Oscar's template step number (``oscar_step``) or our own (``step``,
    e.g. ``PAYMENT_STEP`` on the page that waits for Stripe's confirmation).
    Only a step already done links back, and only before payment: while
    Stripe confirms, and after the order is placed, there is nothing to change.
    """
    current = step if step is not None else _FROM_OSCAR_STEP.get(oscar_step or 0, 0)
    steps = []
    for number, label, url_name in _STEPS:
        if number < current:
            state = "done"
        elif number == current:
            state = "current"
        else:
            state = "todo"
        url = reverse(url_name) if url_name and state == "done" and current < PAYMENT_STEP else None
        steps.append(CheckoutStep(number=number, label=str(label), state=state, url=url))
    return steps
