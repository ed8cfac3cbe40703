"""An offline stand-in for Stripe Checkout, for development and tests only. NOT STRIPE.

No installable server implements Checkout Sessions or Stripe's hosted payment
page (see ``../shared/notes/stripe-offline.md``), so ``make run`` without keys
could not sell anything. This package fills exactly that gap and nothing more:

* ``POST/GET /v1/checkout/sessions[/{id}]`` are served here, in memory, shaped
  like ``tests/shop/payments/stripe_responses.py``;
* ``/checkout/pay/{id}`` is a plainly labelled test page whose "Pay" button
  confirms a *real* PaymentIntent in localstripe and then delivers a signed
  ``checkout.session.completed`` webhook to the shop;
* every other ``/v1/...`` request goes to localstripe (a separate process),
  with the few adaptations listed in ``server.py``.

It refuses to start with a live key or with ``DEBUG`` off, and listens on
127.0.0.1 only (``config.py``). Start it with ``python -m shop.payments.standin``
(``make run`` does, when ``STRIPE_SECRET_KEY`` is unset).

Nothing here is imported by the shop: the shop reaches it over HTTP through
``STRIPE_API_BASE``, exactly as it would reach Stripe.
"""
