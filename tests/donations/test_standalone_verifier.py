"""tools/verify_ledger.py: passes an honest log, and names the break in a tampered or forged one.

It runs as an outside verifier would: a separate Python process (``-I``,
isolated, in a directory outside the project), against a live server on
127.0.0.1 or a directory of downloaded files.
"""

import ast
import base64
import datetime
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from hypothesis import given, settings
from hypothesis import strategies as st

from donations import checkpoints, ledger, merkle
from donations.checkpoints import checkpoint_body, generate_signing_key, sign_note
from donations.models import Checkpoint, JournalEntry
from donations.money import Money
from tests.donations.conftest import post_sale
from tests.donations.tampering import tamper

pytestmark = pytest.mark.urls("tests.donations.log_urls")

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"
BASE = "/transparency/log/"


def load_script():
    spec = importlib.util.spec_from_file_location("standalone_verify_ledger", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_script()


def verify(*args, cwd) -> subprocess.CompletedProcess:
    """Run the script isolated (-I: no project on sys.path, no PYTHON* variables), outside the project."""
    return subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": os.environ.get("PATH", "")})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def make_log(extra_after_checkpoint: int = 1):
    """Ten entries (sales, a reversal, a case disbursement, a public one in Ukrainian), signed; then newer ones."""
    first = post_sale(day=1)
    post_sale(day=2, gross=5000, fee=150)
    ledger.reverse_entry(first, memo="refunded", effective_date=datetime.date(2025, 3, 3))
    ledger.post_entry(
        kind="disbursement", effective_date=datetime.date(2025, 3, 4), concerns_case=True,
        postings=[("aid-spent:evacuation", Money(300000, "UAH")), ("bank", Money(-300000, "UAH"))],
        details={"case_reference": "CASE-OKSANA-0501"},
    )
    ledger.post_entry(
        kind="disbursement", effective_date=datetime.date(2025, 3, 20),
        postings=[("aid-spent:medicine", Money(90000, "UAH")), ("bank", Money(-90000, "UAH"))],
        details={"region": "Херсонська область", "label": "insulin\u2028pens"},
    )
    for day in range(5, 10):
        post_sale(day=day)
    checkpoints.make_checkpoint()
    for day in range(extra_after_checkpoint):
        post_sale(day=10 + day)


@pytest.fixture
def downloads(books, client, tmp_path):
    """The three public files, downloaded as anyone would."""
    make_log()
    directory = tmp_path / "downloads"
    directory.mkdir()
    (directory / "checkpoint").write_bytes(client.get(BASE + "checkpoint").content)
    (directory / "key").write_bytes(client.get(BASE + "key").content)
    (directory / "entries.jsonl").write_bytes(body(client.get(BASE + "entries.jsonl")))
    return directory


def lines_of(directory: Path) -> list[bytes]:
    return (directory / "entries.jsonl").read_bytes().split(b"\n")[:-1]


def write_lines(directory: Path, lines: list[bytes]) -> None:
    (directory / "entries.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


# --- the script itself ---------------------------------------------------------


def test_it_imports_only_the_standard_library_and_optionally_cryptography():
    tree = ast.parse(SCRIPT.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}
    module_level = [ast.unparse(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert not [line for line in module_level if "cryptography" in line]  # imported where used: optional


@given(data=st.binary(max_size=40) | st.text(alphabet='[]{}"\\ ,:1a\u0416', max_size=40).map(str.encode))
def test_its_copied_json_depth_is_donations_json_limits(data):
    from donations.json_limits import nesting_depth

    try:
        expected = nesting_depth(data)
    except UnicodeDecodeError:
        with pytest.raises(UnicodeDecodeError):
            tool.json_depth(data)
        return
    assert tool.json_depth(data) == expected


def test_rfc_8032_test_vector_1_in_pure_python():
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert tool.ed25519_verify_pure(public, b"", signature)
    assert tool.ed25519_verify_cryptography(public, b"", signature)
    assert not tool.ed25519_verify_pure(public, b"x", signature)


@settings(max_examples=15, deadline=None)
@given(message=st.binary(max_size=200), flip=st.integers(min_value=0, max_value=64 * 8 - 1))
def test_pure_python_ed25519_agrees_with_cryptography(message, flip):
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    signature = key.sign(message)
    assert tool.ed25519_verify_pure(public, message, signature)
    forged = bytearray(signature)
    forged[flip // 8] ^= 1 << (flip % 8)
    assert tool.ed25519_verify_pure(public, message, bytes(forged)) is tool.ed25519_verify_cryptography(
        public, message, bytes(forged)) is False
    assert not tool.ed25519_verify_pure(public, message + b".", signature)


@given(size=st.integers(min_value=1, max_value=80), data=st.data())
def test_its_copied_hashing_is_donations_merkle(size, data):
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
    packed = b"".join(leaves)
    frontier = []
    for i, leaf in enumerate(leaves):
        tool.frontier_append(frontier, i, leaf)
    assert tool.frontier_root(frontier) == tool.range_root(packed, 0, size) == merkle.root(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=0, max_value=size))
    path = merkle.inclusion_proof(index, leaves)
    assert [tool.range_root(packed, *r) for r in tool.inclusion_ranges(index, size)] == path
    assert tool.verify_inclusion(leaves[index], index, size, path, merkle.root(leaves))
    assert not tool.verify_inclusion(leaves[index], index, size, path, merkle.root(leaves[:-1] or [b"x"]))
    proof = merkle.consistency_proof(old, leaves)
    assert tool.verify_consistency(old, size, merkle.root(leaves[:old]), merkle.root(leaves), proof)
    if 0 < old < size:
        assert not tool.verify_consistency(old, size, merkle.root(leaves[:old]), hashlib.sha256(b"x").digest(), proof)


# --- a directory of downloaded files ---------------------------------------------


def test_honest_downloads_verify(downloads, tmp_path):
    result = verify(downloads, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checkpoint: proceeds.test/ledger, 10 entries, root " in result.stdout
    assert "entries: the 10 signed entries hash to the signed root" in result.stdout
    assert "entries: 1 more entry is newer than the checkpoint (not yet signed)" in result.stdout
    assert "(as published by the log; pin it with --key to rely on it)" in result.stdout
    assert result.stdout.endswith("OK: 10 entries verified against the signed checkpoint of proceeds.test/ledger\n")


def test_pure_python_signature_check_end_to_end(downloads, tmp_path):
    result = verify(downloads, "--ed25519", "pure", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "signature check: pure Python (RFC 8032)" in result.stdout
    note = (downloads / "checkpoint").read_text().replace("\n10\n", "\n11\n", 1)
    (downloads / "checkpoint").write_text(note)
    assert verify(downloads, "--ed25519", "pure", cwd=tmp_path).returncode == 1


def test_a_tampered_entry_line_breaks_the_root(downloads, tmp_path):
    lines = lines_of(downloads)
    assert b'"amount":4850' in lines[1]
    lines[1] = lines[1].replace(b'"amount":4850', b'"amount":4750')  # still canonical JSON, still sequence 2
    write_lines(downloads, lines)
    result = verify(downloads, cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL the first 10 entries of entries.jsonl hash to " in result.stdout
    assert "but the checkpoint signs" in result.stdout and "an entry was altered, inserted or removed" in result.stdout
    assert "verify against the log's URL to find the entry" in result.stdout
    # The altered amount also unbalances the entry, which the public leaves alone reveal.
    assert "FAIL entries.jsonl line 2 (entry #2): does not balance in EUR" in result.stdout
    assert result.stdout.rstrip().endswith("BROKEN: 2 problem(s); the log does not verify")


def test_a_forged_checkpoint_fails_its_signature(downloads, tmp_path):
    note = (downloads / "checkpoint").read_text()
    origin, size, root, *rest = note.split("\n")
    forged_root = base64.b64encode(hashlib.sha256(b"forged").digest()).decode()
    (downloads / "checkpoint").write_text("\n".join([origin, size, forged_root, *rest]))
    result = verify(downloads, cwd=tmp_path)
    assert result.returncode == 1
    assert ("FAIL the checkpoint: the signature by proceeds.test/ledger does not verify: "
            "the note was altered or forged") in result.stdout


def test_a_checkpoint_signed_by_another_key_is_refused(downloads, tmp_path):
    impostor = generate_signing_key("proceeds.test/ledger")  # same name, different key
    lines = lines_of(downloads)
    root = merkle.root([merkle.leaf_hash(line) for line in lines])
    (downloads / "checkpoint").write_text(sign_note(checkpoint_body(origin="proceeds.test/ledger", size=11,
                                                                     root=root), impostor))
    pinned = (downloads / "key").read_text().strip()
    result = verify(downloads, cwd=tmp_path)
    assert result.returncode == 1
    name_and_hash = "+".join(pinned.split("+", 2)[:2])
    assert f"FAIL the checkpoint carries no signature by the key {name_and_hash}" in result.stdout
    # An impostor who also swaps the published key is caught by the key the reader pinned.
    (downloads / "key").write_text(impostor.vkey + "\n")
    result = verify(downloads, "--key", pinned, cwd=tmp_path)
    assert result.returncode == 1
    assert f"FAIL the log publishes the key {impostor.vkey!r}, not the pinned key {pinned!r}" in result.stdout


@pytest.mark.parametrize(("edit", "message"), [
    (lambda lines: lines.__setitem__(4, b"{not json"), "entries.jsonl line 5 (entry #5): is not valid JSON"),
    (lambda lines: lines.__setitem__(4, lines[4].replace(b":", b": ")),
     "entries.jsonl line 5 (entry #5): is not canonical JSON"),
    (lambda lines: lines.insert(4, lines[4]),
     "entries.jsonl line 6 (entry #6): says sequence 5: line n must be entry #n, none missing or repeated"),
    (lambda lines: lines.__setitem__(3, lines[3][:-1] + b',"date":"2025-03-04"}'),
     "entries.jsonl line 4 (entry #4): is not canonical JSON"),
    (lambda lines: lines.__setitem__(3, lines[3].replace(b'{"case"', b'{"amount":300000,"case"')),
     "entries.jsonl line 4 (entry #4): is a case entry that shows more than its commitment: amount"),
    (lambda lines: lines.__setitem__(1, b'["a list"]'), "entries.jsonl line 2 (entry #2): is not a JSON object"),
    (lambda lines: lines.__setitem__(1, b"\xff\xfe"), "entries.jsonl line 2 (entry #2): is not UTF-8"),
    (lambda lines: lines.__setitem__(4, b"[" * 100_000 + b"]" * 100_000),
     "entries.jsonl line 5 (entry #5): nests 100000 levels deep"),
    (lambda lines: lines.__delitem__(slice(9, None)),
     "entries.jsonl has 9 entries, but the checkpoint signs 10: entries are missing"),
])
def test_a_malformed_line_is_named(downloads, tmp_path, edit, message):
    lines = lines_of(downloads)
    edit(lines)
    write_lines(downloads, lines)
    result = verify(downloads, cwd=tmp_path)
    assert result.returncode == 1
    assert f"FAIL {message}" in result.stdout, result.stdout


def test_a_download_cut_short_is_named(downloads, tmp_path):
    content = (downloads / "entries.jsonl").read_bytes()
    (downloads / "entries.jsonl").write_bytes(content[:-1])
    result = verify(downloads, cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL entries.jsonl line 11 (entry #11) has no newline at its end: the download was cut short" in (
        result.stdout)


def test_a_previous_checkpoint_that_the_log_extends(books, client, tmp_path):
    make_log(extra_after_checkpoint=0)
    (tmp_path / "old.checkpoint").write_text(client.get(BASE + "checkpoint").content.decode())
    post_sale(day=20)
    post_sale(day=21)
    checkpoints.make_checkpoint()
    directory = tmp_path / "now"
    directory.mkdir()
    for name in ("checkpoint", "key", "entries.jsonl"):
        (directory / name).write_bytes(body(client.get(BASE + name)))
    result = verify(directory, "--previous", tmp_path / "old.checkpoint", "--save", tmp_path / "saved", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "previous checkpoint: entries #1–#10 still hash to its root" in result.stdout
    assert (tmp_path / "saved").read_text() == checkpoints.latest_checkpoint().note


def test_a_previous_checkpoint_of_another_history_is_a_rewrite(downloads, tmp_path, ledger_key):
    other = [merkle.leaf_hash(b"another history %d" % i) for i in range(6)]
    (tmp_path / "old.checkpoint").write_text(
        sign_note(checkpoint_body(origin="proceeds.test/ledger", size=6, root=merkle.root(other)), ledger_key)
    )
    result = verify(downloads, "--previous", tmp_path / "old.checkpoint", "--save", tmp_path / "saved", cwd=tmp_path)
    assert result.returncode == 1
    assert ("FAIL entries #1–#6 no longer hash to the root of the previous checkpoint: "
            "the log was rewritten since then") in result.stdout
    assert not (tmp_path / "saved").exists()


def test_a_previous_checkpoint_larger_than_the_log_means_it_shrank(downloads, tmp_path, ledger_key):
    leaves = [merkle.leaf_hash(line) for line in lines_of(downloads)]
    (tmp_path / "old.checkpoint").write_text(
        sign_note(checkpoint_body(origin="proceeds.test/ledger", size=11, root=merkle.root(leaves)), ledger_key)
    )
    result = verify(downloads, "--previous", tmp_path / "old.checkpoint", cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL the log shrank: the previous checkpoint signed 11 entries, this one only 10" in result.stdout


def test_missing_files_or_arguments_cannot_run(tmp_path):
    result = verify(tmp_path, cwd=tmp_path)
    assert result.returncode == 2 and "error: no verifier key" in result.stderr
    assert verify("ftp://example.org/log/", cwd=tmp_path).returncode == 2


# --- a live server ----------------------------------------------------------------


@pytest.fixture
def live_log(books, live_server, settings):
    settings.LEDGER_AUTO_CHECKPOINT = False  # these tests decide where the signed tree ends
    make_log()
    return live_server.url + BASE


def test_a_live_honest_log_verifies_and_its_downloads_verify_offline(live_log, tmp_path):
    kept = tmp_path / "kept"
    result = verify(live_log, "--download-to", kept, "--save", tmp_path / "last.checkpoint", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "entries: the 10 signed entries hash to the signed root" in result.stdout
    assert len(lines_of(kept)) == 10  # only the signed entries are downloaded
    offline = verify(kept, "--key", kept / "key", cwd=tmp_path)
    assert offline.returncode == 0 and "(pinned)" in offline.stdout

    post_sale(day=25)
    checkpoints.make_checkpoint()
    again = verify(live_log, "--previous", tmp_path / "last.checkpoint", cwd=tmp_path)
    assert again.returncode == 0, again.stdout
    assert "previous checkpoint: the log's consistency proof from 10 to 12 entries verifies" in again.stdout


def test_a_live_log_with_an_altered_leaf_is_located_by_its_proofs(live_log, tmp_path):
    entry = JournalEntry.objects.get(sequence=7)
    altered = entry.public_leaf.replace('"amount":2900', '"amount":2400')
    assert altered != entry.public_leaf
    tamper(JournalEntry.objects.filter(pk=entry.pk), public_leaf=altered)
    result = verify(live_log, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "FAIL the first 10 entries of entries.jsonl hash to" in result.stdout
    assert "FAIL entry #7 (entries.jsonl line 7) is not the leaf that was signed: it hashes to " in result.stdout
    assert f"the signed tree holds {tool.show(bytes.fromhex(entry.leaf_hash))} at index 6" in result.stdout


def test_a_live_log_rewritten_with_its_hashes_is_caught_by_the_signed_root(live_log, tmp_path):
    """An attacker who rewrites a leaf and its stored hash gets proofs that no longer reach the signed root."""
    entry = JournalEntry.objects.get(sequence=2)
    altered = entry.public_leaf.replace('"amount":4850', '"amount":4000')
    tamper(JournalEntry.objects.filter(pk=entry.pk), public_leaf=altered,
           leaf_hash=merkle.leaf_hash(altered.encode()).hex())
    cache.clear()
    result = verify(live_log, cwd=tmp_path)
    assert result.returncode == 1
    assert ("FAIL the log's inclusion proof for entry #1 does not lead to the signed root: "
            "the log's stored hashes disagree with its own checkpoint") in result.stdout


def test_a_live_forged_checkpoint_is_refused(live_log, tmp_path):
    latest = Checkpoint.objects.order_by("-id").first()
    forged = latest.note.replace("\n10\n", "\n9\n", 1)
    tamper(Checkpoint.objects.filter(pk=latest.pk), note=forged)
    result = verify(live_log, cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL the checkpoint: the signature by proceeds.test/ledger does not verify" in result.stdout


def test_a_live_log_without_a_checkpoint(books, live_server, tmp_path):
    result = verify(live_server.url + BASE, cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL the checkpoint: there is none (the log has not signed a tree head yet)" in result.stdout


def test_a_live_log_with_another_key_than_the_pinned_one(live_log, tmp_path):
    other = generate_signing_key("proceeds.test/ledger")
    result = verify(live_log, "--key", other.vkey, cwd=tmp_path)
    assert result.returncode == 1 and "not the pinned key" in result.stdout


def test_an_unreachable_log_cannot_run(tmp_path):
    result = verify("http://127.0.0.1:9/transparency/log/", cwd=tmp_path)
    assert result.returncode == 2 and "could not reach http://127.0.0.1:9/transparency/log/" in result.stderr


def test_a_leaf_read_back_as_json_is_the_posted_projection(downloads):
    """The line is the projection itself; no envelope, so its hash is the tree's leaf hash."""
    first = json.loads(lines_of(downloads)[0])
    assert first["sequence"] == 1 and first["kind"] == "order_proceeds"


# --- what the leaves promise about each other ----------------------------------------


def summary(sequence: int, covers: str) -> dict:
    return {
        "sequence": sequence, "date": "2025-03", "kind": "case_aid_summary", "reverses": None,
        "postings": [
            {"account": "memo:case-aid:merged:merged", "amount": 500, "currency": "EUR"},
            {"account": "memo:case-aid-offset", "amount": -500, "currency": "EUR"},
        ],
        "details": {"covers": covers},
    }


def case(sequence: int) -> dict:
    return {"case": True, "commitment": "00" * 32, "kind": "disbursement", "sequence": sequence}


def test_public_books_accept_a_summary_of_earlier_case_entries():
    books = tool.PublicBooks()
    assert books.add(case(1), 1) is None and books.add(case(2), 2) is None
    assert books.add(summary(3, "1,2"), 3) is None


def test_public_books_refuse_a_summary_of_a_plain_entry_or_of_a_case_twice():
    books = tool.PublicBooks()
    books.add(case(1), 1)
    assert "not earlier case entries: [2]" in books.add(summary(2, "1,2"), 2)
    assert "already summarised: [1]" in books.add(summary(3, "1"), 3)


def test_public_books_refuse_an_entry_that_does_not_balance():
    unbalanced = {
        "sequence": 1, "date": "2025-03-01", "kind": "order_proceeds", "reverses": None,
        "postings": [{"account": "stripe-balance", "amount": 100, "currency": "EUR"},
                     {"account": "aid-fund", "amount": -90, "currency": "EUR"}],
    }
    assert tool.PublicBooks().add(unbalanced, 1) == "does not balance in EUR"


def test_a_published_case_aid_summary_passes_the_standalone_verifier(books, client, tmp_path, settings):
    from donations import case_aid

    settings.PUBLICATION_DELAY_DAYS = 0
    make_log(extra_after_checkpoint=0)
    for day in range(1, 6):
        ledger.post_entry(
            kind="disbursement", effective_date=datetime.date(2025, 4, day), concerns_case=True,
            postings=[("aid-spent:food", Money(100_000 * day, "UAH")), ("bank", Money(-100_000 * day, "UAH"))],
            details={"category": "food", "region": "occupied", "people_helped": 2},
        )
    assert len(case_aid.publish_case_aid_summaries(today=datetime.date(2025, 6, 1))) == 1
    checkpoints.make_checkpoint()
    directory = tmp_path / "downloads"
    directory.mkdir()
    (directory / "checkpoint").write_bytes(client.get(BASE + "checkpoint").content)
    (directory / "key").write_bytes(client.get(BASE + "key").content)
    (directory / "entries.jsonl").write_bytes(body(client.get(BASE + "entries.jsonl")))
    result = verify(directory, "--key", directory / "key", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
