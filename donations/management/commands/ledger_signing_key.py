"""Print a new Ed25519 signing key for the ledger's checkpoints, and its public verifier key."""

from django.core.management.base import BaseCommand

from donations.checkpoints import encode_signing_key, generate_signing_key, log_origin


class Command(BaseCommand):
    help = "Generate a checkpoint signing key (LEDGER_SIGNING_KEY) and print it with its verifier key."

    def add_arguments(self, parser):
        parser.add_argument("--name", help="Key name (default: LEDGER_LOG_ORIGIN).")

    def handle(self, *args, name=None, **options):
        key = generate_signing_key(name or log_origin())
        self.stdout.write(f"LEDGER_SIGNING_KEY={encode_signing_key(key)}")
        self.stdout.write(f"LEDGER_VERIFIER_KEY={key.vkey}")
        self.stderr.write("Keep the signing key secret; the verifier key is public.")
