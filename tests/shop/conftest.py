"""Fixtures the shop tests share across folders."""

from tests.shop.payments.conftest import stripe_http  # noqa: F401 -- the journey tests pay too
