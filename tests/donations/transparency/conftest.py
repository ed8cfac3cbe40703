"""The transparency tests' ledger: the shared small public ledger (``tests.donations.public_books``)."""

import pytest

from tests.donations.public_books import build_books


@pytest.fixture
def books(db):
    return build_books()
