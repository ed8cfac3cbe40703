"""Payments for the shop: Stripe Checkout, reached only through ``stripe_gateway``."""
