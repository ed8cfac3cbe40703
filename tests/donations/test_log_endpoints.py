"""The transparency log's public addresses: content, status codes, caching, query counts, and no private data."""

import base64
import datetime
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from donations import checkpoints, ledger, merkle
from donations.models import JournalEntry
from donations.money import Money
from donations.views import log as log_views
from tests.donations.conftest import post_sale

pytestmark = pytest.mark.urls("tests.donations.log_urls")

BASE = "/transparency/log/"
PRIVATE = {
    "case_reference": "CASE-OKSANA-0501",
    "notes": "Oksana, +380671234567, village Zelenyi Hai",
}
PRIVATE_STRINGS = ["CASE-OKSANA-0501", "Oksana", "OKSANA", "+380671234567", "380671234567", "Zelenyi Hai",
                   "Zelenyi", "village", "family of four", "123457", "2025-04"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


@pytest.fixture
def log(books):
    """Sales, a reversal, a case disbursement with private details, a public one; a checkpoint; one newer sale."""
    first = post_sale(day=1)
    post_sale(day=2, gross=5000, fee=150)
    ledger.reverse_entry(first, memo="refunded in full", effective_date=datetime.date(2025, 3, 3))
    case = ledger.post_entry(
        kind="disbursement", effective_date=datetime.date(2025, 4, 17), concerns_case=True,
        memo="Evacuation of Oksana's family of four",
        postings=[("aid-spent:evacuation", Money(123457, "UAH")), ("bank", Money(-123457, "UAH"))],
        details=PRIVATE,
    )
    ledger.post_entry(
        kind="disbursement", effective_date=datetime.date(2025, 3, 20),
        postings=[("aid-spent:medicine", Money(90000, "UAH")), ("bank", Money(-90000, "UAH"))],
        # Public details may hold any Unicode, even a line separator that str.splitlines() would split on.
        details={"region": "Херсонська область", "label": "insulin\u2028pens"},
    )
    for day in range(5, 10):
        post_sale(day=day)
    checkpoints.make_checkpoint()  # tree size 10
    post_sale(day=10)  # entry #11, newer than the checkpoint
    return case


def test_the_addresses_are_stable():
    assert reverse("transparency-log:checkpoint") == "/transparency/log/checkpoint"
    assert reverse("transparency-log:key") == "/transparency/log/key"
    assert reverse("transparency-log:entries") == "/transparency/log/entries.jsonl"
    assert reverse("transparency-log:inclusion-proof") == "/transparency/log/proof/inclusion"
    assert reverse("transparency-log:consistency-proof") == "/transparency/log/proof/consistency"


# --- checkpoint and key -------------------------------------------------------


def test_no_checkpoint_yet_is_a_clear_404(books, client):
    response = client.get(BASE + "checkpoint")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"No checkpoint has been signed yet: the log has no signed tree head to verify.\n"


def test_the_checkpoint_is_the_latest_signed_note(log, client):
    response = client.get(BASE + "checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == checkpoints.latest_checkpoint().note
    head = checkpoints.verify_checkpoint(response.content.decode(), client.get(BASE + "key").content.decode())
    assert (head.origin, head.size) == ("proceeds.test/ledger", 10)
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_unchanged_checkpoint_is_not_sent_again(log, client):
    etag = client.get(BASE + "checkpoint")["ETag"]
    again = client.get(BASE + "checkpoint", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    checkpoints.make_checkpoint()  # now signs 11 entries
    newer = client.get(BASE + "checkpoint", headers={"if-none-match": etag})
    assert newer.status_code == 200 and newer["ETag"] != etag


def test_the_key_is_the_signed_note_vkey(db, client, ledger_key):
    response = client.get(BASE + "key")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == ledger_key.vkey + "\n"
    name, key_hash, _public = checkpoints.parse_vkey(response.content.decode())
    assert name == "proceeds.test/ledger" and key_hash == ledger_key.key_hash
    assert client.get(BASE + "key", headers={"if-none-match": response["ETag"]}).status_code == 304


def test_a_configured_verifier_key_is_served_without_the_signing_key(db, client, settings, ledger_key):
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_VERIFIER_KEY = ledger_key.vkey
    assert client.get(BASE + "key").content.decode() == ledger_key.vkey + "\n"


def test_no_key_at_all_is_a_clear_503(db, client, settings):
    settings.LEDGER_SIGNING_KEY = ""
    response = client.get(BASE + "key")
    assert response.status_code == 503
    assert response.content == b"The log's verifier key is not configured on this server.\n"


@pytest.mark.parametrize("name", ["checkpoint", "key", "entries.jsonl", "proof/inclusion", "proof/consistency"])
def test_only_reads_are_allowed(log, client, name):
    assert client.post(BASE + name).status_code == 405
    assert client.head(BASE + name).status_code in (200, 400)


# --- entries.jsonl ----------------------------------------------------------


def test_entries_are_every_leaf_byte_for_byte(log, client, monkeypatch):
    monkeypatch.setattr(log_views, "LINES_PER_CHUNK", 3)  # several chunks, and a short last one
    response = client.get(BASE + "entries.jsonl")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["X-Log-Tree-Size"] == "11"
    content = body(response)
    assert content.endswith(b"\n")
    lines = content.split(b"\n")[:-1]  # never splitlines(): a leaf may hold U+2028
    stored = list(JournalEntry.objects.order_by("sequence").values_list("public_leaf", "leaf_hash"))
    assert lines == [leaf.encode() for leaf, _hash in stored]
    assert [merkle.leaf_hash(line).hex() for line in lines] == [leaf_hash for _leaf, leaf_hash in stored]
    assert merkle.root([merkle.leaf_hash(line) for line in lines]) == ledger.tree_head()[1]
    # The line's position is its leaf index; the leaf says its sequence, index + 1.
    assert [json.loads(line)["sequence"] for line in lines] == list(range(1, 12))
    assert "Херсонська область".encode() in content and "insulin\u2028pens".encode() in content


def test_the_signed_prefix_hashes_to_the_checkpoint_root(log, client):
    head = checkpoints.parse_checkpoint(client.get(BASE + "checkpoint").content.decode().split("\n\n")[0] + "\n")
    lines = body(client.get(BASE + f"entries.jsonl?end={head.size}")).split(b"\n")[:-1]
    assert len(lines) == head.size == 10
    assert merkle.root([merkle.leaf_hash(line) for line in lines]) == head.root


@pytest.mark.parametrize(("query", "sequences"), [
    ("start=3", list(range(4, 12))),
    ("start=3&end=6", [4, 5, 6]),
    ("end=2", [1, 2]),
    ("start=11", []),
    ("start=4&end=4", []),
    ("start=&end=", list(range(1, 12))),
])
def test_a_range_of_entries(log, client, query, sequences):
    response = client.get(BASE + "entries.jsonl?" + query)
    assert response.status_code == 200
    lines = body(response).split(b"\n")[:-1]
    assert [json.loads(line)["sequence"] for line in lines] == sequences


@pytest.mark.parametrize(("query", "message"), [
    ("start=5&end=4", "start (5) must not be greater than end (4)"),
    ("end=12", "end (12) is beyond the log's current size 11"),
    ("start=12", "start (12) must not be greater than end (11)"),
    ("start=abc", "The parameter start must be a non-negative integer in plain digits, not 'abc'"),
    ("start=-1", "not '-1'"),
    ("end=%2B3", "not '+3'"),
    ("end=3.0", "not '3.0'"),
    ("end=%203", "not ' 3'"),
    ("end=1_0", "not '1_0'"),
    ("end=%D9%A3", "not '٣'"),
    ("end=99999999999999999999999", "not '99999999999999999999999'"),
])
def test_a_bad_range_is_a_clear_400(log, client, query, message):
    response = client.get(BASE + "entries.jsonl?" + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_a_closed_range_is_cached_for_a_day_and_its_etag_outlives_growth(log, client):
    response = client.get(BASE + "entries.jsonl?start=0&end=5")
    assert response["Cache-Control"] == "public, max-age=86400"
    post_sale(day=20)
    again = client.get(BASE + "entries.jsonl?start=0&end=5", headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_the_open_ended_log_changes_etag_as_it_grows(log, client):
    response = client.get(BASE + "entries.jsonl")
    assert response["Cache-Control"] == "public, max-age=60"
    assert client.get(BASE + "entries.jsonl", headers={"if-none-match": response["ETag"]}).status_code == 304
    post_sale(day=20)
    grown = client.get(BASE + "entries.jsonl", headers={"if-none-match": response["ETag"]})
    assert grown.status_code == 200 and len(body(grown).split(b"\n")) == 13


def test_a_head_request_reads_no_leaves(log, client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.head(BASE + "entries.jsonl")
        assert body(response) == b""
    assert response.status_code == 200 and response["X-Log-Tree-Size"] == "11"


def test_an_empty_log_has_no_entries(books, client):
    response = client.get(BASE + "entries.jsonl")
    assert response.status_code == 200 and body(response) == b""
    assert response["X-Log-Tree-Size"] == "0"


# --- proofs -----------------------------------------------------------------


def test_every_inclusion_proof_verifies(log, client):
    leaves = [bytes.fromhex(h) for h in JournalEntry.objects.order_by("sequence").values_list("leaf_hash", flat=True)]
    for size in (1, 10, 11):
        for index in range(size):
            response = client.get(BASE + f"proof/inclusion?index={index}&size={size}")
            assert response.status_code == 200 and response["Content-Type"] == "application/json"
            data = response.json()
            assert set(data) == {"index", "tree_size", "leaf_hash", "root_hash", "proof"}
            assert (data["index"], data["tree_size"]) == (index, size)
            assert b64(data["leaf_hash"]) == leaves[index]
            assert b64(data["root_hash"]) == merkle.root(leaves[:size])
            proof = [b64(node) for node in data["proof"]]
            assert proof == merkle.inclusion_proof(index, leaves[:size])
            assert merkle.verify_inclusion(leaf=leaves[index], index=index, size=size, proof=proof,
                                           root_hash=b64(data["root_hash"]))


def test_an_inclusion_proof_leads_to_the_signed_root(log, client):
    head = checkpoints.verify_checkpoint(checkpoints.latest_checkpoint().note, checkpoints.current_vkey())
    line = body(client.get(BASE + "entries.jsonl?start=3&end=4"))[:-1]  # the case entry's leaf
    data = client.get(BASE + f"proof/inclusion?index=3&size={head.size}").json()
    assert merkle.verify_inclusion(leaf=merkle.leaf_hash(line), index=3, size=head.size,
                                   proof=[b64(node) for node in data["proof"]], root_hash=head.root)


def test_every_consistency_proof_verifies(log, client):
    leaves = [bytes.fromhex(h) for h in JournalEntry.objects.order_by("sequence").values_list("leaf_hash", flat=True)]
    for new in range(12):
        for old in range(new + 1):
            response = client.get(BASE + f"proof/consistency?old={old}&new={new}")
            assert response.status_code == 200
            data = response.json()
            assert set(data) == {"old_size", "new_size", "old_root", "new_root", "proof"}
            assert (data["old_size"], data["new_size"]) == (old, new)
            assert b64(data["old_root"]) == merkle.root(leaves[:old])
            assert b64(data["new_root"]) == merkle.root(leaves[:new])
            proof = [b64(node) for node in data["proof"]]
            assert proof == merkle.consistency_proof(old, leaves[:new])
            assert merkle.verify_consistency(old_size=old, new_size=new, old_root=b64(data["old_root"]),
                                             new_root=b64(data["new_root"]), proof=proof)


def test_a_proof_is_cached_for_a_day(log, client):
    response = client.get(BASE + "proof/consistency?old=3&new=10")
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["Access-Control-Allow-Origin"] == "*"
    again = client.get(BASE + "proof/consistency?old=3&new=10", headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(("query", "message"), [
    ("size=3", "The parameter index is required"),
    ("index=1", "The parameter size is required (the tree size of the checkpoint you verify against)"),
    ("index=3&size=3", "Leaf index 3 is outside a tree of size 3: index must be below size"),
    ("index=0&size=0", "Leaf index 0 is outside a tree of size 0"),
    ("index=0&size=12", "Tree size 12 is beyond the log's current size 11"),
    ("index=x&size=3", "The parameter index must be a non-negative integer in plain digits, not 'x'"),
    ("index=1&size=-3", "not '-3'"),
    ("index=1.5&size=3", "not '1.5'"),
])
def test_a_bad_inclusion_request_is_a_clear_400(log, client, query, message):
    response = client.get(BASE + "proof/inclusion?" + query)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("query", "message"), [
    ("new=3", "The parameter old is required"),
    ("old=3", "The parameter new is required"),
    ("old=5&new=4", "Old size 5 is larger than new size 4: a log only grows"),
    ("old=5&new=12", "New size 12 is beyond the log's current size 11"),
    ("old=a&new=4", "The parameter old must be a non-negative integer in plain digits, not 'a'"),
    ("old=1&new=0x4", "not '0x4'"),
])
def test_a_bad_consistency_request_is_a_clear_400(log, client, query, message):
    response = client.get(BASE + "proof/consistency?" + query)
    assert response.status_code == 400
    assert message in response.json()["error"]


# --- cost -------------------------------------------------------------------


ENDPOINTS = {
    "checkpoint": ("checkpoint", 1),
    "key": ("key", 0),
    "entries": ("entries.jsonl", 2),
    "entries range": ("entries.jsonl?start=3&end=9", 2),
    "inclusion": ("proof/inclusion?index=7&size=10", 2),
    "consistency": ("proof/consistency?old=3&new=10", 2),
}


def _queries_per_endpoint(client, django_assert_max_num_queries) -> dict[str, int]:
    counts = {}
    for name, (path, most) in ENDPOINTS.items():
        cache.clear()  # proofs at their costliest: nothing cached
        with django_assert_max_num_queries(most), CaptureQueriesContext(connection) as queries:
            response = client.get(BASE + path)
            assert response.status_code == 200, (name, body(response))
            body(response)  # a streamed body runs its query while it is read
        counts[name] = len(queries)
    return counts


def test_queries_do_not_grow_with_the_log(books, client, django_assert_max_num_queries, monkeypatch):
    """10 entries or 200, each address costs the same few queries (the stream reads in many chunks)."""
    monkeypatch.setattr("donations.selectors.LEAF_CHUNK_SIZE", 7)
    for number in range(10):
        post_sale(day=number % 28 + 1, gross=3000 + number)
    checkpoints.make_checkpoint()
    with_10 = _queries_per_endpoint(client, django_assert_max_num_queries)
    for number in range(190):
        post_sale(day=number % 28 + 1, gross=4000 + number)
    checkpoints.make_checkpoint()
    with_200 = _queries_per_endpoint(client, django_assert_max_num_queries)
    assert with_10 == with_200
    assert len(body(client.get(BASE + "entries.jsonl")).split(b"\n")) == 201


# --- privacy ----------------------------------------------------------------


def test_no_endpoint_shows_anything_private_about_a_case(log, client):
    """Not the case reference, the name, the phone, the village, the memo, the amount, the date or the salt."""
    case = JournalEntry.objects.get(pk=log.pk)
    responses = [client.get(BASE + "checkpoint"), client.get(BASE + "key"), client.get(BASE + "entries.jsonl"),
                 client.get(BASE + "entries.jsonl?start=3&end=4")]
    responses += [client.get(BASE + f"proof/inclusion?index={i}&size=11") for i in range(11)]
    responses += [client.get(BASE + f"proof/consistency?old={old}&new=11") for old in range(12)]
    assert all(response.status_code == 200 for response in responses)
    bodies = [body(response) for response in responses]
    published = b"\n".join(
        f"{response.headers}".encode() + content for response, content in zip(responses, bodies, strict=True)
    )
    for secret in [*PRIVATE_STRINGS, case.commitment_salt, case.private_leaf]:
        assert secret.encode() not in published, secret
        assert secret.lower().encode() not in published.lower(), secret
    # What the public does see of the case: that it exists, its kind and a commitment.
    case_line = json.loads(bodies[3])
    assert set(case_line) == {"case", "commitment", "kind", "sequence"}
    assert (case_line["case"], case_line["kind"], case_line["sequence"]) == (True, "disbursement", 4)
