"""Public projections and case commitments: what the public log says, and what it must not."""

import datetime
import hashlib
import json

import pytest

from donations import ledger, projection
from donations.money import Money
from donations.projection import ProjectionError
from tests.donations.conftest import eur

DAY = datetime.date(2025, 4, 9)
AID = [("aid-spent:medicine", Money(125000, "UAH")), ("bank", Money(-125000, "UAH"))]


def test_canonical_json_sorts_keys_drops_whitespace_keeps_unicode():
    assert projection.canonical_json({"b": 1, "a": "Херсонщина"}) == '{"a":"Херсонщина","b":1}'.encode()
    with pytest.raises(ProjectionError, match="Floats"):
        projection.canonical_json({"amount": 1.5})
    with pytest.raises(ProjectionError, match="Floats"):
        projection.canonical_json({"postings": [{"amount": 2.0}]})


def test_dates_are_full_for_proceeds_and_month_only_for_disbursements():
    common = {"sequence": 3, "effective_date": DAY, "postings": AID, "reverses_sequence": None}
    assert projection.public_projection(kind="order_proceeds", **common)["date"] == "2025-04-09"
    assert projection.public_projection(kind="disbursement", **common)["date"] == "2025-04"
    reversal = projection.public_projection(kind="reversal", date_kind="disbursement", **common)
    assert reversal["date"] == "2025-04"


def test_a_case_leaf_shows_no_amount_date_or_place_and_commits_to_them():
    salt = bytes(range(32))
    leaf = projection.build_leaf(
        sequence=7, kind="disbursement", effective_date=DAY, postings=AID, reverses_sequence=None,
        concerns_case=True, details={"region": "Zaporizhzhia oblast", "people": 4}, salt=salt,
    )
    public = json.loads(leaf.public_leaf)
    assert set(public) == {"case", "commitment", "kind", "sequence"}
    text = leaf.public_leaf.decode()
    for secret in ("125000", "2025", "Zaporizhzhia", "medicine", "UAH"):
        assert secret not in text
    assert public["commitment"] == hashlib.sha256(salt + leaf.private_leaf).hexdigest()
    private = json.loads(leaf.private_leaf)
    assert private["date"] == "2025-04-09" and private["details"]["region"] == "Zaporizhzhia oblast"
    assert leaf.salt == salt


def test_equal_cases_get_different_commitments():
    """Fresh salt each time: the same amount on the same day cannot be recognised across leaves."""
    leaves = [
        projection.build_leaf(sequence=1, kind="disbursement", effective_date=DAY, postings=AID,
                              reverses_sequence=None, concerns_case=True)
        for _ in range(2)
    ]
    assert leaves[0].private_leaf == leaves[1].private_leaf
    assert leaves[0].public_leaf != leaves[1].public_leaf
    assert len(leaves[0].salt) == 32


def test_a_posted_case_entry_and_its_reversal_stay_private(books):
    ledger.open_accounts()
    case = ledger.post_entry(
        kind="disbursement", effective_date=DAY, postings=AID, concerns_case=True, memo="family in Oleshky",
        details={"region": "Kherson oblast"},
    )
    reversal = ledger.reverse_entry(case, memo="paid twice", effective_date=DAY)
    for entry in (case, reversal):
        assert entry.concerns_case
        public = json.loads(entry.public_leaf)
        assert set(public) == {"case", "commitment", "kind", "sequence"}
        # Outside the commitment (random hex, which may hold any digits): no amount, no date.
        shown = json.dumps({key: value for key, value in public.items() if key != "commitment"})
        assert "125000" not in shown and "2025" not in shown and len(public["commitment"]) == 64
        salt = bytes.fromhex(entry.commitment_salt)
        assert json.loads(entry.public_leaf)["commitment"] == projection.commitment(salt, entry.private_leaf.encode())
    assert json.loads(reversal.private_leaf)["reverses"] == case.sequence
    assert ledger.entry_details(case) == {"region": "Kherson oblast"}


def test_public_details_appear_in_a_plain_entry(books):
    entry = ledger.post_entry(
        kind="disbursement", effective_date=DAY, postings=[("aid-spent:food", eur(5000)), ("bank", eur(-5000))],
        details={"category": "food", "people": 40, "region": "occupied territories"},
    )
    assert json.loads(entry.public_leaf)["details"] == {"category": "food", "people": 40,
                                                        "region": "occupied territories"}
    assert json.loads(entry.public_leaf)["date"] == "2025-04"
