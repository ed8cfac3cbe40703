"""The checkout's steps: address, shipping, check, payment, ticked in that order."""

import pytest

from shop.checkout.steps import PAYMENT_STEP, checkout_steps


def states(steps) -> list[str]:
    return [step.state for step in steps]


@pytest.mark.parametrize(
    ("oscar_step", "expected"),
    [
        (0, ["todo", "todo", "todo", "todo"]),  # who are you (guest email)
        (1, ["current", "todo", "todo", "todo"]),  # shipping address
        (2, ["done", "current", "todo", "todo"]),  # shipping method
        (3, ["done", "done", "current", "todo"]),  # Oscar's payment details: redirects to the preview here
        (4, ["done", "done", "current", "todo"]),  # preview
        (5, ["done", "done", "done", "done"]),  # thank you
        (None, ["todo", "todo", "todo", "todo"]),
    ],
)
def test_oscar_step_numbers_map_to_the_real_order(oscar_step, expected):
    """Oscar ticks "payment" before "preview"; here payment comes after the preview, on Stripe's page."""
    assert states(checkout_steps(oscar_step=oscar_step)) == expected


def test_payment_is_the_last_step_and_the_preview_comes_before_it():
    steps = checkout_steps(oscar_step=4)
    assert [step.number for step in steps] == [1, 2, 3, 4]
    assert [step.label for step in steps] == ["Address", "Shipping", "Check your order", "Payment"]


def test_only_steps_already_done_link_back_and_only_before_payment():
    preview = checkout_steps(oscar_step=4)
    assert [step.url for step in preview] == ["/en/checkout/shipping-address/", "/en/checkout/shipping-method/",
                                              None, None]
    paying = checkout_steps(step=PAYMENT_STEP)
    assert states(paying) == ["done", "done", "done", "current"]
    assert all(step.url is None for step in paying)
    assert all(step.url is None for step in checkout_steps(oscar_step=5))


def test_the_steps_speak_ukrainian():
    from django.utils import translation

    with translation.override("uk"):
        labels = [step.label for step in checkout_steps(oscar_step=1)]
    assert labels == ["Адреса", "Доставка", "Перевірте замовлення", "Оплата"]


@pytest.mark.django_db
def test_the_page_waiting_for_stripe_is_a_checkout_page_on_its_last_step(rf):
    """payments/processing.html: the site's layout and the steps, payment current, none linking back."""
    import re
    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/en/checkout/stripe/return/")
    request.user = AnonymousUser()
    html = render_to_string("payments/processing.html", {"attempt": SimpleNamespace(order_number="100042")},
                            request=request)
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert re.findall(r'class="checkout-steps__step is-(\w+)"', html) == ["done", "done", "done", "current"]
    assert "/checkout/shipping-address/" not in html
    assert "Order 100042" in html
