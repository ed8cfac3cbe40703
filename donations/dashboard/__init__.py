"""The finance volunteers' private workspace, in Oscar's dashboard (mounted at ``/<lang>/dashboard/finance/``).

Disbursements (record, submit, approve, post, evidence, earmarks), the ledger,
proceeds and their allocation, and the audit log. Private fields are shown
here and nowhere else. Every page needs a permission (``permissions.py``);
every change goes through one service function of ``donations``; every read
a page needs is in ``selectors.py``.
"""
