# Refunds of orders paid through Stripe Checkout (shop.payments.refunds).
# Follows 0002_queued_events; written by hand from `makemigrations --dry-run`.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("order", "0021_billingaddress_code_shippingaddress_code"),
        ("payments", "0002_queued_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "origin",
                    models.CharField(
                        choices=[("dashboard", "shop dashboard"), ("stripe", "Stripe's dashboard")], max_length=16
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "being sent to Stripe"),
                            ("unanswered", "Stripe did not answer, not recorded"),
                            ("pending", "accepted by Stripe, pending"),
                            ("succeeded", "refunded"),
                            ("failed", "failed, nothing refunded"),
                        ],
                        default="requested",
                        max_length=16,
                    ),
                ),
                ("currency", models.CharField(max_length=3)),
                ("amount_minor", models.BigIntegerField()),
                ("line_quantities", models.JSONField(blank=True, default=dict)),
                ("reason", models.TextField()),
                ("stripe_reason", models.CharField(blank=True, max_length=32)),
                ("idempotency_key", models.CharField(blank=True, max_length=64, null=True, unique=True)),
                ("stripe_refund_id", models.CharField(blank=True, max_length=255, null=True, unique=True)),
                ("stripe_event_id", models.CharField(blank=True, max_length=255, null=True, unique=True)),
                ("failure_message", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("recorded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="refunds", to="order.order"
                    ),
                ),
                (
                    "payment_event",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refund",
                        to="order.paymentevent",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("amount_minor__gt", 0)), name="refund_amount_positive"),
                    models.CheckConstraint(
                        condition=models.Q(("origin", "stripe"), ("idempotency_key__isnull", False), _connector="OR"),
                        name="refund_dashboard_has_idempotency_key",
                    ),
                ],
            },
        ),
    ]
