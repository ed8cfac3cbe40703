"""The open data addresses: latest and ?size= checkpoints, headers, caching, 404s and a bounded number of queries."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from donations import open_data
from donations.checkpoints import make_checkpoint
from tests.donations.open_data.conftest import sales

pytestmark = pytest.mark.django_db

ADDRESSES = {
    "csv": "/transparency/ledger.csv",
    "json": "/transparency/ledger.json",
    "beancount": "/transparency/ledger.beancount",
    "iati": "/transparency/iati.xml",
}
MAX_QUERIES = 8


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("kind", open_data.KINDS)
def test_latest_and_earlier_checkpoints_are_served_outside_the_language_prefix(client, campaign, kind):
    latest = client.get(ADDRESSES[kind])
    assert latest.status_code == 200
    second = campaign.second
    root = base64.b64encode(bytes.fromhex(second.root_hash)).decode()
    assert latest["X-Ledger-Checkpoint"] == f"{second.tree_size} {root}"
    assert latest["Content-Type"] == open_data.CONTENT_TYPES[kind]
    assert f'filename="{open_data.export_filename(kind, second)}"' in latest["Content-Disposition"]
    assert f"-{second.tree_size}." in open_data.export_filename(kind, second)
    assert set(latest["Cache-Control"].replace(" ", "").split(",")) == {"public", "max-age=300"}
    assert latest["ETag"] == f'"{second.tree_size}-{second.root_hash}"'
    assert body(latest) == b"".join(open_data.generate_export(kind, second))

    earlier = client.get(ADDRESSES[kind], {"size": campaign.first.tree_size})
    assert earlier.status_code == 200
    assert earlier["X-Ledger-Checkpoint"].startswith(f"{campaign.first.tree_size} ")
    assert body(earlier) == b"".join(open_data.generate_export(kind, campaign.first))


@pytest.mark.parametrize("kind", open_data.KINDS)
def test_a_size_without_a_checkpoint_is_a_clear_404(client, campaign, kind):
    response = client.get(ADDRESSES[kind], {"size": campaign.first.tree_size + 1})
    assert response.status_code == 404
    assert f"No checkpoint was signed at tree size {campaign.first.tree_size + 1}" in response.content.decode()
    assert client.get(ADDRESSES[kind], {"size": "1e3"}).status_code == 400


def test_before_any_checkpoint_there_is_nothing_to_download(client, books):
    response = client.get(ADDRESSES["csv"])
    assert response.status_code == 404
    assert "No checkpoint has been signed yet" in response.content.decode()


def test_a_client_with_the_current_etag_gets_304_and_head_gets_headers(client, campaign):
    etag = client.get(ADDRESSES["json"])["ETag"]
    assert client.get(ADDRESSES["json"], HTTP_IF_NONE_MATCH=etag).status_code == 304
    head = client.head(ADDRESSES["beancount"])
    assert head.status_code == 200 and head["X-Ledger-Checkpoint"]


def queries_for(client, address: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(address)
        assert response.status_code == 200
        body(response)
    return len(context.captured_queries)


@pytest.mark.parametrize("kind", open_data.KINDS)
def test_queries_do_not_grow_with_the_ledger(client, campaign, kind, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        small = queries_for(client, ADDRESSES[kind])
    sales(60, first_key=1000)
    make_checkpoint()
    with django_assert_max_num_queries(MAX_QUERIES):
        large = queries_for(client, ADDRESSES[kind])
    assert large <= small + 1  # at most a fold snapshot written once more; never a query per entry
