"""identify_export: which export a file is, which checkpoint it names, and whether it is byte for byte intact."""

from __future__ import annotations

import base64

import pytest

from donations import open_data
from donations.open_data_verify import ExportCheck, identify_export

pytestmark = pytest.mark.django_db


def export(kind: str, checkpoint) -> bytes:
    return b"".join(open_data.generate_export(kind, checkpoint))


@pytest.mark.parametrize("kind", open_data.KINDS)
def test_an_intact_download_matches_its_checkpoint(campaign, kind):
    for checkpoint in (campaign.first, campaign.second):
        check = identify_export(export(kind, checkpoint))
        root = base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()
        assert check == ExportCheck(kind, checkpoint.tree_size, root, True, check.detail)
        assert "exactly" in check.detail


def test_one_changed_amount_in_a_beancount_file_does_not_match(campaign):
    data = export("beancount", campaign.first)
    lines = data.split(b"\n")
    number = next(i for i, line in enumerate(lines, 1) if line == b"  Expenses:AidSpent:Food  40.00 EUR")
    tampered = data.replace(b"  Expenses:AidSpent:Food  40.00 EUR", b"  Expenses:AidSpent:Food  4.00 EUR", 1)
    check = identify_export(tampered)
    assert check.kind == "beancount" and check.tree_size == campaign.first.tree_size
    assert not check.matches
    assert f"first at line {number}" in check.detail


@pytest.mark.parametrize("kind", ["csv", "json", "iati"])
def test_a_removed_or_edited_line_does_not_match(campaign, kind):
    data = export(kind, campaign.second)
    lines = data.split(b"\n")
    edited = b"\n".join(lines[:3] + lines[4:])
    check = identify_export(edited)
    assert check is not None and check.kind == kind and not check.matches
    assert "first at line 4" in check.detail


def test_a_file_naming_an_unknown_checkpoint_does_not_match(campaign):
    data = export("json", campaign.first)
    forged = data.replace(
        base64.b64encode(bytes.fromhex(campaign.first.root_hash)), base64.b64encode(bytes(32))
    )
    check = identify_export(forged)
    assert check.kind == "json" and not check.matches
    assert "never published" in check.detail


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n", b"<?xml version='1.0'?><html/>", b'{"a": 1}'])
def test_anything_else_is_not_an_export(campaign, data):
    assert identify_export(data) is None


def test_a_csv_saved_without_its_byte_order_mark_is_recognised_but_differs_at_line_one(campaign):
    data = export("csv", campaign.first).removeprefix("\ufeff".encode())
    check = identify_export(data)
    assert check.kind == "csv" and check.tree_size == campaign.first.tree_size and not check.matches
    assert "first at line 1" in check.detail


@pytest.mark.parametrize("tail", [b"[" * 100_000, b'{"tree_size": 1, "root_hash": "x", "a": ' * 50_000])
def test_a_deeply_nested_upload_is_not_an_export_and_breaks_nothing(campaign, tail):
    """json would recurse once per level and raise RecursionError: the nesting is measured first."""
    assert identify_export(b'{"checkpoint":' + tail) is None
