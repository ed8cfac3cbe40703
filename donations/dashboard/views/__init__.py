"""The finance workspace's views: each parses its input, calls one service or selector, and renders or redirects.

``disbursements``: list, detail, record, edit and the steps; ``evidence``:
upload, private viewing, removal; ``books``: ledger, allocation, audit log.
Access is checked in ``urls.py`` from ``donations.dashboard.permissions``.
"""
