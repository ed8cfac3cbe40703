"""Open the campaign's chart of accounts (a frozen copy of donations/chart.py as of this migration)."""

from django.db import migrations

CHART = [
    ("stripe-balance", "Stripe balance", "asset"),
    ("bank", "Bank account", "asset"),
    ("aid-fund", "Aid fund (net proceeds owed to aid)", "liability"),
    ("merch-sales", "Merchandise sales (gross proceeds)", "income"),
    ("donations", "Donations", "income"),
    ("cost-of-merch", "Cost of merchandise", "expense"),
    ("fulfilment-and-shipping", "Fulfilment and shipping", "expense"),
    ("stripe-fees", "Stripe fees", "expense"),
    ("fx-gains-losses", "Exchange gains and losses", "income"),
    ("aid-spent:evacuation", "Aid spent: Evacuation", "expense"),
    ("aid-spent:medicine", "Aid spent: Medicine", "expense"),
    ("aid-spent:food", "Aid spent: Food", "expense"),
    ("aid-spent:hygiene", "Aid spent: Hygiene", "expense"),
    ("aid-spent:shelter", "Aid spent: Shelter", "expense"),
    ("aid-spent:transport", "Aid spent: Transport", "expense"),
    ("aid-spent:other", "Aid spent: Other aid", "expense"),
]


def open_chart(apps, schema_editor):
    Account = apps.get_model("donations", "Account")
    for code, name, type_ in CHART:
        Account.objects.get_or_create(code=code, defaults={"name": name, "type": type_})


def close_unused_chart(apps, schema_editor):
    # Accounts that carry postings are protected (on_delete=PROTECT): unapplying
    # this migration on real books fails loudly instead of losing anything.
    Account = apps.get_model("donations", "Account")
    Account.objects.filter(code__in=[code for code, _name, _type in CHART]).delete()


class Migration(migrations.Migration):
    dependencies = [("donations", "0002_postgresql_guarantees")]

    operations = [migrations.RunPython(open_chart, close_unused_chart)]
