"""Published PDF reports: periods, rendering, the pre-publication check and publishing.

Kept free of imports: ``pdf_worker`` runs in spawned processes that have no Django set up.
"""
