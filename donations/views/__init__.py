"""Public views of the ledger. ``log``: the transparency log's machine-readable addresses."""
