"""verify_ledger: passes on honest books, names the entry and the fault on tampered ones."""

import datetime
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from donations import checkpoints, ledger, merkle
from donations.models import AccountBalance, Checkpoint, JournalEntry, LogHead, Posting
from donations.money import Money
from donations.verification import verify_ledger
from tests.donations.conftest import post_sale
from tests.donations.tampering import remove, tamper


@pytest.fixture
def honest_books(books):
    """Five entries (sales, a reversal, a case disbursement), a checkpoint, then one more sale."""
    first = post_sale(day=1, key="order-1")
    second = post_sale(day=2, gross=5000, fee=150)
    ledger.reverse_entry(first, memo="test order", effective_date=datetime.date(2025, 3, 3))
    ledger.post_entry(
        kind="disbursement", effective_date=datetime.date(2025, 3, 4), concerns_case=True,
        postings=[("aid-spent:evacuation", Money(300000, "UAH")), ("bank", Money(-300000, "UAH"))],
        details={"region": "Kherson oblast"},
    )
    checkpoints.make_checkpoint()
    post_sale(day=5)
    return second


def problems():
    return [str(problem) for problem in verify_ledger().problems]


def test_honest_books_verify(honest_books, capsys):
    report = verify_ledger()
    assert report.ok, report.problems
    assert (report.entries, report.postings, report.latest_checkpoint_size) == (5, 14, 4)
    assert report.root == ledger.tree_head()[1]
    assert report.notes == ["1 entries are newer than the latest checkpoint"]
    call_command("verify_ledger")
    assert "ledger verified: 5 entries, 14 postings" in capsys.readouterr().out


def test_an_empty_ledger_verifies(db):
    report = verify_ledger()
    assert report.ok and report.entries == 0
    assert report.notes == ["no checkpoint has been made yet: the root is not signed"]


def test_small_chunks_give_the_same_answer(honest_books):
    assert verify_ledger(chunk_size=2).root == verify_ledger().root


def test_an_unbalancing_edit_names_the_entry(honest_books, capsys):
    tamper(Posting.objects.filter(pk=Posting.objects.filter(entry=honest_books).first().pk),
           amount_minor=F("amount_minor") + 1)
    found = problems()
    assert "entry #2: does not balance: its EUR postings sum to +1 minor units" in found
    assert "entry #2: public leaf does not match the books in: postings" in found
    assert any(problem.startswith("running balance of stripe-balance in EUR") for problem in found)
    with pytest.raises(CommandError, match="ledger verification failed"):
        call_command("verify_ledger")
    assert "BROKEN entry #2: does not balance" in capsys.readouterr().err


def test_a_balanced_edit_of_amounts_is_still_caught_by_the_leaf(honest_books):
    postings = list(Posting.objects.filter(entry=honest_books).order_by("id"))
    tamper(Posting.objects.filter(pk=postings[0].pk), amount_minor=F("amount_minor") - 1000)  # stripe-balance
    tamper(Posting.objects.filter(pk=postings[2].pk), amount_minor=F("amount_minor") + 1000)  # merch-sales
    found = problems()
    assert "entry #2: public leaf does not match the books in: postings" in found
    assert not any("does not balance" in problem for problem in found)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"effective_date": datetime.date(2025, 2, 2)}, "date"), ({"kind": "adjustment"}, "kind")],
)
def test_an_edited_date_or_kind_is_caught(honest_books, change, field):
    tamper(JournalEntry.objects.filter(pk=honest_books.pk), **change)
    assert f"entry #2: public leaf does not match the books in: {field}" in problems()


def test_a_rewritten_history_with_consistent_leaves_breaks_the_signed_root(honest_books):
    """An attacker who edits postings, leaf and leaf hash together still cannot match the checkpoint."""
    tamper(Posting.objects.filter(entry=honest_books, account__code="stripe-balance"),
           amount_minor=F("amount_minor") - 1000)
    tamper(Posting.objects.filter(entry=honest_books, account__code="stripe-fees"),
           amount_minor=F("amount_minor") + 1000)
    leaf = json.loads(honest_books.public_leaf)
    leaf["postings"][0]["amount"] -= 1000
    leaf["postings"][1]["amount"] += 1000
    forged = json.dumps(leaf, sort_keys=True, separators=(",", ":")).encode()
    tamper(JournalEntry.objects.filter(pk=honest_books.pk), public_leaf=forged.decode(),
           leaf_hash=merkle.leaf_hash(forged).hex())
    found = problems()
    assert not any(problem.startswith("entry #2") for problem in found)
    assert any("the tree of entries #1–#4 does not have the root signed in checkpoint" in problem
               for problem in found)


def test_a_deleted_entry_leaves_a_gap(honest_books):
    entry = JournalEntry.objects.get(sequence=5)
    remove(Posting.objects.filter(entry=entry))
    remove(JournalEntry.objects.filter(pk=entry.pk))
    post_sale(day=6)  # LogHead says 5, so this becomes #6 after the hole.
    found = problems()
    assert "entry #6: sequence gap: expected #5 before it" in found
    assert any("running balance" in problem for problem in found)


def test_a_forged_checkpoint_fails_its_signature(honest_books):
    checkpoint = Checkpoint.objects.get()
    impostor = checkpoints.generate_signing_key(checkpoint.key_name)
    note = checkpoints.sign_note(checkpoint.note.split("\n\n")[0] + "\n", impostor)
    tamper(Checkpoint.objects.filter(pk=checkpoint.pk), note=note)
    assert any(f"checkpoint {checkpoint.pk} (tree size 4): The note carries no signature" in problem
               for problem in problems())


def test_a_checkpoint_larger_than_the_log_means_entries_are_missing(honest_books):
    tamper(Checkpoint.objects.all(), tree_size=40)
    assert any("larger than the log (5 entries)" in problem for problem in problems())


def test_a_tampered_case_entry_breaks_its_commitment(honest_books):
    case = JournalEntry.objects.get(concerns_case=True)
    tamper(Posting.objects.filter(entry=case, account__code="bank"), amount_minor=-200000)
    tamper(Posting.objects.filter(entry=case, account__code="aid-spent:evacuation"), amount_minor=200000)
    found = problems()
    assert f"entry #{case.sequence}: private leaf does not match the books in: postings" in found
    # Rewriting the private leaf too cannot help: the commitment no longer opens.
    private = json.loads(case.private_leaf)
    private["postings"][0]["amount"], private["postings"][1]["amount"] = 200000, -200000
    tamper(JournalEntry.objects.filter(pk=case.pk),
           private_leaf=json.dumps(private, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    assert f"entry #{case.sequence}: public leaf commitment does not open to the stored postings, date and " \
           "details" in problems()
    assert hashlib.sha256(b"").hexdigest() not in case.public_leaf


def test_a_repointed_reversal_is_caught(honest_books):
    reversal = JournalEntry.objects.get(kind="reversal")
    tamper(JournalEntry.objects.filter(pk=reversal.pk), reverses=honest_books)
    found = problems()
    assert "entry #3: does not post the exact negation of entry #2" in found
    assert "entry #3: public leaf does not match the books in: reverses" in found


def test_edited_running_balances_and_log_head_are_caught(honest_books):
    tamper(AccountBalance.objects.filter(account__code="bank", currency="UAH"), balance_minor=0)
    tamper(LogHead.objects.all(), frontier="")
    found = problems()
    assert "running balance of bank in UAH is 0, but its postings sum to -300000" in found
    assert "log head's tree edge does not match the root recomputed from the leaves" in found


def test_a_checkpoint_by_a_key_we_no_longer_hold_is_reported_only_when_latest(honest_books, settings):
    settings.LEDGER_SIGNING_KEY = checkpoints.encode_signing_key(checkpoints.generate_signing_key("rotated"))
    found = problems()
    assert any("The note carries no signature by rotated" in problem for problem in found)
    checkpoints.make_checkpoint()  # Signed by the new key: the old one is history now.
    assert problems() == []
