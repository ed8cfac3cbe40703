"""The stand-in's hosted payment page: plain HTML that no one could mistake for Stripe's.

Stripe's page is where the customer types a card; offline there is no card to
type, so this page only shows what would be charged and offers a test card
that succeeds and one that is declined. The banner is the point: a screenshot
of this page must never pass for a real payment.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from donations.money import currency_exponent
from shop.payments.standin.sessions import StoredSession

BANNER = "TEST STAND-IN — no real payment; this is not Stripe"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f4f4; color: #222; }
.banner { background: #b00020; color: #fff; font-size: 1.6rem; font-weight: bold; text-align: center; padding: 1.2rem; }
main { max-width: 40rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border: 3px dashed #b00020; }
table { width: 100%; border-collapse: collapse; }
td, th { padding: .4rem; border-bottom: 1px solid #ddd; text-align: left; }
.num { text-align: right; } .total td { font-weight: bold; font-size: 1.2rem; }
.error { background: #fde7e9; border: 1px solid #b00020; padding: .8rem; }
button { font-size: 1.1rem; padding: .7rem 1.4rem; margin: 1rem .5rem 0 0; cursor: pointer; }
"""


def format_amount(minor: int, currency: str) -> str:
    """``3500, "eur"`` → ``35.00 EUR``: the amount as the customer reads it."""
    exponent = currency_exponent(currency.upper())
    return f"{Decimal(minor).scaleb(-exponent):.{exponent}f} {currency.upper()}"


def pay_page(session: StoredSession, *, error: str | None = None) -> str:
    obj = session.obj
    currency = obj["currency"]
    rows = "".join(
        f"<tr><td>{escape(item['description'])}</td><td class=num>{item['quantity']}</td>"
        f"<td class=num>{escape(format_amount(item['price']['unit_amount'], currency))}</td>"
        f"<td class=num>{escape(format_amount(item['amount_total'], currency))}</td></tr>"
        for item in session.line_items
    )
    total = escape(format_amount(obj["amount_total"], currency))
    if obj["status"] != "open":
        body = _closed(obj)
    else:
        email = obj["customer_email"]
        email_field = (
            f"<p>Email: <strong>{escape(email)}</strong></p>"
            if email
            else "<p><label>Email <input type=email name=email required autocomplete=email></label></p>"
        )
        cancel = f'<a href="{escape(obj["cancel_url"], quote=True)}">Cancel</a>' if obj.get("cancel_url") else ""
        problem = f"<p class=error role=alert>{escape(error)}</p>" if error else ""
        body = f"""{problem}
<form method=post>
{email_field}
<button type=submit name=card value=visa>Pay (test card) {total}</button>
<button type=submit name=card value=declined>Decline (test card)</button>
{cancel}
</form>"""
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><meta name=robots content=noindex>
<meta name=viewport content="width=device-width, initial-scale=1">
<title>{escape(BANNER)}</title><style>{_STYLE}</style></head>
<body>
<div class=banner role=alert>{escape(BANNER)}</div>
<main>
<p>This page stands in for Stripe Checkout while developing offline. "Pay" confirms a PaymentIntent
in localstripe, a fake Stripe on this machine, and sends the shop a signed
<code>checkout.session.completed</code> webhook. No money moves.</p>
<p>Order {escape(obj.get("client_reference_id") or "")} · session <code>{escape(obj["id"])}</code></p>
<table>
<thead><tr><th>Item</th><th class=num>Qty</th><th class=num>Price</th><th class=num>Amount</th></tr></thead>
<tbody>{rows}</tbody>
<tfoot><tr class=total><td colspan=3>Total</td><td class=num>{total}</td></tr></tfoot>
</table>
{body}
</main>
</body></html>
"""


def _closed(obj: dict[str, Any]) -> str:
    if obj["status"] == "complete":
        target = obj["success_url"].replace("{CHECKOUT_SESSION_ID}", obj["id"])
        return f'<p>This session is paid. <a href="{escape(target, quote=True)}">Back to the shop</a></p>'
    back = obj.get("cancel_url")
    link = f' <a href="{escape(back, quote=True)}">Back to the shop</a>' if back else ""
    return f"<p>This checkout session has expired: nothing was charged.{link}</p>"
