# The supporter's private impact link (shop.payments.impact). Follows 0003_refunds;
# written by hand from `makemigrations --dry-run`.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("order", "0021_billingaddress_code_shippingaddress_code"),
        ("payments", "0003_refunds"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderImpactLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "order",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="impact_link", to="order.order"
                    ),
                ),
            ],
        ),
    ]
