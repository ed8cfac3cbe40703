"""C2SP signed notes and tlog checkpoints, checked against the Go reference (golang.org/x/mod/sumdb/note)."""

import base64

import pytest

from donations import checkpoints, ledger, merkle
from donations.checkpoints import CheckpointError
from donations.models import Checkpoint
from tests.donations.conftest import TEST_ORIGIN, post_sale

# The example key and signed note of golang.org/x/mod/sumdb/note's documentation.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_keys_and_signatures_match_the_go_reference_implementation():
    key = checkpoints.parse_signing_key(GO_SKEY, default_name="unused")
    assert key.name == "PeterNeumann"
    assert key.vkey == GO_VKEY
    assert checkpoints.encode_signing_key(key) == GO_SKEY
    assert checkpoints.sign_note(GO_TEXT, key) == GO_NOTE  # Ed25519 is deterministic.
    assert checkpoints.verify_note(GO_NOTE, GO_VKEY) == GO_TEXT


def test_a_bare_base64_seed_is_named_after_the_log_origin():
    key = checkpoints.parse_signing_key(base64.b64encode(bytes(range(32))).decode(), default_name=TEST_ORIGIN)
    assert key.name == TEST_ORIGIN
    name, key_hash, _public = checkpoints.parse_vkey(key.vkey)
    assert name == TEST_ORIGIN
    assert key_hash == key.key_hash == checkpoints.key_hash(TEST_ORIGIN, key.public_key)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("PRIVATE+KEY+PeterNeumann+00000000+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", "does not match"),
        ("PRIVATE+KEY+PeterNeumann+c74f20a3+AgEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", "Only Ed25519"),
        ("PRIVATE+KEY+c74f20a3", "five"),
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "32-byte seed"),
    ],
)
def test_malformed_signing_keys_are_refused(value, message):
    with pytest.raises(CheckpointError, match=message):
        checkpoints.parse_signing_key(value, default_name=TEST_ORIGIN)


def test_a_note_fails_when_text_signature_or_key_differ():
    with pytest.raises(CheckpointError, match="does not verify"):
        checkpoints.verify_note(GO_NOTE.replace("cryptography", "blockchains"), GO_VKEY)
    other = checkpoints.generate_signing_key("PeterNeumann")
    with pytest.raises(CheckpointError, match="no signature by PeterNeumann"):
        checkpoints.verify_note(GO_NOTE, other.vkey)  # Same name, other key: its hash does not match.
    with pytest.raises(CheckpointError, match="blank line"):
        checkpoints.verify_note(GO_TEXT, GO_VKEY)
    with pytest.raises(CheckpointError, match="hash does not match"):
        checkpoints.parse_vkey(GO_VKEY.replace("c74f20a3", "c74f20a4"))


def test_checkpoint_body_has_origin_size_and_base64_root():
    root = merkle.root([merkle.leaf_hash(b"a")])
    body = checkpoints.checkpoint_body(origin=TEST_ORIGIN, size=1, root=root)
    assert body == f"{TEST_ORIGIN}\n1\n{base64.b64encode(root).decode()}\n"
    head = checkpoints.parse_checkpoint(body)
    assert (head.origin, head.size, head.root) == (TEST_ORIGIN, 1, root)
    for bad in (f"{TEST_ORIGIN}\n01\n{base64.b64encode(root).decode()}\n", f"{TEST_ORIGIN}\n1\nAAAA\n", "x\n1\n"):
        with pytest.raises(CheckpointError):
            checkpoints.parse_checkpoint(bad)


def test_make_checkpoint_signs_the_current_tree_head(books, ledger_key):
    first, second = post_sale(day=1), post_sale(day=2)
    checkpoint = checkpoints.make_checkpoint()
    expected_root = merkle.root([bytes.fromhex(first.leaf_hash), bytes.fromhex(second.leaf_hash)])
    assert (checkpoint.tree_size, checkpoint.root_hash) == (2, expected_root.hex())
    assert checkpoint.key_name == TEST_ORIGIN
    head = checkpoints.verify_checkpoint(checkpoint.note, ledger_key.vkey, origin=TEST_ORIGIN)
    assert (head.size, head.root) == (2, expected_root)
    assert checkpoint.note.startswith(f"{TEST_ORIGIN}\n2\n{base64.b64encode(expected_root).decode()}\n\n\u2014 ")


def test_an_unchanged_tree_is_not_signed_twice_but_a_grown_one_is(books):
    post_sale()
    first = checkpoints.make_checkpoint()
    assert checkpoints.make_checkpoint() == first
    post_sale(day=2)
    grown = checkpoints.make_checkpoint()
    assert grown.tree_size == 2 and grown.pk != first.pk
    assert Checkpoint.objects.count() == 2
    assert checkpoints.latest_checkpoint() == grown


def test_the_empty_log_has_a_checkpoint_too(db):
    checkpoint = checkpoints.make_checkpoint()
    assert checkpoint.tree_size == 0
    assert checkpoint.root_hash == merkle.EMPTY_ROOT.hex()


def test_without_a_key_checkpoints_are_refused_in_production_and_labelled_in_development(db, settings):
    settings.LEDGER_SIGNING_KEY = ""
    settings.DEBUG = False
    with pytest.raises(CheckpointError, match="LEDGER_SIGNING_KEY is not set"):
        checkpoints.make_checkpoint()
    settings.DEBUG = True
    checkpoint = checkpoints.make_checkpoint()
    assert checkpoint.key_name == f"INSECURE-DEVELOPMENT-KEY/{TEST_ORIGIN}"
    assert checkpoints.signing_key().is_development
    checkpoints.verify_checkpoint(checkpoint.note, checkpoints.development_key().vkey)


def test_settings_are_read_at_call_time(settings):
    settings.LEDGER_LOG_ORIGIN = "elsewhere.example/log"
    assert checkpoints.log_origin() == "elsewhere.example/log"
    settings.LEDGER_LOG_ORIGIN = ""
    assert checkpoints.log_origin() == checkpoints.DEFAULT_LOG_ORIGIN


def test_a_verifier_key_alone_is_enough_to_verify(settings, ledger_key):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_VERIFIER_KEY = ledger_key.vkey
    assert checkpoints.current_vkey() == ledger_key.vkey


def test_tree_head_follows_the_log(books):
    assert ledger.tree_head() == (0, merkle.EMPTY_ROOT)
    entries = [post_sale(day=day) for day in range(1, 6)]
    size, root = ledger.tree_head()
    assert size == 5
    assert root == merkle.root([bytes.fromhex(entry.leaf_hash) for entry in entries])


def test_the_key_command_prints_a_matching_signing_and_verifier_key(capsys):
    from django.core.management import call_command

    call_command("ledger_signing_key", "--name", "proceeds.example/ledger")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    key = checkpoints.parse_signing_key(lines["LEDGER_SIGNING_KEY"], default_name="unused")
    assert key.name == "proceeds.example/ledger"
    assert key.vkey == lines["LEDGER_VERIFIER_KEY"]


def test_a_batch_of_postings_is_signed_once_when_it_commits(books, ledger_key, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        post_sale(day=1)
        post_sale(day=2)
        assert not Checkpoint.objects.exists()  # nothing is signed before the entries are durable
    assert len(callbacks) == 1
    checkpoint = checkpoints.latest_checkpoint()
    assert checkpoint.tree_size == 2 and Checkpoint.objects.count() == 1
    checkpoints.verify_checkpoint(checkpoint.note, ledger_key.vkey, origin=TEST_ORIGIN)


def test_a_rolled_back_posting_is_not_signed(books, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            post_sale(day=1)
            raise RuntimeError("the rest of the batch failed")
    assert not Checkpoint.objects.exists()


@pytest.mark.parametrize("auto, debug, key", [(False, True, True), (True, False, False)])
def test_no_checkpoint_after_posting_when_switched_off_or_without_a_key(
    books, settings, django_capture_on_commit_callbacks, auto, debug, key
):
    settings.LEDGER_AUTO_CHECKPOINT = auto
    settings.DEBUG = debug
    if not key:
        settings.LEDGER_SIGNING_KEY = ""
    with django_capture_on_commit_callbacks(execute=True):
        post_sale(day=1)
    assert not Checkpoint.objects.exists()


def test_the_make_checkpoint_command_signs_or_says_why_not(books, settings, capsys):
    from django.core.management import CommandError, call_command

    post_sale(day=1)
    call_command("make_checkpoint")
    assert "checkpoint at tree size 1" in capsys.readouterr().out
    settings.DEBUG = False
    settings.LEDGER_SIGNING_KEY = ""
    with pytest.raises(CommandError, match="LEDGER_SIGNING_KEY is not set"):
        call_command("make_checkpoint")
