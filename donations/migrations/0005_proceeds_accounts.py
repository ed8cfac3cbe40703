"""Open the two accounts proceeds posting needs (a frozen copy of what donations/chart.py added).

costs-payable: merch and shipping costs the proceeds still owe makers and
carriers. proceeds-to-aid: the net result of each order appropriated to the
aid fund. donations/proceeds.py explains why the first chart could not post
gross, costs and the net to aid in one balanced entry without them.
"""

from django.db import migrations

ACCOUNTS = [
    ("costs-payable", "Merch and shipping costs payable", "liability"),
    ("proceeds-to-aid", "Net proceeds appropriated to aid", "equity"),
]


def open_accounts(apps, schema_editor):
    Account = apps.get_model("donations", "Account")
    for code, name, type_ in ACCOUNTS:
        Account.objects.get_or_create(code=code, defaults={"name": name, "type": type_})


def close_unused_accounts(apps, schema_editor):
    # Accounts with postings are protected (on_delete=PROTECT): unapplying on real books fails loudly.
    Account = apps.get_model("donations", "Account")
    Account.objects.filter(code__in=[code for code, _name, _type in ACCOUNTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("donations", "0004_disbursements")]

    operations = [migrations.RunPython(open_accounts, close_unused_accounts)]
