"""Start-up checks: a production ledger must be able to sign, or at least verify, its checkpoints."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from donations.checkpoints import CheckpointError, log_origin, parse_signing_key, parse_vkey


def _setting(name: str) -> str:
    return (getattr(settings, name, "") or "").strip()


@checks.register(checks.Tags.security)
def check_ledger_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without a key nobody can tell the public log was not rewritten: refuse to run so in production.

    A web server that only serves and verifies the log may hold the verifier
    key alone (LEDGER_VERIFIER_KEY); the signing key can live with the process
    that makes checkpoints.
    """
    errors: list[checks.CheckMessage] = []
    signing, verifying = _setting("LEDGER_SIGNING_KEY"), _setting("LEDGER_VERIFIER_KEY")
    if not signing and not verifying and not settings.DEBUG:
        errors.append(
            checks.Error(
                "Neither LEDGER_SIGNING_KEY nor LEDGER_VERIFIER_KEY is set, so the ledger's checkpoints "
                "can be neither signed nor verified.",
                hint="Create a key with `python manage.py ledger_signing_key` and set LEDGER_SIGNING_KEY "
                "where checkpoints are made (LEDGER_VERIFIER_KEY, the public half, is enough elsewhere).",
                id="donations.E001",
            )
        )
    key = vkey = None
    if signing:
        try:
            key = parse_signing_key(signing, default_name=log_origin())
        except CheckpointError as exc:
            errors.append(checks.Error(f"LEDGER_SIGNING_KEY cannot be used: {exc}.", id="donations.E002"))
    if verifying:
        try:
            parse_vkey(verifying)
            vkey = verifying
        except CheckpointError as exc:
            errors.append(checks.Error(f"LEDGER_VERIFIER_KEY cannot be used: {exc}.", id="donations.E003"))
    if key is not None and vkey is not None and key.vkey != vkey:
        errors.append(
            checks.Error(
                "LEDGER_VERIFIER_KEY is not the public half of LEDGER_SIGNING_KEY: checkpoints would not verify.",
                hint=f"The signing key's verifier key is {key.vkey}",
                id="donations.E004",
            )
        )
    return errors
