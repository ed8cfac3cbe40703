"""Six months of a campaign in the books, so the transparency pages and the finance workspace have data to show.

``seed_demo`` calls ``load_demo_ledger``: about 150 paid orders (T-shirts,
hoodies, stickers, gifts alone and beside merch) with Stripe's fees, a few
refunds, and about 25 disbursements in hryvnias, euros, dollars and złoty, of
every aid category, of which three await approval, one is a draft and one was
rejected. Everything goes through the services the live shop uses: Oscar's
``OrderCreator`` from a basket priced by the shop's strategy, the payment
records fulfilment writes, ``post_proceeds_for_order``, ``refund_recorded``,
and record → submit → approve → post by two finance users, so the books, the
allocation of proceeds and the audit log are what they would be for real.

Deterministic: one ``random.Random(SEED)`` draws everything, in one order, and
dates count back from ``today``. Loaded once: the ledger is append-only, so
a second run finds the demo orders and adds nothing. Disbursements never
spend more than the proceeds not yet allocated, less a reserve that keeps
later refunds covered. Every person is invented and labelled so; the cities
are real, the streets are not.

Development only (DEBUG): it creates finance users with a well-known password.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from donations import allocation, disbursements
from donations.case_aid import publish_case_aid_summaries
from donations.checkpoints import make_checkpoint
from donations.models import JournalEntry
from donations.money import Money, round_to_minor
from shop.campaign.demo import DEMO_PRODUCTS, DEMO_STAFF_PASSWORD, SOLD_OUT_UPC
from shop.campaign.reference_data import DONATION_UPC
from shop.donation import DONATION_AMOUNT_OPTION_CODE
from shop.partner.strategy import CampaignStrategy
from shop.payments import refunds
from shop.payments.impact import impact_link_for, impact_url
from shop.payments.models import PaymentAttempt, Refund
from shop.payments.proceeds import post_proceeds_for_order

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
Option = get_model("catalogue", "Option")
Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
PaymentEventType = get_model("order", "PaymentEventType")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")

SEED = 20250224
ORDER_PREFIX = "DEMO-"
HISTORY_DAYS = 182
ORDER_COUNT = 150
POSTED_DISBURSEMENTS = 40
# Kept unallocated after every disbursement (ledger minor units), so a later refund is always covered.
RESERVE_MINOR = 15000

VOLUNTEER_EMAIL = "finance-volunteer@example.org"
APPROVER_EMAIL = "finance-approver@example.org"
VOLUNTEER_GROUP, APPROVER_GROUP = "Finance volunteers", "Finance approvers"
VOLUNTEER_PERMISSIONS = ("add_disbursement", "change_disbursement", "view_disbursement")
APPROVER_PERMISSIONS = (
    *VOLUNTEER_PERMISSIONS,
    "approve_disbursement",
    "post_disbursement",
    "view_disbursement_evidence",
)

KIND_WEIGHTS = {"tshirt": 40, "hoodie": 18, "sticker-pack": 22, "tote-bag": 10, "poster": 10}
GIFTS = ("5.00", "10.00", "10.00", "15.00", "20.00", "25.00", "25.00", "30.00", "50.00", "50.00", "100.00", "200.00")
# country: (weight, city, postcode, Stripe's card fee in basis points, language mostly spoken)
DESTINATIONS = {
    "UA": (30, "Київ", "01001", 325, "uk"),
    "DE": (20, "Berlin", "10117", 150, "en"),
    "PL": (12, "Warszawa", "00-001", 150, "uk"),
    "FR": (6, "Paris", "75001", 150, "en"),
    "NL": (5, "Amsterdam", "1011 AB", 150, "en"),
    "CZ": (4, "Praha", "110 00", 150, "uk"),
    "LT": (3, "Vilnius", "01100", 150, "en"),
    "IT": (3, "Milano", "20121", 150, "en"),
    "GB": (6, "London", "SW1A 1AA", 250, "en"),
    "US": (7, "New York", "10001", 325, "en"),
    "CA": (4, "Toronto", "M5H 2N2", 325, "en"),
}
STRIPE_FIXED_FEE_MINOR = 25

# Units of each currency per euro around the time of the demo (NBU and ECB reference rates move within these).
EURO_QUOTES = {
    "EUR": (Decimal(1), Decimal(1)),
    "UAH": (Decimal("44.60"), Decimal("46.90")),
    "USD": (Decimal("1.05"), Decimal("1.17")),
    "PLN": (Decimal("4.17"), Decimal("4.33")),
}
RATE_SOURCES = {"UAH": "NBU official rate", "USD": "ECB euro reference rate", "PLN": "ECB euro reference rate"}
CURRENCY_WEIGHTS = {"UAH": 50, "EUR": 20, "USD": 15, "PLN": 15}


@dataclass(frozen=True)
class AidKind:
    """A kind of aid the demo buys: who is paid, whether it is a case, how many it helps, where."""

    category: str
    descriptions: tuple[str, ...]
    payee: str  # "{n}": the disbursement's number, so each invented family is another
    payee_is_organisation: bool
    payee_public: bool
    concerns_case: bool
    people: tuple[int, int]
    regions: tuple[str, ...]


CASE_REGIONS = ("occupied", "occupied", "occupied", "kherson", "zaporizhzhia", "donetsk", "luhansk")
HUB_REGIONS = ("kharkiv", "dnipropetrovsk", "mykolaiv", "zaporizhzhia", "kherson", "odesa", "sumy")
FAMILY = "Demo Family {n} (fictional)"
_CASE = {"payee_public": False, "concerns_case": True, "regions": CASE_REGIONS}
_PURCHASE = {"payee_is_organisation": True, "concerns_case": False, "regions": HUB_REGIONS}
AID_KINDS = (
    AidKind(
        "evacuation",
        ("evacuation-from-occupied", "evacuation-transport"),
        "Demo Evacuation Carrier (fictional)",
        payee_is_organisation=True,
        people=(1, 5),
        **_CASE,
    ),
    AidKind("medicine", ("medicines",), FAMILY, payee_is_organisation=False, people=(1, 3), **_CASE),
    AidKind(
        "medicine",
        ("medical-supplies", "medicines"),
        "Apteka Demo Co-op (fictional)",
        payee_public=True,
        people=(20, 120),
        **_PURCHASE,
    ),
    AidKind(
        "food", ("food-packages",), "Sample Food Bank (fictional)", payee_public=True, people=(30, 150), **_PURCHASE
    ),
    AidKind(
        "hygiene",
        ("hygiene-kits",),
        "Example Hygiene Supplies (fictional)",
        payee_public=True,
        people=(25, 100),
        **_PURCHASE,
    ),
    AidKind(
        "shelter",
        ("temporary-housing", "essential-home-repairs"),
        FAMILY,
        payee_is_organisation=False,
        people=(2, 6),
        **_CASE,
    ),
    AidKind(
        "transport",
        ("transport-and-fuel",),
        "Demo Fuel Station No. 3 (fictional)",
        payee_public=False,
        people=(5, 40),
        **_PURCHASE,
    ),
    AidKind("other", ("humanitarian-aid",), FAMILY, payee_is_organisation=False, people=(1, 4), **_CASE),
)
REJECTION_REASON = "Demo: the receipt is for another amount than the one entered; record it again with the invoice."


@dataclass
class OrderPlan:
    number: str
    placed_at: datetime.datetime
    country: str
    language: str
    merch: list[tuple[str, int]] = field(default_factory=list)  # (UPC, quantity)
    gift: str | None = None
    fee_arrives_later: bool = False


@dataclass(frozen=True)
class FinanceTeam:
    volunteer: Any
    approver: Any


def load_demo_ledger(*, today: datetime.date) -> dict[str, int]:
    """Place, refund and spend six months of demo proceeds up to ``today``; nothing if they are already there.

    Needs the demo catalogue (``load_demo_catalogue``) and the chart of accounts.
    A ``today`` later than the real date is taken as the real date: nothing is dated in the future.
    """
    if not settings.DEBUG:
        raise RuntimeError("The demo ledger is for development only: it refuses to load with DEBUG off.")
    today = min(today, timezone.localdate())
    team = ensure_finance_team()
    if Order.objects.filter(number__startswith=ORDER_PREFIX).exists():
        return {}
    rng = random.Random(SEED)
    start = today - datetime.timedelta(days=HISTORY_DAYS)
    plans = _plan_orders(rng, start, today)
    refund_plans = _plan_refunds(rng, plans, today)
    disbursement_days = _plan_disbursement_days(rng, start, today)
    kinds = _aid_kinds(rng, len(disbursement_days))
    currencies = _currencies(rng, len(disbursement_days))

    created: Counter[str] = Counter()
    entries_before = JournalEntry.objects.count()
    shop = _Shop()
    events = [(plan.placed_at, 0, plan) for plan in plans]
    events += [(at, 1, (number, share, reason)) for number, at, share, reason in refund_plans]
    events += [(_noon(day), 2, index) for index, day in enumerate(disbursement_days)]
    orders: dict[str, Any] = {}
    for at, kind, payload in sorted(events, key=lambda event: (event[0], event[1])):
        if kind == 0:
            orders[payload.number] = _place_order(shop, payload)
            created["demo orders"] += 1
        elif kind == 1:
            number, share, reason = payload
            created["demo refunds"] += _refund(orders[number], share, reason, at=at)
        else:
            day = disbursement_days[payload]
            created["demo disbursements"] += _post_disbursement(
                rng, team, kinds[payload], currencies[payload], day, number=payload + 1
            )
    created["demo disbursements"] += _pending_disbursements(rng, team, today)
    # Aid to people reaches the public only as monthly summaries past the delay, as the daily cron does it.
    created["case aid summaries"] = len(publish_case_aid_summaries(today=today))
    make_checkpoint()
    created["ledger entries"] = JournalEntry.objects.count() - entries_before
    return dict(created)


def demo_impact_url(language: str = "en") -> str | None:
    """The impact page of the first demo order, the one most likely to have funded aid already."""
    order = Order.objects.filter(number__startswith=ORDER_PREFIX).order_by("number").first()
    return impact_url(order, language) if order is not None else None


def ensure_finance_team() -> FinanceTeam:
    """The demo's finance volunteer and approver (staff, the demo password), in the finance groups if they exist."""
    return FinanceTeam(
        volunteer=_ensure_user(VOLUNTEER_EMAIL, "Volunteer", VOLUNTEER_GROUP, VOLUNTEER_PERMISSIONS),
        approver=_ensure_user(APPROVER_EMAIL, "Approver", APPROVER_GROUP, APPROVER_PERMISSIONS),
    )


def _ensure_user(email: str, role: str, group_name: str, codenames: tuple[str, ...]) -> Any:
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        user = user_model(username=email, email=email, first_name="Demo", last_name=f"{role} (fictional)")
    user.is_staff = True
    user.is_active = True
    user.set_password(DEMO_STAFF_PASSWORD)
    user.save()
    group = Group.objects.filter(name=group_name).first()
    if group is not None:
        user.groups.add(group)
    else:  # before donations 0007 made the groups: the same permissions, granted directly
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="donations", codename__in=codenames)
        )
    return user_model.objects.get(pk=user.pk)  # fresh: permissions are cached per instance


# --- Planning (random draws only, no database) -------------------------------------------------


def _plan_orders(rng: random.Random, start: datetime.date, today: datetime.date) -> list[OrderPlan]:
    """Orders over the months, busier in the launch weeks; numbered in the order they were placed."""
    variants = _variants_by_kind()
    countries = list(DESTINATIONS)
    weights = [DESTINATIONS[code][0] for code in countries]
    drafts = []
    for _ in range(ORDER_COUNT):
        launch = rng.random() < 0.3
        offset = rng.randint(1, 21) if launch else rng.randint(1, HISTORY_DAYS - 1)
        day = start + datetime.timedelta(days=offset)
        at = datetime.datetime.combine(day, datetime.time(rng.randint(7, 23), rng.randint(0, 59)))
        country = rng.choices(countries, weights)[0]
        language = DESTINATIONS[country][4] if rng.random() < 0.75 else rng.choice(("uk", "en"))
        plan = OrderPlan(number="", placed_at=timezone.make_aware(at), country=country, language=language)
        mix = rng.random()
        if mix < 0.40:
            plan.gift = rng.choice(GIFTS)
        if mix >= 0.25:
            kinds = rng.choices(
                list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()), k=rng.choices((1, 2, 3), (65, 28, 7))[0]
            )
            for kind in dict.fromkeys(kinds):
                quantity = rng.randint(1, 3) if kind == "sticker-pack" else (2 if rng.random() < 0.1 else 1)
                plan.merch.append((rng.choice(variants[kind]), quantity))
        plan.fee_arrives_later = rng.random() < 0.03
        drafts.append(plan)
    drafts.sort(key=lambda plan: plan.placed_at)
    for index, plan in enumerate(drafts, start=1):
        plan.number = f"{ORDER_PREFIX}{10000 + index}"
    return [plan for plan in drafts if plan.placed_at.date() < today]


def _variants_by_kind() -> dict[str, list[str]]:
    variants: dict[str, list[str]] = {kind: [] for kind in KIND_WEIGHTS}
    for item in DEMO_PRODUCTS:
        if "colours" in item:
            upcs = [f"{item['upc']}-{colour.upper()}-{size}" for colour in item["colours"] for size in item["sizes"]]
            variants[item["kind"]] += [upc for upc in upcs if upc != SOLD_OUT_UPC]
        else:
            variants[item["kind"]].append(item["upc"])
    return variants


def _plan_refunds(
    rng: random.Random, plans: list[OrderPlan], today: datetime.date
) -> list[tuple[str, datetime.datetime, str, str]]:
    """Five refunds of merch orders, a few days to two weeks after the order: three whole, two of one line."""
    reasons = (
        "Demo: parcel lost by the post; the supporter asked for the money back.",
        "Demo: wrong size sent and none left to exchange it for.",
        "Demo: the supporter paid twice by mistake.",
        "Demo: a print flaw on the T-shirt.",
        "Demo: ordered the hoodie as a gift too late for the date.",
    )
    candidates = [plan for plan in plans if plan.merch and plan.placed_at.date() < today - datetime.timedelta(days=20)]
    chosen = rng.sample(candidates, k=min(5, len(candidates)))
    refunds_planned = []
    for index, plan in enumerate(sorted(chosen, key=lambda plan: plan.placed_at)):
        at = plan.placed_at + datetime.timedelta(days=rng.randint(3, 15), hours=rng.randint(1, 9))
        share = "line" if index in (1, 3) and (len(plan.merch) > 1 or plan.gift) else "whole"
        refunds_planned.append((plan.number, at, share, reasons[index]))
    return refunds_planned


def _plan_disbursement_days(rng: random.Random, start: datetime.date, today: datetime.date) -> list[datetime.date]:
    """Roughly evenly from the fourth week to a week ago: the aid is bought as proceeds come in."""
    first, last = start + datetime.timedelta(days=24), today - datetime.timedelta(days=7)
    span = max((last - first).days, 1)
    return sorted(
        min(first + datetime.timedelta(days=span * index // POSTED_DISBURSEMENTS + rng.randint(0, 5)), last)
        for index in range(POSTED_DISBURSEMENTS)
    )


def _aid_kinds(rng: random.Random, count: int) -> list[AidKind]:
    """Every kind at least once (so every category shows), then any."""
    kinds = list(AID_KINDS)
    rng.shuffle(kinds)
    return (kinds + rng.choices(AID_KINDS, k=max(count - len(kinds), 0)))[:count]


def _currencies(rng: random.Random, count: int) -> list[str]:
    currencies = list(CURRENCY_WEIGHTS)
    rng.shuffle(currencies)
    return (currencies + rng.choices(list(CURRENCY_WEIGHTS), list(CURRENCY_WEIGHTS.values()), k=count))[:count]


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 30)))


# --- Orders ----------------------------------------------------------------------------------------


class DemoOrderCreator(OrderCreator):
    """Oscar's order creator without stock allocation: these orders shipped long ago.

    The demo catalogue's stock levels are today's, after these orders; were
    they allocated again, the shop would show most variants sold out.
    """

    def update_stock_records(self, line: Any) -> None:
        return None


class _Shop:
    """What every demo order needs, read once."""

    def __init__(self) -> None:
        self.products = {product.upc: product for product in Product.objects.filter(upc__isnull=False)}
        self.donation = self.products[DONATION_UPC]
        self.option = Option.objects.get(code=DONATION_AMOUNT_OPTION_CODE)
        self.countries = {country.pk: country for country in Country.objects.filter(pk__in=list(DESTINATIONS))}
        self.paid, _ = PaymentEventType.objects.get_or_create(code="paid", defaults={"name": "Paid"})
        self.stripe, _ = SourceType.objects.get_or_create(code="stripe", defaults={"name": "Stripe"})


def _place_order(shop: _Shop, plan: OrderPlan) -> Any:
    basket = Basket.objects.create()
    basket.strategy = CampaignStrategy()
    for upc, quantity in plan.merch:
        basket.add_product(shop.products[upc], quantity)
    if plan.gift:
        basket.add_product(shop.donation, 1, [{"option": shop.option, "value": plan.gift}])
    address = None
    if basket.is_shipping_required():
        _weight, city, postcode, _fee, _language = DESTINATIONS[plan.country]
        number = plan.number.removeprefix(ORDER_PREFIX)
        address = ShippingAddress(
            first_name="Demo",
            last_name=f"Supporter {number} (fictional)",
            line1=f"{number} Example Street",
            line4=city,
            postcode=postcode,
            country=shop.countries[plan.country],
        )
    method = Repository().get_shipping_methods(basket, shipping_addr=address)[0]
    shipping = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, shipping)
    if address is not None:
        address.save()
    email = f"supporter-{plan.number.lower()}@example.org"
    order = DemoOrderCreator().place_order(
        basket=basket,
        total=total,
        shipping_method=method,
        shipping_charge=shipping,
        shipping_address=address,
        order_number=plan.number,
        guest_email=email,
        date_placed=plan.placed_at,
    )
    basket.submit()
    total_minor = Money.from_decimal(total.incl_tax, total.currency).minor
    fee = _stripe_fee(total_minor, DESTINATIONS[plan.country][3])
    attempt = PaymentAttempt.objects.create(
        order_number=plan.number,
        basket=basket,
        email=email,
        currency=total.currency,
        total_minor=total_minor,
        shipping_minor=Money.from_decimal(shipping.incl_tax, total.currency).minor,
        language=plan.language,
        shipping_address=_address_fields(address),
        shipping_method_code=method.code,
        idempotency_key=f"demo-{plan.number}",
        stripe_session_id=f"cs_demo_{plan.number}",
        payment_intent_id=f"pi_demo_{plan.number}",
        status=PaymentAttempt.Status.PAID,
        order=order,
        **({} if plan.fee_arrives_later else _fee_fields(fee, total_minor, total.currency)),
    )
    _record_payment(shop, order, attempt)
    post_proceeds_for_order(order)
    if plan.fee_arrives_later:  # Stripe said its fee after the payment: the books post it as an adjustment
        PaymentAttempt.objects.filter(pk=attempt.pk).update(**_fee_fields(fee, total_minor, total.currency))
        post_proceeds_for_order(order)
    impact_link_for(order)
    return order


def _stripe_fee(total_minor: int, basis_points: int) -> int:
    percent = (Decimal(total_minor) * basis_points / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(percent) + STRIPE_FIXED_FEE_MINOR


def _fee_fields(fee: int, total_minor: int, currency: str) -> dict[str, Any]:
    return {"fee_minor": fee, "net_minor": total_minor - fee, "fee_currency": currency}


def _address_fields(address: Any) -> dict[str, str]:
    if address is None:
        return {}
    fields = ("first_name", "last_name", "line1", "line4", "postcode", "phone_number")
    return {**{name: str(getattr(address, name) or "") for name in fields}, "country": address.country_id}


def _record_payment(shop: _Shop, order: Any, attempt: PaymentAttempt) -> None:
    """The payment records fulfilment writes for a Checkout payment, dated when the order was paid."""
    amount = order.total_incl_tax
    reference = attempt.payment_intent_id
    source = Source.objects.create(
        order=order,
        source_type=shop.stripe,
        currency=order.currency,
        amount_allocated=amount,
        amount_debited=amount,
        reference=reference,
        label="Card (Stripe Checkout)",
    )
    Transaction.objects.create(
        source=source, txn_type=Transaction.DEBIT, amount=amount, reference=reference, status="succeeded"
    )
    event = PaymentEvent.objects.create(order=order, amount=amount, reference=reference, event_type=shop.paid)
    PaymentEvent.objects.filter(pk=event.pk).update(date_created=order.date_placed)
    PaymentEventQuantity.objects.bulk_create(
        PaymentEventQuantity(event=event, line=line, quantity=line.quantity) for line in order.lines.all()
    )


def _refund(order: Any, share: str, reason: str, *, at: datetime.datetime) -> int:
    """A refund made in Stripe's dashboard and recorded as ``record_refund_from_stripe`` records one, dated ``at``.

    Skipped (0) if the unallocated proceeds could not cover what it takes back:
    the demo never leaves the aid fund overdrawn.
    """
    lines = list(order.lines.order_by("pk"))
    if share == "line":
        refunded_lines = {lines[0].pk: lines[0].quantity}
        amount = Money.from_decimal(lines[0].line_price_incl_tax, order.currency)
    else:
        refunded_lines = {line.pk: line.quantity for line in lines}
        amount = Money.from_decimal(order.total_incl_tax, order.currency)
    if allocation.unallocated_balance(order.currency).minor < amount.minor:
        return 0
    source = Source.objects.select_for_update(of=("self",)).get(order=order, source_type__code="stripe")
    refund = Refund.objects.create(
        order=order,
        origin=Refund.Origin.STRIPE,
        status=Refund.Status.SUCCEEDED,
        currency=amount.currency,
        amount_minor=amount.minor,
        line_quantities={str(pk): quantity for pk, quantity in refunded_lines.items()},
        reason=reason,
        stripe_event_id=f"evt_demo_refund_{order.number}",
    )
    event_type, _ = PaymentEventType.objects.get_or_create(code=refunds.EVENT_TYPE_CODE, defaults={"name": "Refunded"})
    reference = f"ch_demo_{order.number}"
    event = PaymentEvent.objects.create(
        order=order, amount=amount.to_decimal(), reference=reference, event_type=event_type
    )
    PaymentEvent.objects.filter(pk=event.pk).update(date_created=at)
    PaymentEventQuantity.objects.bulk_create(
        PaymentEventQuantity(event=event, line_id=pk, quantity=quantity) for pk, quantity in refunded_lines.items()
    )
    source.refund(amount.to_decimal(), reference=reference, status="succeeded")
    refund.payment_event = event
    refund.recorded_at = at  # refund_recorded dates the ledger entry by it
    refund.save()
    refunds.refund_recorded(refund)
    return 1


# --- Disbursements -------------------------------------------------------------------------------


def _post_disbursement(
    rng: random.Random, team: FinanceTeam, kind: AidKind, currency: str, day: datetime.date, *, number: int
) -> int:
    """Record, submit, approve and post one disbursement of part of what is unallocated; 0 if too little is."""
    ledger_code = allocation.ledger_currency()
    spendable = allocation.unallocated_balance(ledger_code).minor - RESERVE_MINOR
    if spendable < 3000:
        return 0
    target = min(int(spendable * rng.uniform(0.3, 0.6)), rng.randint(35000, 65000))
    values = _disbursement_values(rng, kind, currency, day, target, number=number)
    if values is None:
        return 0
    disbursement = disbursements.record_disbursement(recorded_by=team.volunteer, **values)
    disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    return 1


def _pending_disbursements(rng: random.Random, team: FinanceTeam, today: datetime.date) -> int:
    """Three submitted and awaiting approval, one draft, one rejected: each could be posted from what is left."""
    ledger_code = allocation.ledger_currency()
    spendable = allocation.unallocated_balance(ledger_code).minor - RESERVE_MINOR
    made = 0
    for index, state in enumerate(("submitted", "submitted", "submitted", "draft", "rejected")):
        kind = rng.choice(AID_KINDS)
        currency = rng.choice(list(CURRENCY_WEIGHTS))
        day = today - datetime.timedelta(days=rng.randint(1, 12))
        target = int(max(spendable, 0) * rng.uniform(0.15, 0.3))
        values = _disbursement_values(rng, kind, currency, day, target, number=POSTED_DISBURSEMENTS + index + 1)
        if values is None:
            continue
        disbursement = disbursements.record_disbursement(recorded_by=team.volunteer, **values)
        if state != "draft":
            disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
        if state == "rejected":
            disbursements.reject_disbursement(disbursement=disbursement, by=team.approver, reason=REJECTION_REASON)
        made += 1
    return made


def _disbursement_values(
    rng: random.Random, kind: AidKind, currency: str, day: datetime.date, target_minor: int, *, number: int
) -> dict[str, Any] | None:
    """A volunteer's input for about ``target_minor`` of the ledger currency, paid in ``currency``."""
    ledger_code = allocation.ledger_currency()
    if currency not in EURO_QUOTES or ledger_code not in EURO_QUOTES:
        currency = ledger_code
    rate = Decimal(1)
    rate_fields: dict[str, Any] = {}
    if currency != ledger_code:
        quote = _euro_quote(rng, currency)
        rate = (_euro_quote(rng, ledger_code) / quote).quantize(Decimal("1e-10"))
        rate_fields = {
            "exchange_rate": str(rate),
            "rate_date": day,
            "rate_source": f"{RATE_SOURCES.get(currency, 'ECB euro reference rate')} ({quote} {currency} per EUR)",
        }
    paid = Money(target_minor, ledger_code).to_decimal() / rate
    paid = paid.quantize(Decimal(1) if currency == "UAH" else Decimal("0.01"), rounding=ROUND_DOWN)
    if round_to_minor(paid * rate, ledger_code).minor <= 0:
        return None
    payee = kind.payee.format(n=number)
    return {
        "paid_on": day,
        "amount": str(paid),
        "currency": currency,
        **rate_fields,
        "category": kind.category,
        "public_description": rng.choice(kind.descriptions),
        "region": rng.choice(kind.regions),
        "people_helped": rng.randint(*kind.people),
        "concerns_case": kind.concerns_case,
        "payee_name": payee,
        "payee_is_organisation": kind.payee_is_organisation,
        "payee_public": kind.payee_public,
        "notes": f"Demo note for disbursement {number}: invented, no real person or place.",
        "case_reference": f"DEMO-CASE-{number:03d}" if kind.concerns_case else "",
    }


def _euro_quote(rng: random.Random, currency: str) -> Decimal:
    low, high = EURO_QUOTES[currency]
    if low == high:
        return low
    return (low + (high - low) * Decimal(str(rng.random()))).quantize(Decimal("0.0001"))
