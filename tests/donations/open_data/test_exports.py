"""The four exports: what each holds, that each names its checkpoint, and that one checkpoint gives one file."""

from __future__ import annotations

import base64
import csv
import datetime
import io
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from lxml import etree

from donations import merkle, open_data, public_ledger
from donations.checkpoints import make_checkpoint
from donations.models import JournalEntry
from tests.donations import finance
from tests.donations.open_data.conftest import CANARY

pytestmark = pytest.mark.django_db

XSD = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "iati-2.03" / "iati-activities-schema.xsd"


def export(kind: str, checkpoint) -> bytes:
    return b"".join(open_data.generate_export(kind, checkpoint))


def public_balances(size: int) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for leaf in public_ledger.public_leaves(start=0, end=size):
        for posting in leaf.get("postings", ()):
            sums[(posting["account"], posting["currency"])] += posting["amount"]
    return dict(sums)


def root_b64(checkpoint) -> str:
    return base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()


@pytest.mark.parametrize("kind", open_data.KINDS)
def test_each_export_is_reproducible_and_names_its_checkpoint(campaign, kind):
    """Same checkpoint, same bytes, even after the ledger grew; each file states its size and root."""
    for checkpoint in (campaign.first, campaign.second):
        data = export(kind, checkpoint)
        assert data == export(kind, checkpoint)
        assert str(checkpoint.tree_size).encode() in data
        assert root_b64(checkpoint).encode() in data
    assert export(kind, campaign.first) != export(kind, campaign.second)


@pytest.mark.parametrize("kind", open_data.KINDS)
def test_no_private_detail_reaches_any_export(campaign, kind):
    """The canary's name, phone, village and case reference are in private fields only: never in a download."""
    for checkpoint in (campaign.first, campaign.second):
        text = export(kind, checkpoint).decode()
        for private in CANARY:
            assert private not in text, f"{private!r} leaked into the {kind} export"
        assert "2025-03-12" not in text  # the day a case was paid; months only


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_one_row_per_public_posting_and_sums_to_the_public_balances(campaign):
    checkpoint = campaign.second
    rows = read_csv(export("csv", checkpoint))
    leaves = list(public_ledger.public_leaves(start=0, end=checkpoint.tree_size))
    cases = [leaf for leaf in leaves if leaf.get("case")]
    assert len(cases) == 5
    assert len(rows) == sum(len(leaf.get("postings", ())) for leaf in leaves) + len(cases)
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        assert row["checkpoint_size"] == str(checkpoint.tree_size)
        assert row["checkpoint_root"].removeprefix("'") == root_b64(checkpoint)
        assert row["checkpoint_origin"] == checkpoint.origin
        if row["account"]:
            sums[(row["account"], row["currency"])] += int(row["amount_minor"])
            major = row["debit"] or "-" + row["credit"]
            assert int(major.replace(".", "")) == int(row["amount_minor"])  # EUR: two decimals, no float
    assert dict(sums) == public_balances(checkpoint.tree_size)
    case_rows = [row for row in rows if row["commitment"]]
    assert {row["description"] for row in case_rows} == {"case entry (private; summarised monthly)"}
    assert all(not row["amount_minor"] and not row["date"] for row in case_rows)
    memo = [row for row in rows if row["account"] == "memo:case-aid:medicine:occupied"]
    assert [(row["debit"], row["cases"], row["people_helped"], row["date"]) for row in memo] == [
        ("500.00", "5", "15", "2025-03")
    ]
    partner = [row for row in rows if row["payee"] and row["account"].startswith("aid-spent:")]
    assert [(row["payee"], row["debit"], row["people_helped"], row["date"]) for row in partner] == [
        ('Partner NGO "Svitlo"', "250.00", "12", "2025-04")
    ]


def test_csv_text_that_a_spreadsheet_would_run_is_neutralised(campaign):
    """A public payee named like a formula reaches the CSV with a leading apostrophe, never as a formula."""
    team = SimpleNamespace(volunteer=User.objects.get(username="volunteer"),
                           approver=User.objects.get(username="approver"))
    finance.posted(team, paid_on=datetime.date(2025, 4, 5), concerns_case=False, amount="10.00",
                   payee_name='=HYPERLINK("http://evil.example")', payee_public=True)
    rows = read_csv(export("csv", make_checkpoint()))
    payees = {row["payee"] for row in rows if row["payee"]}
    assert payees == {'Partner NGO "Svitlo"', "'=HYPERLINK(\"http://evil.example\")"}
    assert open_data.spreadsheet_safe("amount_minor", "-4000") == "-4000"


def test_json_entries_are_the_leaves_verbatim_and_give_the_checkpoint_root(campaign):
    checkpoint = campaign.first
    data = export("json", checkpoint)
    document = json.loads(data)
    assert document["checkpoint"] == {
        "note": checkpoint.note, "origin": checkpoint.origin, "root_hash": root_b64(checkpoint),
        "tree_size": checkpoint.tree_size,
    }
    assert document["currency_minor_units"] == {"EUR": 2}
    assert len(document["entries"]) == checkpoint.tree_size
    # Every entry line is the exact leaf: hashing them gives the signed root.
    lines = data.split(b"\n")[1:-2]
    leaves = [line.removesuffix(b",") for line in lines]
    assert leaves == [
        text.encode() for text in JournalEntry.objects.order_by("sequence").values_list("public_leaf", flat=True)
        [: checkpoint.tree_size]
    ]
    assert merkle.root([merkle.leaf_hash(leaf) for leaf in leaves]).hex() == checkpoint.root_hash


def bean_check(tmp_path: Path, data: bytes) -> subprocess.CompletedProcess:
    path = tmp_path / "ledger.beancount"
    path.write_bytes(data)
    binary = Path(sys.executable).with_name("bean-check")
    return subprocess.run([str(binary), str(path)], capture_output=True, text=True, timeout=120)


def test_beancount_passes_bean_check_at_both_checkpoints(campaign, tmp_path):
    for checkpoint in (campaign.first, campaign.second):
        data = export("beancount", checkpoint)
        result = bean_check(tmp_path, data)
        assert result.returncode == 0, result.stdout + result.stderr
        text = data.decode()
        assert f"; checkpoint-tree-size: {checkpoint.tree_size}\n" in text
        assert f"; checkpoint-root-hash: {root_b64(checkpoint)}\n" in text
        assert text.count("  ledger-sequence: ") == checkpoint.tree_size - 5  # case entries are comments
        assert "2025-03-31 * " in text  # month-only dates are the month's last day
        assert "Equity:Memo:CaseAid:Medicine:Occupied  500.00 EUR" in text
        assert "open Expenses:AidSpent:Food" in text


def test_beancount_balance_assertions_catch_a_changed_amount(campaign, tmp_path):
    data = export("beancount", campaign.first).decode()
    tampered = data.replace("Expenses:AidSpent:Food  40.00 EUR", "Expenses:AidSpent:Food  4.00 EUR", 1)
    assert tampered != data
    assert bean_check(tmp_path, tampered.encode()).returncode != 0


def iati_schema() -> etree.XMLSchema:
    if not XSD.is_file():
        pytest.fail(f"The IATI 2.03 schema is missing: expected {XSD} (../shared/data/iati-2.03 beside the project)")
    return etree.XMLSchema(etree.parse(str(XSD)))


def test_iati_validates_against_the_2_03_schema_with_monthly_transactions(campaign):
    schema = iati_schema()
    for checkpoint in (campaign.first, campaign.second):
        document = etree.fromstring(export("iati", checkpoint))
        schema.assertValid(document)
    [activity] = document.findall("iati-activity")
    assert activity.get("humanitarian") == "1" and activity.get("default-currency") == "EUR"
    assert activity.findtext("iati-identifier") == "XI-EXAMPLE-TERRITORIES-ARE-PEOPLE-PROCEEDS-2025"
    assert activity.find("reporting-org").get("ref") == "XI-EXAMPLE-TERRITORIES-ARE-PEOPLE"
    assert activity.find("recipient-country").get("code") == "UA"
    sectors = {sector.get("code"): sector.get("percentage") for sector in activity.findall("sector")}
    # March: 500 medicine (cases) + 40 food; April: 250 medicine (partner) → 750/790 and 40/790.
    assert sectors == {"72011": "94.94", "72040": "5.06"}
    transactions = [
        (t.find("transaction-type").get("code"), t.find("value").get("value-date"), t.findtext("value"),
         t.find("value").get("currency"))
        for t in activity.findall("transaction")
    ]
    assert ("4", "2025-03-31", "540.00", "EUR") in transactions
    assert ("3", "2025-04-30", "250.00", "EUR") in transactions
    assert ("1", "2025-02-28", "50000.00", "EUR") in transactions
    receivers = {t.findtext("receiver-org/narrative") for t in activity.findall("transaction")}
    assert 'Partner NGO "Svitlo"' in receivers
    named = document.find(f"{{{open_data.PROCEEDS_NS}}}checkpoint")
    assert named.get("tree-size") == str(checkpoint.tree_size) and named.get("root-hash") == root_b64(checkpoint)
    assert named.text == checkpoint.note


def test_iati_figures_ignore_when_they_are_generated(campaign, settings):
    """The publication delay counts from the checkpoint's signing day, so a later download is the same file."""
    before = export("iati", campaign.first)
    settings.PUBLICATION_DELAY_DAYS = 30
    assert export("iati", campaign.first) == before
