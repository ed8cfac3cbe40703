"""Signed checkpoints of the public log, in the C2SP tlog-checkpoint signed-note format.

A checkpoint is the note body ``<origin>\\n<tree size>\\n<base64 root>\\n``,
a blank line, and one signature line ``— <key name> <base64(key hash ||
Ed25519 signature)>``. The key hash is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key); the public key is published
as ``<name>+<hex key hash>+<base64(0x01 || public key)>`` (a "vkey"), so any
signed-note or transparency-log tool can check our checkpoints.

The signing key comes from ``settings.LEDGER_SIGNING_KEY``, read at call time:
either a ``PRIVATE+KEY+<name>+<hex hash>+<base64(0x01 || seed)>`` string, as
``note.GenerateKey`` in golang.org/x/mod writes it, or the base64 of a bare
32-byte Ed25519 seed (then the key is named after the log origin). The key can
live off the web server: only the process that calls ``make_checkpoint`` needs
it; elsewhere ``settings.LEDGER_VERIFIER_KEY`` (the vkey) is enough to verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import transaction

from donations.ledger import lock_log, tree_head
from donations.models import Checkpoint

DEFAULT_LOG_ORIGIN = "proceeds.territoriesarepeople.example/ledger"
ED25519_ALGORITHM = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # An em dash and a space open every signature line.
# Development only: a key anyone can derive, named so that no verifier mistakes it.
DEVELOPMENT_KEY_NAME_PREFIX = "INSECURE-DEVELOPMENT-KEY/"
_DEVELOPMENT_SEED = hashlib.sha256(b"Proceeds: insecure development ledger signing key, never for production").digest()


class CheckpointError(ValueError):
    """A key, note or checkpoint that is malformed or does not verify."""


@dataclass(frozen=True)
class SigningKey:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        return verifier_key(self.name, self.public_key)

    @property
    def is_development(self) -> bool:
        return self.name.startswith(DEVELOPMENT_KEY_NAME_PREFIX)


@dataclass(frozen=True)
class TreeHead:
    origin: str
    size: int
    root: bytes


def log_origin() -> str:
    return getattr(settings, "LEDGER_LOG_ORIGIN", "") or DEFAULT_LOG_ORIGIN


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(char.isspace() for char in name):
        raise CheckpointError(f"A key name must be non-empty, without spaces or '+', not {name!r}")


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALGORITHM + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    _check_key_name(name)
    encoded = base64.b64encode(ED25519_ALGORITHM + public_key).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def encode_signing_key(key: SigningKey) -> str:
    """The ``PRIVATE+KEY+…`` form of a key, for LEDGER_SIGNING_KEY."""
    seed = key.private_key.private_bytes_raw()
    return f"PRIVATE+KEY+{key.name}+{key.key_hash.hex()}+{base64.b64encode(ED25519_ALGORITHM + seed).decode()}"


def generate_signing_key(name: str) -> SigningKey:
    _check_key_name(name)
    return SigningKey(name=name, private_key=Ed25519PrivateKey.from_private_bytes(secrets.token_bytes(32)))


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"{what} is not valid base64") from exc


def parse_signing_key(value: str, *, default_name: str) -> SigningKey:
    """Read LEDGER_SIGNING_KEY: a ``PRIVATE+KEY+…`` string or a base64 32-byte seed."""
    value = value.strip()
    if value.startswith("PRIVATE+KEY+"):
        parts = value.split("+", 4)  # Base64 may itself contain '+'.
        if len(parts) != 5:
            raise CheckpointError("A PRIVATE+KEY string has five '+'-separated parts")
        _, _, name, hash_hex, encoded = parts
        raw = _b64decode(encoded, "The key")
        if len(raw) != 33 or raw[:1] != ED25519_ALGORITHM:
            raise CheckpointError("Only Ed25519 keys (algorithm 0x01, 32-byte seed) are supported")
        key = SigningKey(name=name, private_key=Ed25519PrivateKey.from_private_bytes(raw[1:]))
        _check_key_name(name)
        if key.key_hash.hex() != hash_hex.lower():
            raise CheckpointError("The key hash in the PRIVATE+KEY string does not match its key")
        return key
    seed = _b64decode(value, "LEDGER_SIGNING_KEY")
    if len(seed) != 32:
        raise CheckpointError("LEDGER_SIGNING_KEY must be a PRIVATE+KEY string or the base64 of a 32-byte seed")
    _check_key_name(default_name)
    return SigningKey(name=default_name, private_key=Ed25519PrivateKey.from_private_bytes(seed))


def development_key() -> SigningKey:
    return SigningKey(
        name=DEVELOPMENT_KEY_NAME_PREFIX + log_origin(),
        private_key=Ed25519PrivateKey.from_private_bytes(_DEVELOPMENT_SEED),
    )


def current_vkey() -> str:
    """The verifier key of the log: LEDGER_VERIFIER_KEY, or derived from the signing key.

    A server that only serves and verifies the log needs the public half alone;
    the private key can stay with whatever process signs checkpoints.
    """
    configured = (getattr(settings, "LEDGER_VERIFIER_KEY", "") or "").strip()
    if configured:
        parse_vkey(configured)
        return configured
    return signing_key().vkey


def signing_key() -> SigningKey:
    """The configured key; in DEBUG without one, the labelled development key."""
    configured = getattr(settings, "LEDGER_SIGNING_KEY", "") or ""
    if configured.strip():
        return parse_signing_key(configured, default_name=log_origin())
    if settings.DEBUG:
        return development_key()
    raise CheckpointError("LEDGER_SIGNING_KEY is not set: checkpoints cannot be signed (see donations.E001)")


# --- Notes ------------------------------------------------------------------


def checkpoint_body(*, origin: str, size: int, root: bytes) -> str:
    if not origin or "\n" in origin:
        raise CheckpointError("The origin is one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(body: str, key: SigningKey) -> str:
    if not body.endswith("\n"):
        raise CheckpointError("A note's text ends with a newline")
    signature = key.private_key.sign(body.encode())
    return f"{body}\n{SIGNATURE_PREFIX}{key.name} {base64.b64encode(key.key_hash + signature).decode()}\n"


def parse_vkey(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    parts = vkey.strip().split("+", 2)  # Base64 may itself contain '+'.
    if len(parts) != 3:
        raise CheckpointError("A verifier key is <name>+<hex key hash>+<base64 key>")
    name, hash_hex, encoded = parts
    raw = _b64decode(encoded, "The verifier key")
    if len(raw) != 33 or raw[:1] != ED25519_ALGORITHM:
        raise CheckpointError("Only Ed25519 verifier keys are supported")
    if key_hash(name, raw[1:]).hex() != hash_hex.lower():
        raise CheckpointError("The verifier key's hash does not match its name and key")
    return name, bytes.fromhex(hash_hex), Ed25519PublicKey.from_public_bytes(raw[1:])


def verify_note(note: str, vkey: str) -> str:
    """Return the note's text if one of its signatures is by ``vkey`` and valid; raise otherwise."""
    name, expected_hash, public_key = parse_vkey(vkey)
    body, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise CheckpointError("A signed note is its text, a blank line, then signature lines")
    body += "\n"
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError(f"Not a signature line: {line!r}")
        signer, _, encoded = line[len(SIGNATURE_PREFIX):].rpartition(" ")
        if signer != name:
            continue
        raw = _b64decode(encoded, "A signature")
        if len(raw) != 4 + 64 or raw[:4] != expected_hash:
            continue
        try:
            public_key.verify(raw[4:], body.encode())
        except InvalidSignature as exc:
            raise CheckpointError(f"The signature by {name} does not verify") from exc
        return body
    raise CheckpointError(f"The note carries no signature by {name}")


def parse_checkpoint(body: str) -> TreeHead:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise CheckpointError("A checkpoint is origin, tree size and root hash, one a line")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"Not a tree size: {size_text!r}")
    root = _b64decode(root_text, "The root hash")
    if len(root) != 32:
        raise CheckpointError("The root hash is 32 bytes")
    return TreeHead(origin=origin, size=int(size_text), root=root)


def verify_checkpoint(note: str, vkey: str, *, origin: str | None = None) -> TreeHead:
    """Check a checkpoint's signature (and origin, when given) and return the tree head it signs."""
    head = parse_checkpoint(verify_note(note, vkey))
    if origin is not None and head.origin != origin:
        raise CheckpointError(f"The checkpoint is for {head.origin!r}, not {origin!r}")
    return head


def can_sign() -> bool:
    """Whether this process holds a signing key (or may use the development one)."""
    return bool((getattr(settings, "LEDGER_SIGNING_KEY", "") or "").strip()) or settings.DEBUG


def make_checkpoint() -> Checkpoint:
    """Sign the current tree head and keep it; an unchanged head signed by the same key is not signed again.

    Holds the log's lock while it reads the head and stores the note, so
    checkpoints are stored in the order the tree grew: two processes signing
    at once can never store a smaller tree after a larger one.
    """
    key = signing_key()
    origin = log_origin()
    with transaction.atomic():
        lock_log()
        size, root = tree_head()
        latest = Checkpoint.objects.order_by("-id").first()
        if (
            latest is not None and latest.tree_size == size and latest.root_hash == root.hex()
            and latest.key_name == key.name and latest.origin == origin
        ):
            return latest
        note = sign_note(checkpoint_body(origin=origin, size=size, root=root), key)
        return Checkpoint.objects.create(
            tree_size=size, root_hash=root.hex(), origin=origin, key_name=key.name, note=note
        )


def checkpoint_after_posting() -> None:
    """After a transaction that posted entries commits: sign the new tree head, when this process can.

    A batch (a webhook, a disbursement, a command's run) gets one checkpoint,
    made once its entries are durable. Where the key lives off the web
    server, ``manage.py make_checkpoint`` run by the key holder does it instead.
    """
    if getattr(settings, "LEDGER_AUTO_CHECKPOINT", True) and can_sign():
        make_checkpoint()


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-id").first()
