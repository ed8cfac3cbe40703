"""The transparency log's stable public addresses, mounted at ``/transparency/log/`` outside the language prefix.

Outside verifiers hard-code these paths, so they never change and never move
under ``/uk/`` or ``/en/``; the README documents each.
"""

from django.urls import path

from donations.views import log

app_name = "transparency-log"

urlpatterns = [
    path("checkpoint", log.checkpoint, name="checkpoint"),
    path("key", log.verifier_key, name="key"),
    path("entries.jsonl", log.entries, name="entries"),
    path("proof/inclusion", log.inclusion_proof, name="inclusion-proof"),
    path("proof/consistency", log.consistency_proof, name="consistency-proof"),
]
