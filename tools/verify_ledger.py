#!/usr/bin/env python3
"""Check the Proceeds public ledger from its public downloads alone, without trusting the server.

    python3 verify_ledger.py https://shop.example.org/transparency/log/
    python3 verify_ledger.py https://shop.example.org/transparency/log/ --key KEY \\
        --previous last.checkpoint --save last.checkpoint --download-to ./ledger-2026-11/
    python3 verify_ledger.py ./ledger-2026-11/          # offline: checkpoint, key, entries.jsonl

What it checks, and prints where it breaks:

1. the checkpoint (C2SP tlog-checkpoint signed note) carries a valid Ed25519
   signature by the verifier key (C2SP signed-note ``vkey``). Pin the key you
   trust with ``--key`` (the string, or a file holding it): a key fetched from
   the same server only proves the server agrees with itself;
2. every line of ``entries.jsonl`` is a leaf: canonical JSON (sorted keys, no
   spaces, UTF-8) whose ``sequence`` is its line number, and a case entry
   shows nothing but its salted commitment;
3. the RFC 6962 Merkle root of the first *size* leaves is the signed root. If
   it is not, and a log URL was given, the log's inclusion proofs (each
   checked against the signed root) pin down the first altered line;
4. with ``--previous``, an older checkpoint you saved: it is signed by the
   same key, the log has not shrunk, the old prefix still hashes to the old
   root, and (from a URL) the log's consistency proof verifies.

Memory: the file is read line by line; 32 bytes a leaf are kept (32 MB for a
million) so that a broken root can be traced to its line. A million entries
take about 20 s.

Exit status: 0 when everything verifies, 1 when something does not (each
problem on a ``FAIL`` line), 2 when it could not run (arguments, network).

Dependencies: the Python standard library (3.10 or later) and nothing else.
The Ed25519 check uses the ``cryptography`` package when it is importable, and
otherwise the pure-Python verification of RFC 8032 §6 below (slower, but only
one or two signatures are checked); ``--ed25519`` chooses. This file imports
nothing from the Proceeds project, so it can be handed out on its own: the
RFC 6962 hashing (about 20 lines) and the proof checks of RFC 9162 §2.1.3.2
and §2.1.4.2 are deliberately duplicated from the project's
``donations/merkle.py``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import operator
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from itertools import accumulate

USER_AGENT = "proceeds-verify-ledger/1"
TIMEOUT = 120  # seconds per request
CASE_LEAF_KEYS = {"case", "commitment", "kind", "sequence"}
SIGNATURE_PREFIX = "\u2014 "  # An em dash and a space open every signature line of a signed note.
MAX_LINE_PROBLEMS = 20


class Broken(Exception):  # noqa: N818 -- names the state of the log, as the FAIL lines do
    """Something does not verify; the message says where."""


class CannotRun(Exception):  # noqa: N818
    """Bad arguments, a missing file, an unreachable server: nothing was verified."""


# --- Untrusted JSON (duplicated from donations/json_limits.py) ----------------
# json.loads recurses once per nested array or object: a line of 100,000 "[" would end
# this script with a RecursionError traceback instead of a FAIL line. The nesting is
# measured first, without recursion (strings removed, then a running sum of brackets).

MAX_JSON_DEPTH = 64  # the log's leaves nest a few levels
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPEN_AS_2_CLOSE_AS_0 = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_depth(data: bytes) -> int:
    """How deep arrays and objects nest in ``data``; brackets inside strings do not count."""
    if json.detect_encoding(data) not in ("utf-8", "utf-8-sig"):
        data = data.decode(json.detect_encoding(data), "surrogatepass").encode("utf-8", "surrogatepass")
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS).translate(_OPEN_AS_2_CLOSE_AS_0)
    return max(map(operator.sub, accumulate(brackets), range(1, len(brackets) + 1)), default=0)


def loads_limited(data: bytes):
    """json.loads for what a server sent: any failure, too deep included, is a ValueError."""
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nests {depth} levels deep, more than the {MAX_JSON_DEPTH} this script reads")
    return json.loads(data)


# --- RFC 6962 hashing (duplicated from donations/merkle.py) ------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Add a leaf to the roots of the perfect subtrees of a tree of ``size`` leaves (largest first)."""
    node = leaf
    while size & 1:
        node = node_hash(frontier.pop(), node)
        size >>= 1
    frontier.append(node)
    return frontier


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    node = frontier[-1]
    for left in reversed(frontier[:-1]):
        node = node_hash(left, node)
    return node


def range_root(hashes: bytes | bytearray, start: int, end: int) -> bytes:
    """MTH of leaves [start, end), from leaf hashes packed 32 bytes each; an odd last node moves up."""
    level = [bytes(hashes[i * 32:(i + 1) * 32]) for i in range(start, end)]
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose roots form the audit path of ``index`` (RFC 6962 §2.1.1), from the leaf up."""
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return ranges[::-1]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# --- Ed25519 verification: `cryptography`, or RFC 8032 §6 in pure Python ----

_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _point_add(a: tuple, b: tuple) -> tuple:
    e1 = (a[1] - a[0]) * (b[1] - b[0]) % _P
    e2 = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = e2 - e1, d - c, d + c, e2 + e1
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _point_mul(s: int, point: tuple) -> tuple:
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
        s >>= 1
    return result


def _point_equal(a: tuple, b: tuple) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _point_decompress(data: bytes) -> tuple | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_G_Y = 4 * pow(5, _P - 2, _P) % _P
_G_X = _recover_x(_G_Y, 0)
_G = (_G_X, _G_Y, 1, _G_X * _G_Y % _P)


def ed25519_verify_pure(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 §6 reference verification: [s]B = R + [SHA-512(R || A || M)]A."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _point_decompress(public_key)
    r = _point_decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _Q
    return _point_equal(_point_mul(s, _G), _point_add(r, _point_mul(h, a)))


def ed25519_verify_cryptography(public_key: bytes, message: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def ed25519_verifier(choice: str) -> tuple[str, Callable[[bytes, bytes, bytes], bool]]:
    if choice in ("auto", "cryptography"):
        try:
            import cryptography.hazmat.primitives.asymmetric.ed25519  # noqa: F401
        except ImportError:
            if choice == "cryptography":
                raise CannotRun("--ed25519 cryptography: the cryptography package is not importable") from None
        else:
            return "cryptography", ed25519_verify_cryptography
    return "pure Python (RFC 8032)", ed25519_verify_pure


# --- Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) ---------


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Broken(f"{what} is not valid base64") from None


class PublicBooks:
    """What the leaves promise about each other: each entry balances, and case aid is summarised once.

    A plain entry's postings sum to zero in each currency. A monthly case aid
    summary (kind ``case_aid_summary``) names in ``details.covers`` the case
    entries it states; each must be an earlier case leaf, and none may be
    stated twice. The amounts inside case commitments stay private: only the
    campaign's own ``manage.py verify_ledger`` can add those up.
    """

    def __init__(self) -> None:
        self.cases: set[int] = set()
        self.covered: set[int] = set()

    def add(self, leaf: dict, number: int) -> str | None:
        """Take the next well-formed leaf (already parsed); the problem it shows, if any."""
        if leaf.get("case") is True:
            self.cases.add(number)
            return None
        totals: dict[str, int] = {}
        for posting in leaf.get("postings") or []:
            amount = posting.get("amount")
            if not isinstance(amount, int) or isinstance(amount, bool):
                return "has a posting whose amount is not a whole number of minor units"
            totals[posting.get("currency")] = totals.get(posting.get("currency"), 0) + amount
        unbalanced = sorted(str(currency) for currency, total in totals.items() if total)
        if unbalanced:
            return f"does not balance in {', '.join(unbalanced)}"
        if leaf.get("kind") == "case_aid_summary":
            return self._summary(leaf)
        return None

    def _summary(self, leaf: dict) -> str | None:
        covers = str((leaf.get("details") or {}).get("covers") or "")
        try:
            sequences = [int(part) for part in covers.split(",") if part]
        except ValueError:
            return "is a case aid summary whose covers list is not sequence numbers"
        unknown = [n for n in sequences if n not in self.cases]
        twice = [n for n in sequences if n in self.covered]
        self.covered.update(sequences)
        if unknown:
            return f"is a case aid summary covering entries that are not earlier case entries: {unknown[:5]}"
        if twice:
            return f"is a case aid summary covering case entries already summarised: {twice[:5]}"
        return None


class VerifierKey:
    def __init__(self, vkey: str) -> None:
        self.text = vkey.strip()
        parts = self.text.split("+", 2)
        if len(parts) != 3 or not parts[0]:
            raise Broken(f"the key {self.text!r} is not a signed-note verifier key <name>+<hex hash>+<base64 key>")
        self.name, hash_hex, encoded = parts
        raw = _b64(encoded, "the verifier key")
        if len(raw) != 33 or raw[0] != 1:
            raise Broken("the verifier key is not an Ed25519 key (algorithm byte 0x01 and 32 bytes)")
        self.public_key = raw[1:]
        self.key_hash = hashlib.sha256(self.name.encode() + b"\n" + raw).digest()[:4]
        if self.key_hash.hex() != hash_hex.lower():
            raise Broken("the verifier key's hash does not match its name and key")


class Checkpoint:
    def __init__(self, note: str, key: VerifierKey, verify: Callable[[bytes, bytes, bytes], bool], what: str) -> None:
        self.note = note
        text, separator, signatures = note.rpartition("\n\n")
        if not separator or not signatures.endswith("\n"):
            raise Broken(f"{what} is not a signed note (its text, a blank line, then signature lines)")
        self.text = text + "\n"
        found = False
        for line in signatures[:-1].split("\n"):
            if not line.startswith(SIGNATURE_PREFIX):
                raise Broken(f"{what} has a line that is not a signature: {line!r}")
            name, _, encoded = line[len(SIGNATURE_PREFIX):].rpartition(" ")
            if name != key.name:
                continue
            raw = _b64(encoded, f"{what}'s signature")
            if len(raw) != 68 or raw[:4] != key.key_hash:
                continue
            found = True
            if not verify(key.public_key, self.text.encode(), raw[4:]):
                raise Broken(f"{what}: the signature by {key.name} does not verify: the note was altered or forged")
            break
        if not found:
            raise Broken(f"{what} carries no signature by the key {key.name}+{key.key_hash.hex()}")
        lines = self.text.split("\n")
        if len(lines) < 4:
            raise Broken(f"{what} does not have an origin, a tree size and a root hash, one a line")
        self.origin, size_text, root_text = lines[:3]
        if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise Broken(f"{what}: {size_text!r} is not a tree size")
        self.size = int(size_text)
        self.root = _b64(root_text, f"{what}'s root hash")
        if len(self.root) != 32:
            raise Broken(f"{what}'s root hash is not 32 bytes")


def show(value: bytes) -> str:
    return base64.b64encode(value).decode()


# --- Where the files come from -----------------------------------------------


class Source:
    """A directory holding ``checkpoint``, ``key`` and ``entries.jsonl``."""

    url: str | None = None

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def path(self, name: str) -> str:
        return os.path.join(self.directory, name)

    def text(self, name: str) -> str | None:
        try:
            with open(self.path(name), encoding="utf-8", newline="") as file:
                return file.read()
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            raise Broken(f"{name} is not UTF-8 text") from None

    def fetch_entries(self, size: int) -> str:
        if not os.path.exists(self.path("entries.jsonl")):
            raise CannotRun(f"{self.path('entries.jsonl')} does not exist")
        return self.path("entries.jsonl")


class WebSource(Source):
    """The log's public addresses; downloads land in a directory, kept with ``--download-to``."""

    def __init__(self, url: str, directory: str) -> None:
        super().__init__(directory)
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise CannotRun(f"{url!r} is neither a directory nor an http(s) URL")
        self.url = url if url.endswith("/") else url + "/"

    def _open(self, name: str, *, missing_ok: bool = False):
        # The scheme is http(s): __init__ refuses any other, such as file:.
        url = urllib.parse.urljoin(self.url, name)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT)  # noqa: S310
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace").strip()
            if missing_ok and exc.code == 404:
                return None
            raise CannotRun(f"{request.full_url} answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise CannotRun(f"could not reach {request.full_url}: {exc}") from None

    def _download(self, name: str, query: str = "", *, missing_ok: bool = False) -> str | None:
        response = self._open(name + query, missing_ok=missing_ok)
        if response is None:
            return None
        with response, open(self.path(name), "wb") as file:
            shutil.copyfileobj(response, file, 1 << 16)
        return self.path(name)

    def text(self, name: str) -> str | None:
        if self._download(name, missing_ok=True) is None:
            return None
        return super().text(name)

    def fetch_entries(self, size: int) -> str:
        return self._download("entries.jsonl", f"?start=0&end={size}")

    def proof(self, kind: str, query: str) -> dict:
        with self._open(f"proof/{kind}?{query}") as response:
            try:
                return loads_limited(response.read())
            except ValueError as exc:
                raise Broken(f"the log's {kind} proof ({query}) is not JSON that can be read: {exc}") from None


# --- The checks -----------------------------------------------------------------


class Verification:
    def __init__(self, source: Source, *, key: VerifierKey, verify: Callable, out=sys.stdout) -> None:
        self.source = source
        self.key = key
        self.verify = verify
        self.out = out
        self.failures = 0

    def say(self, message: str) -> None:
        print(message, file=self.out)

    def fail(self, message: str) -> None:
        self.failures += 1
        self.say(f"FAIL {message}")

    def checkpoint(self, note: str | None, what: str) -> Checkpoint | None:
        if note is None:
            self.fail(f"{what}: there is none (the log has not signed a tree head yet)")
            return None
        try:
            return Checkpoint(note, self.key, self.verify, what)
        except Broken as exc:
            self.fail(str(exc))
            return None

    def leaves(self, path: str, size: int, previous_size: int | None) -> tuple[int, bytes, bytes | None, bytearray]:
        """Check every line and hash it: (lines, root of the first ``size``, root at ``previous_size``, hashes)."""
        hashes = bytearray()
        frontier: list[bytes] = []
        count = 0
        root_at_size = EMPTY_ROOT if size == 0 else None
        root_at_previous = EMPTY_ROOT if previous_size == 0 else None
        problems = 0
        books = PublicBooks()
        with open(path, "rb") as file:
            for raw in file:  # Binary lines split on b"\n" only: a leaf may hold U+2028.
                count += 1
                where = f"entries.jsonl line {count} (entry #{count})"
                if not raw.endswith(b"\n"):
                    problems += 1
                    self.fail(f"{where} has no newline at its end: the download was cut short")
                line = raw[:-1] if raw.endswith(b"\n") else raw
                problem, leaf = self._line_problem(line, count)
                if problem is None:
                    problem = books.add(leaf, count)
                if problem is not None:
                    problems += 1
                    if problems <= MAX_LINE_PROBLEMS:
                        self.fail(f"{where}: {problem}")
                digest = leaf_hash(line)
                hashes += digest
                frontier_append(frontier, count - 1, digest)
                if count == size:
                    root_at_size = frontier_root(frontier)
                if count == previous_size:
                    root_at_previous = frontier_root(frontier)
        if problems > MAX_LINE_PROBLEMS:
            self.fail(f"… and {problems - MAX_LINE_PROBLEMS} more lines with problems")
        return count, root_at_size, root_at_previous, hashes

    @staticmethod
    def _line_problem(line: bytes, number: int) -> tuple[str | None, dict | None]:
        """What is wrong with one line, if anything, and the leaf it holds (parsed once, for ``PublicBooks``)."""
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return "is not UTF-8", None
        if (depth := json_depth(line)) > MAX_JSON_DEPTH:
            return f"nests {depth} levels deep: not a leaf of this log (and too deep to parse safely)", None
        try:
            leaf = json.loads(line.decode("utf-8"))
        except ValueError:
            return "is not valid JSON", None
        if not isinstance(leaf, dict):
            return "is not a JSON object", None
        canonical = json.dumps(leaf, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        if canonical != line:
            return "is not canonical JSON (sorted keys, no spaces, UTF-8 unescaped), so its hash is ambiguous", None
        if leaf.get("sequence") != number:
            return f"says sequence {leaf.get('sequence')!r}: line n must be entry #n, none missing or repeated", None
        if leaf.get("case") is True and set(leaf) != CASE_LEAF_KEYS:
            extra = ", ".join(sorted(set(leaf) - CASE_LEAF_KEYS)) or "a missing field"
            return f"is a case entry that shows more than its commitment: {extra}", None
        return None, leaf

    def locate(self, hashes: bytearray, size: int, signed_root: bytes) -> None:
        """Find the first line whose leaf is not the signed one, with inclusion proofs checked against the root."""
        lo = 0
        for _ in range(128):
            data = self.source.proof("inclusion", f"index={lo}&size={size}")
            try:
                served = _b64(data["leaf_hash"], "a proof's leaf hash")
                path = [_b64(node, "a proof node") for node in data["proof"]]
            except (KeyError, TypeError) as exc:
                raise Broken(f"the log's inclusion proof for entry #{lo + 1} is malformed: {exc}") from None
            if not verify_inclusion(served, lo, size, path, signed_root):
                self.fail(f"the log's inclusion proof for entry #{lo + 1} does not lead to the signed root: "
                          "the log's stored hashes disagree with its own checkpoint")
                return
            ours = bytes(hashes[lo * 32:(lo + 1) * 32])
            if ours != served:
                self.fail(f"entry #{lo + 1} (entries.jsonl line {lo + 1}) is not the leaf that was signed: it hashes "
                          f"to {show(ours)}, the signed tree holds {show(served)} at index {lo}")
                return
            for (start, end), node in zip(inclusion_ranges(lo, size), path, strict=True):
                if start > lo and range_root(hashes, start, end) != node:
                    lo = start  # The first altered leaf is inside this subtree; the leaves before it are proved.
                    break
            else:
                self.fail("every entry matches its inclusion proof, yet the root differs: the proofs are inconsistent")
                return

    def run(self, *, previous_note: str | None, origin: str | None) -> Checkpoint | None:
        note = self.source.text("checkpoint")
        if note is None and not isinstance(self.source, WebSource):
            raise CannotRun(f"{self.source.path('checkpoint')} does not exist")
        head = self.checkpoint(note, "the checkpoint")
        if head is None:
            return None
        if origin is not None and head.origin != origin:
            self.fail(f"the checkpoint is for the log {head.origin!r}, not {origin!r}")
        self.say(f"checkpoint: {head.origin}, {head.size} entries, root {show(head.root)}, signed by {self.key.name}")

        previous = None
        if previous_note is not None:
            previous = self.checkpoint(previous_note, "the previous checkpoint")
            if previous is not None and previous.origin != head.origin:
                self.fail(f"the previous checkpoint is for {previous.origin!r}, this one for {head.origin!r}")
                previous = None
            if previous is not None and previous.size > head.size:
                self.fail(f"the log shrank: the previous checkpoint signed {previous.size} entries, "
                          f"this one only {head.size}")
                previous = None

        count, root, previous_root, hashes = self.leaves(
            self.source.fetch_entries(head.size), head.size, previous.size if previous else None
        )
        if count < head.size:
            self.fail(f"entries.jsonl has {count} entries, but the checkpoint signs {head.size}: entries are missing")
        elif root != head.root:
            self.fail(f"the first {head.size} entries of entries.jsonl hash to {show(root)}, but the checkpoint "
                      f"signs {show(head.root)}: an entry was altered, inserted or removed")
            if previous is not None and previous_root == previous.root:
                self.say(f"     entries #1–#{previous.size} still match the previous checkpoint: the change is "
                         f"among entries #{previous.size + 1}–#{head.size}")
            if isinstance(self.source, WebSource):
                self.locate(hashes, head.size, head.root)
            else:
                self.say("     (verify against the log's URL to find the entry: its inclusion proofs locate it)")
        else:
            self.say(f"entries: the {head.size} signed entries hash to the signed root")
        if count > head.size:
            newer = count - head.size
            self.say(f"entries: {newer} more {'entry is' if newer == 1 else 'entries are'} newer than the checkpoint "
                     "(not yet signed)")

        if previous is not None:
            self.check_previous(previous, previous_root, head)
        return head

    def check_previous(self, previous: Checkpoint, previous_root: bytes | None, head: Checkpoint) -> None:
        if previous_root is not None and previous_root != previous.root:
            self.fail(f"entries #1–#{previous.size} no longer hash to the root of the previous checkpoint: "
                      "the log was rewritten since then")
        if isinstance(self.source, WebSource):
            data = self.source.proof("consistency", f"old={previous.size}&new={head.size}")
            try:
                proof = [_b64(node, "a proof node") for node in data["proof"]]
            except (KeyError, TypeError):
                raise Broken("the log's consistency proof is malformed") from None
            if not verify_consistency(previous.size, head.size, previous.root, head.root, proof):
                self.fail(f"the log's consistency proof from {previous.size} to {head.size} entries does not "
                          "verify: this checkpoint does not extend the previous one")
                return
            self.say(f"previous checkpoint: the log's consistency proof from {previous.size} to {head.size} "
                     "entries verifies")
        if previous_root == previous.root:
            self.say(f"previous checkpoint: entries #1–#{previous.size} still hash to its root")


def _read_key(value: str) -> str:
    if os.path.isfile(value):
        with open(value, encoding="utf-8") as file:
            return file.read()
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="the log's base URL (…/transparency/log/) or a directory of downloaded files")
    parser.add_argument("--key", help="the verifier key you trust (vkey string or a file holding it)")
    parser.add_argument("--origin", help="the log origin the checkpoint must name")
    parser.add_argument("--previous", help="a checkpoint saved earlier: check the log only grew since")
    parser.add_argument("--save", help="after a clean run, save the checkpoint here (for --previous next time)")
    parser.add_argument("--download-to", help="keep the downloaded files in this directory (URL only)")
    parser.add_argument("--ed25519", choices=("auto", "cryptography", "pure"), default="auto",
                        help="signature check: cryptography when importable (auto), or pure Python")
    args = parser.parse_args(argv)

    scratch = None
    try:
        implementation, verify = ed25519_verifier(args.ed25519)
        if os.path.isdir(args.source):
            source: Source = Source(args.source)
        else:
            directory = args.download_to or (scratch := tempfile.mkdtemp(prefix="proceeds-ledger-"))
            os.makedirs(directory, exist_ok=True)
            source = WebSource(args.source, directory)
        previous_note = None
        if args.previous:
            try:
                with open(args.previous, encoding="utf-8", newline="") as file:
                    previous_note = file.read()
            except OSError as exc:
                raise CannotRun(f"cannot read the previous checkpoint: {exc}") from None

        published = source.text("key")
        if args.key:
            key = VerifierKey(_read_key(args.key))
            if published is not None and published.strip() != key.text:
                print(f"FAIL the log publishes the key {published.strip()!r}, not the pinned key {key.text!r}")
                return 1
            print(f"key: {key.text} (pinned)")
        elif published is None:
            raise CannotRun("no verifier key: the source has none, and --key was not given")
        else:
            key = VerifierKey(published)
            print(f"key: {key.text} (as published by the log; pin it with --key to rely on it)")
        print(f"signature check: {implementation}")

        verification = Verification(source, key=key, verify=verify)
        head = verification.run(previous_note=previous_note, origin=args.origin)
        if verification.failures:
            print(f"BROKEN: {verification.failures} problem(s); the log does not verify")
            return 1
        if args.save and head is not None:
            with open(args.save, "w", encoding="utf-8", newline="") as file:
                file.write(head.note)
            print(f"saved the checkpoint to {args.save}")
        print(f"OK: {head.size} entries verified against the signed checkpoint of {head.origin}")
        return 0
    except Broken as exc:
        print(f"FAIL {exc}")
        print("BROKEN: the log does not verify")
        return 1
    except CannotRun as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
