"""Open data downloads of the public ledger: CSV, JSON, beancount and IATI 2.03, each at one signed checkpoint.

Every export is a function of a checkpoint and of the public leaves up to its
tree size (plus the chart's account types and, for IATI, the publishing
settings), and of nothing that moves afterwards: no "now", no request, no
host name. So the same checkpoint always gives the same bytes, and anyone can
check a download later (``donations.open_data_verify``). Each file names its
checkpoint inside itself (origin, tree size, root hash in base64 as in the
signed note), because the verification reads it back from the file alone.

Only public leaves are read, and from them only what the leaf says: a case
entry (aid to a person or family) is its salted commitment and nothing more;
aid to people appears through the monthly case aid summaries, whose cells
already passed the disclosure rules. The IATI file is built from
``donations.public_ledger`` figures, never from private rows.

Generation streams: each generator reads the leaves through one server-side
cursor (two passes for the formats that declare their accounts or currencies
first), so a download costs the same few queries at any ledger size.
"""

from __future__ import annotations

import base64
import calendar
import csv
import datetime
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import ROUND_DOWN, Decimal
from xml.etree import ElementTree

from django.conf import settings
from django.utils import translation

from donations import public_ledger, selectors
from donations.allocation import ledger_currency
from donations.case_aid import MEMO_PREFIX
from donations.chart import AID_SPENT_PREFIX
from donations.models import Account, Checkpoint
from donations.money import Money, currency_exponent

KINDS = ("csv", "json", "beancount", "iati")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "beancount": "text/plain; charset=utf-8",
    "iati": "application/xml",
}
EXTENSIONS = {"csv": "csv", "json": "json", "beancount": "beancount", "iati": "xml"}
LINES_PER_CHUNK = 1000
CASE_ENTRY = "case entry (private; summarised monthly)"


# --- The checkpoint an export names -------------------------------------------------


def root_b64(checkpoint: Checkpoint) -> str:
    """The root hash as the signed note writes it (standard base64)."""
    return base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()


def checkpoint_at(size: int | None = None) -> Checkpoint | None:
    """The latest checkpoint, or the latest one signed at tree size ``size``. One query."""
    checkpoints = Checkpoint.objects.only("id", "tree_size", "root_hash", "origin", "note", "created_at")
    if size is not None:
        checkpoints = checkpoints.filter(tree_size=size)
    return checkpoints.order_by("-id").first()


def export_filename(kind: str, checkpoint: Checkpoint) -> str:
    name = "iati" if kind == "iati" else "ledger"
    return f"proceeds-{name}-{checkpoint.tree_size}.{EXTENSIONS[kind]}"


def generate_export(kind: str, checkpoint: Checkpoint) -> Iterator[bytes]:
    """The export ``kind`` (one of ``KINDS``) at ``checkpoint``, as UTF-8 chunks."""
    generators = {"csv": csv_export, "json": json_export, "beancount": beancount_export, "iati": iati_export}
    if kind not in generators:
        raise ValueError(f"Unknown export {kind!r}: one of {', '.join(KINDS)}")
    return _chunked(generators[kind](checkpoint))


def _chunked(lines: Iterable[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == LINES_PER_CHUNK:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def _leaves(checkpoint: Checkpoint) -> Iterator[dict]:
    return public_ledger.public_leaves(start=0, end=checkpoint.tree_size)


def _decimal(minor: int, currency: str) -> str:
    return str(Money(minor, currency).to_decimal())


# --- CSV ------------------------------------------------------------------------------

CSV_COLUMNS = (
    "sequence", "date", "kind", "account", "debit", "credit", "amount_minor", "currency", "reverses",
    "category", "region", "description", "people_helped", "cases", "payee", "order", "commitment",
    "checkpoint_origin", "checkpoint_size", "checkpoint_root",
)
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection, and a
# base64 root starting with "+" would show as an error): such text cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC = frozenset({"sequence", "debit", "credit", "amount_minor", "reverses", "people_helped", "cases",
                      "checkpoint_size"})


def spreadsheet_safe(column: str, value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with ``'`` (the OWASP advice); numbers as they are."""
    if column not in _NUMERIC and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_export(checkpoint: Checkpoint) -> Iterator[str]:
    """One row per public posting, and one per case entry (its commitment, no amounts).

    Where the checkpoint goes: a comment line above the header is not CSV, and
    Excel, Google Sheets, pandas and csvkit would read it as a broken header
    row. So every row ends with ``checkpoint_origin``, ``checkpoint_size`` and
    ``checkpoint_root``: constant columns any spreadsheet loads, that survive sorting, filtering
    and copying rows into another sheet, and that the verification reads back
    (the filename and the ``X-Ledger-Checkpoint`` header say it too, but those
    are lost once the file is saved or renamed). The trailing position keeps
    the columns a reader wants first.

    The file starts with a UTF-8 byte order mark so that Excel reads Cyrillic
    (an organisation's name) correctly; LibreOffice, Google Sheets and pandas
    skip it. Rows end in CRLF (RFC 4180). Debit and credit are decimal strings
    in major units, made from integer minor units (never floats);
    ``amount_minor`` is the signed integer (debit positive), so sums per
    account are exact. ``people_helped`` is on the aid row of an entry only
    (and negative on a reversal's), so a column sum counts each person once.
    A text cell that a spreadsheet would take for a formula (``=``, ``+``,
    ``-``, ``@`` first) starts with an apostrophe, as OWASP advises against
    CSV injection; the JSON and beancount files keep such text verbatim.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    constant = [
        spreadsheet_safe("checkpoint_origin", checkpoint.origin), checkpoint.tree_size,
        spreadsheet_safe("checkpoint_root", root_b64(checkpoint)),
    ]
    people_by_sequence: dict[int, int] = {}

    def row(values: dict) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_safe(column, values.get(column, "")) for column in CSV_COLUMNS[:-3]] + constant)
        return buffer.getvalue()

    yield "\ufeff" + ",".join(CSV_COLUMNS) + "\r\n"
    for leaf in _leaves(checkpoint):
        sequence, kind = leaf["sequence"], leaf["kind"]
        if leaf.get("case"):
            yield row({"sequence": sequence, "kind": kind, "description": CASE_ENTRY,
                       "commitment": leaf["commitment"]})
            continue
        details = leaf.get("details") or {}
        reverses = leaf.get("reverses")
        if kind == "disbursement":
            people_by_sequence[sequence] = int(details.get("people_helped") or 0)
        entry = {
            "sequence": sequence, "date": leaf["date"], "kind": kind, "reverses": reverses or "",
            "region": details.get("region") or "", "description": _csv_description(kind, details),
            "payee": details.get("payee") or "", "order": details.get("order") or "",
        }
        for posting in leaf["postings"]:
            account, amount, currency = posting["account"], posting["amount"], posting["currency"]
            values = dict(entry, account=account, amount_minor=amount, currency=currency)
            values["debit" if amount > 0 else "credit"] = _decimal(abs(amount), currency)
            if account.startswith(AID_SPENT_PREFIX):
                values["category"] = account[len(AID_SPENT_PREFIX):]
                if kind == "disbursement":
                    values["people_helped"] = people_by_sequence[sequence]
                elif reverses in people_by_sequence:
                    values["people_helped"] = -people_by_sequence[reverses]
            elif account.startswith(MEMO_PREFIX):
                category, _, region = account[len(MEMO_PREFIX):].partition(":")
                values.update(
                    category=category, region=region,
                    people_helped=int(details.get(f"people:{category}:{region}") or 0),
                    cases=int(details.get(f"cases:{category}:{region}") or 0),
                )
            yield row(values)


def _csv_description(kind: str, details: dict) -> str:
    if kind == "case_aid_summary":
        period = details.get("from") if details.get("from") == details.get("to") else (
            f"{details.get('from')} to {details.get('to')}"
        )
        return f"case aid summary, {period}"
    return str(details.get("description") or "")


# --- JSON -----------------------------------------------------------------------------


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checkpoint_object(checkpoint: Checkpoint) -> dict:
    return {
        "note": checkpoint.note, "origin": checkpoint.origin, "root_hash": root_b64(checkpoint),
        "tree_size": checkpoint.tree_size,
    }


def json_export(checkpoint: Checkpoint) -> Iterator[str]:
    """``{"checkpoint", "currency_minor_units", "entries"}``, one entry a line, each the leaf verbatim.

    Every entry line (less its trailing comma) is byte for byte the leaf that
    was hashed into the tree, so a reader can recompute each leaf hash and the
    root from this file alone. Keys are sorted and there is no other
    whitespace, so the bytes are canonical. ``currency_minor_units`` covers
    the currencies the entries use (a first pass over the leaves finds them).
    """
    currencies = sorted(
        {posting["currency"] for leaf in _leaves(checkpoint) for posting in leaf.get("postings", ())}
    )
    head = {"checkpoint": checkpoint_object(checkpoint),
            "currency_minor_units": {code: currency_exponent(code) for code in currencies}}
    yield _canonical(head)[:-1] + ',"entries":['
    separator = "\n"
    for text in selectors.public_leaves(start=0, end=checkpoint.tree_size):
        yield separator + text
        separator = ",\n"
    yield "\n]}\n"


# --- Beancount ------------------------------------------------------------------------

_ROOTS = {
    "asset": "Assets", "liability": "Liabilities", "equity": "Equity", "income": "Income", "expense": "Expenses",
}
_WORD = re.compile(r"[0-9A-Za-z]+")


def _component(text: str) -> str:
    """``case-aid`` → ``CaseAid``: ASCII words capitalised; a lossy or empty result gets a short hash."""
    words = _WORD.findall(text)
    name = "".join(word[:1].upper() + word[1:] for word in words)
    if not name or "".join(words).lower() != re.sub(r"[-_ ]", "", text).lower():
        name = (name or "X") + "-" + hashlib.sha256(text.encode()).hexdigest()[:6]
    return name


def beancount_account(code: str, account_type: str | None) -> str:
    """Our code as a beancount account under the root of its type.

    ``stripe-balance`` → ``Assets:StripeBalance``; ``aid-spent:medicine`` →
    ``Expenses:AidSpent:Medicine``. Memorandum accounts (``memo:case-aid:…``)
    go under ``Equity:Memo:…``: beancount has only its five roots, and the
    memorandum postings of a summary net to zero, so under Equity they state
    case aid without changing any balance-sheet or income total.
    """
    if code.startswith("memo:"):
        parts = ["Equity", "Memo", *(_component(part) for part in code[len("memo:"):].split(":"))]
    else:
        root = _ROOTS.get(account_type or "") or (
            "Expenses" if code.startswith(AID_SPENT_PREFIX) else "Equity"
        )
        parts = [root, *(_component(part) for part in code.split(":"))]
    return ":".join(parts)


def beancount_date(public_date: str) -> str:
    """A month-only date (``2025-03``) becomes the month's LAST day: by then it has certainly happened."""
    if len(public_date) == 7:
        year, month = int(public_date[:4]), int(public_date[5:])
        return f"{public_date}-{calendar.monthrange(year, month)[1]:02d}"
    return public_date


def _quote(text: object) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def beancount_export(checkpoint: Checkpoint) -> Iterator[str]:
    """A beancount file that passes ``bean-check``: opens, one transaction per public entry, balances.

    Case entries are comments (their commitment); each account opens on the
    first date it is used; amounts are major units; month-only dates are the
    month's last day; balance assertions the day after the last entry state
    each account's public balance, which is what the postings above sum to.
    """
    first_used: dict[str, str] = {}
    currencies: set[str] = set()
    for leaf in _leaves(checkpoint):
        for posting in leaf.get("postings", ()):
            date = beancount_date(leaf["date"])
            if posting["account"] not in first_used or date < first_used[posting["account"]]:
                first_used[posting["account"]] = date
            currencies.add(posting["currency"])
    types = dict(Account.objects.filter(code__in=first_used).values_list("code", "type"))
    names = {code: beancount_account(code, types.get(code)) for code in sorted(first_used)}

    yield "; Proceeds: the public ledger as a beancount file.\n"
    yield f"; checkpoint-origin: {checkpoint.origin}\n"
    yield f"; checkpoint-tree-size: {checkpoint.tree_size}\n"
    yield f"; checkpoint-root-hash: {root_b64(checkpoint)}\n"
    yield ";\n; The signed checkpoint note:\n"
    yield from (f";   {line}".rstrip() + "\n" for line in checkpoint.note.rstrip("\n").split("\n"))
    yield (
        ";\n; Month-only dates (disbursements, case aid summaries) are shown as the month's last day.\n"
        "; Case entries (aid to a person or family) are comments: only their commitment is public;\n"
        "; their aid appears in the monthly case aid summaries (accounts Equity:Memo:CaseAid:...).\n\n"
    )
    yield f"option \"title\" {_quote(f'Proceeds public ledger at checkpoint {checkpoint.tree_size}')}\n"
    yield from (f'option "operating_currency" "{code}"\n' for code in sorted(currencies))
    yield "\n"
    yield from (f"{first_used[code]} open {names[code]}\n" for code in sorted(first_used, key=names.get))
    balances: dict[tuple[str, str], int] = defaultdict(int)
    last_date = "1970-01-01"
    for leaf in _leaves(checkpoint):
        if leaf.get("case"):
            yield f"\n; #{leaf['sequence']} {leaf['kind']}: {CASE_ENTRY}, commitment {leaf['commitment']}\n"
            continue
        date = beancount_date(leaf["date"])
        last_date = max(last_date, date)
        yield "\n" + _transaction(leaf, date, names)
        for posting in leaf["postings"]:
            balances[(posting["account"], posting["currency"])] += posting["amount"]
    if balances:
        after = (datetime.date.fromisoformat(last_date) + datetime.timedelta(days=1)).isoformat()
        yield "\n; Public balances at this checkpoint.\n"
        for code, currency in sorted(balances, key=lambda key: (names[key[0]], key[1])):
            yield f"{after} balance {names[code]}  {_decimal(balances[(code, currency)], currency)} {currency}\n"


def _transaction(leaf: dict, date: str, names: dict[str, str]) -> str:
    details = leaf.get("details") or {}
    narration = f"{leaf['kind']} #{leaf['sequence']}"
    if leaf.get("reverses"):
        narration += f", reverses #{leaf['reverses']}"
    description = _csv_description(leaf["kind"], details)
    if description:
        narration += f": {description}"
    header = f"{date} * " + (f"{_quote(details['payee'])} " if details.get("payee") else "") + _quote(narration)
    lines = [header, f"  ledger-sequence: {leaf['sequence']}"]
    for key in ("order", "region", "people_helped"):
        if details.get(key) not in (None, ""):
            lines.append(f"  ledger-{key.replace('_', '-')}: {_quote(details[key])}")
    lines.extend(
        f"  {names[posting['account']]}  {_decimal(posting['amount'], posting['currency'])} {posting['currency']}"
        for posting in leaf["postings"]
    )
    return "\n".join(lines) + "\n"


# --- IATI 2.03 ------------------------------------------------------------------------

PROCEEDS_NS = "https://proceeds.territoriesarepeople.example/ns/open-data/1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# DAC 5-digit sectors (IATI Sector vocabulary 1) for our aid categories; the rest is material relief.
SECTORS = {"medicine": "72011", "food": "72040"}
MATERIAL_RELIEF = "72010"
SECTOR_NAMES = {
    "72010": "Material relief assistance and services", "72011": "Basic Health Care Services in Emergencies",
    "72040": "Emergency food assistance",
}
REPORTING_ORG_TYPE = "22"  # IATI OrganisationType: national NGO (a volunteer campaign)
BUYERS = "Merchandise buyers and donors (aggregated)"
SUPPLIERS = "Suppliers of aid goods and services, and aid to people (aggregated)"


def iati_export(checkpoint: Checkpoint) -> Iterator[str]:
    """One IATI 2.03 activity per campaign year, transactions aggregated by month.

    Built from ``public_ledger`` figures at the checkpoint, with the
    publication delay counted from the day the checkpoint was signed (not from
    today), so the file never changes for its checkpoint.

    The checkpoint is named twice: ``generated-datetime`` is when it was
    signed, and a ``proceeds:checkpoint`` element in our own namespace, which
    the schema allows after the activities (``xsd:any namespace="##other"``),
    carries origin, tree size, root hash and the signed note itself, so a
    reader can check the signature without us. A ``document-link`` was the
    alternative, but it needs an absolute URL, and the file must not depend on
    the host it was downloaded from. Each activity's description says it too,
    for people reading the file in an IATI viewer.
    """
    signed_at = checkpoint.created_at.astimezone(datetime.UTC).replace(microsecond=0)
    currency = ledger_currency()
    state = public_ledger.folded_state(checkpoint.tree_size, checkpoint.root_hash)
    today = signed_at.date()
    years = sorted({month[:4] for month in state["months"].get(currency, {})}) or [str(today.year)]
    ElementTree.register_namespace("proceeds", PROCEEDS_NS)
    root = ElementTree.Element("iati-activities", {"version": "2.03", "generated-datetime": signed_at.isoformat()})
    for year in years:
        figures = public_ledger.figures_from_state(
            state, checkpoint=checkpoint, currency=currency, today=today,
            period=public_ledger.Period(f"{year}-01", f"{year}-12"),
        )
        root.append(_activity(figures, year=year, signed_at=signed_at, checkpoint=checkpoint))
    ElementTree.SubElement(root, f"{{{PROCEEDS_NS}}}checkpoint", {
        "origin": checkpoint.origin, "tree-size": str(checkpoint.tree_size), "root-hash": root_b64(checkpoint),
    }).text = checkpoint.note
    ElementTree.indent(root)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield ElementTree.tostring(root, encoding="unicode") + "\n"


def _narrative(parent: ElementTree.Element, tag: str, text: str, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, attributes)
    ElementTree.SubElement(element, "narrative").text = text
    return element


def _organisation_name() -> str:
    with translation.override("en"):
        return str(settings.OSCAR_SHOP_NAME)


def _activity(
    figures: public_ledger.PublicFigures, *, year: str, signed_at: datetime.datetime, checkpoint: Checkpoint,
) -> ElementTree.Element:
    org_ref = settings.IATI_ORGANISATION_REF
    activity = ElementTree.Element("iati-activity", {
        "last-updated-datetime": signed_at.isoformat(), XML_LANG: "en", "default-currency": figures.currency,
        "humanitarian": "1",
    })
    ElementTree.SubElement(activity, "iati-identifier").text = f"{org_ref}-PROCEEDS-{year}"
    _narrative(activity, "reporting-org", _organisation_name(), ref=org_ref, type=REPORTING_ORG_TYPE)
    _narrative(activity, "title", f"Proceeds: humanitarian aid funded by merchandise sales and donations, {year}")
    _narrative(activity, "description", (
        "Net proceeds of the campaign's merchandise sales and donations, and the humanitarian aid they paid for, "
        "aggregated by month. Aid to people is published only in aggregated monthly cells, after a delay. "
        f"Figures from the public ledger at signed checkpoint {checkpoint.origin}, tree size "
        f"{checkpoint.tree_size}, root hash {root_b64(checkpoint)}."
    ), type="1")
    _narrative(activity, "participating-org", BUYERS, role="1")
    _narrative(activity, "participating-org", _organisation_name(), role="4", ref=org_ref, type=REPORTING_ORG_TYPE)
    months = [row.month for row in figures.months]
    year_closed = year < signed_at.strftime("%Y")
    ElementTree.SubElement(activity, "activity-status", code="4" if year_closed else "2")
    first = f"{months[0]}-01" if months else f"{year}-01-01"
    ElementTree.SubElement(activity, "activity-date", type="2", **{"iso-date": first})
    if year_closed and months:
        ElementTree.SubElement(activity, "activity-date", type="4", **{"iso-date": beancount_date(months[-1])})
    ElementTree.SubElement(activity, "recipient-country", code="UA", percentage="100")
    for code, percentage in _sector_shares(figures):
        _narrative(activity, "sector", SECTOR_NAMES[code], vocabulary="1", code=code, percentage=percentage)
    partner_by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in figures.lines:
        if line.payee:
            partner_by_month[line.month][line.payee] += line.amount.minor
    for row in figures.months:
        day = beancount_date(row.month)
        if row.net_proceeds.minor:
            _transaction_element(activity, "1", day, row.net_proceeds, provider=BUYERS,
                                 description=f"Net proceeds of merchandise sales and donations, {row.month}")
        partners = partner_by_month.get(row.month, {})
        spent = row.aid_disbursed.minor - sum(partners.values())
        if spent:
            _transaction_element(activity, "4", day, Money(spent, figures.currency), receiver=SUPPLIERS,
                                 description=f"Aid bought and aid to people (aggregated), {row.month}")
        for payee, amount in sorted(partners.items()):
            _transaction_element(activity, "3", day, Money(amount, figures.currency), receiver=payee,
                                 description=f"Aid passed to a partner organisation, {row.month}")
    return activity


def _transaction_element(
    activity: ElementTree.Element, code: str, day: str, amount: Money, *, description: str,
    provider: str | None = None, receiver: str | None = None,
) -> None:
    transaction = ElementTree.SubElement(activity, "transaction")
    ElementTree.SubElement(transaction, "transaction-type", code=code)
    ElementTree.SubElement(transaction, "transaction-date", **{"iso-date": day})
    ElementTree.SubElement(
        transaction, "value", currency=amount.currency, **{"value-date": day}
    ).text = str(amount.to_decimal())
    _narrative(transaction, "description", description)
    if provider:
        _narrative(transaction, "provider-org", provider)
    if receiver:
        _narrative(transaction, "receiver-org", receiver)


def _sector_shares(figures: public_ledger.PublicFigures) -> list[tuple[str, str]]:
    """Percentages per DAC sector of the year's aid, to two decimals, summing to exactly 100."""
    amounts: dict[str, int] = defaultdict(int)
    for category, amount, _people in figures.aid_by("category"):
        amounts[SECTORS.get(category, MATERIAL_RELIEF)] += amount.minor
    amounts = {code: value for code, value in amounts.items() if value > 0}
    total = sum(amounts.values())
    if not total:
        return [(MATERIAL_RELIEF, "100")]
    # Largest remainder on hundredths of a percent: rounding each share alone may not add up to 100.
    hundredths = {code: Decimal(value * 10_000) / total for code, value in amounts.items()}
    floors = {code: int(share.to_integral_value(rounding=ROUND_DOWN)) for code, share in hundredths.items()}
    short = 10_000 - sum(floors.values())
    for code in sorted(hundredths, key=lambda code: (floors[code] - hundredths[code], code))[:short]:
        floors[code] += 1
    return [(code, format(Decimal(floors[code]).scaleb(-2).normalize(), "f")) for code in sorted(floors)]
