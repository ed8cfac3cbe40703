"""Refund pages in Oscar's dashboard: refund an order (all of it, some items, or an amount), and list refunds.

Staff only (``is_staff``), as the campaign pages: Oscar's partner users, who
may see their partner's orders, cannot give money back. Each view parses the
form and calls one function of ``shop.payments.refunds``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView
from oscar.core.loading import get_model

from donations.money import Money, MoneyError
from shop.payments.models import Refund
from shop.payments.refunds import (
    RefundBalance,
    RefundFailed,
    RefundRefused,
    amount_for_lines,
    refund_balance,
    refund_for_request,
    refund_order,
)

Order = get_model("order", "Order")

staff_only = method_decorator(
    user_passes_test(lambda user: user.is_active and user.is_staff, login_url="customer:login"), name="dispatch"
)


class RefundForm(forms.Form):
    FULL, LINES, AMOUNT = "full", "lines", "amount"

    mode = forms.ChoiceField(
        label=gettext_lazy("Refund"),
        choices=[
            (FULL, gettext_lazy("everything not refunded yet")),
            (LINES, gettext_lazy("the items chosen below")),
            (AMOUNT, gettext_lazy("an amount")),
        ],
        widget=forms.RadioSelect,
        initial=FULL,
    )
    amount = forms.DecimalField(label=gettext_lazy("Amount"), required=False, min_value=Decimal("0.01"))
    stripe_reason = forms.ChoiceField(
        label=gettext_lazy("Reason given to Stripe"),
        choices=[
            ("requested_by_customer", gettext_lazy("Requested by the customer")),
            ("duplicate", gettext_lazy("Duplicate payment")),
            ("fraudulent", gettext_lazy("Fraudulent payment")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Why (kept in the shop, never sent to Stripe)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # One per opening of the form: submitting it twice is one refund (see refund_order).
    request_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def __init__(self, *args: Any, order: Any, balance: RefundBalance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.balance = balance
        self.lines = list(order.lines.all())
        for line in self.lines:
            self.fields[self.line_field(line)] = forms.IntegerField(
                label=line.title, required=False, initial=0, min_value=0,
                max_value=balance.line_quantities.get(line.pk, 0),
            )
        self.refund_amount: Money | None = None
        self.refund_lines: dict[int, int] = {}

    @staticmethod
    def line_field(line: Any) -> str:
        return f"line_{line.pk}"

    def line_rows(self) -> list[tuple[Any, Any, int]]:
        """(line, its quantity field, quantity still refundable), for the template."""
        remaining = self.balance.line_quantities
        return [(line, self[self.line_field(line)], remaining.get(line.pk, 0)) for line in self.lines]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode = data.get("mode")
        if mode == self.FULL:
            self.refund_amount = self.balance.available
            self.refund_lines = {pk: quantity for pk, quantity in self.balance.line_quantities.items() if quantity > 0}
            if self.refund_amount.minor <= 0:
                raise ValidationError(_("Nothing is left to refund on this order."))
        elif mode == self.LINES:
            chosen = {line.pk: data.get(self.line_field(line)) or 0 for line in self.lines}
            self.refund_lines = {pk: quantity for pk, quantity in chosen.items() if quantity}
            if not self.refund_lines:
                raise ValidationError(_("Say how many of which items to refund."))
            self.refund_amount = amount_for_lines(self.order, self.refund_lines, balance=self.balance)
        elif mode == self.AMOUNT:
            if data.get("amount") is None:
                self.add_error("amount", _("Enter the amount to refund."))
            else:
                try:
                    self.refund_amount = Money.from_decimal(data["amount"], self.order.currency)
                except MoneyError:
                    self.add_error("amount", _("Enter an amount in %(currency)s.") % {"currency": self.order.currency})
        return data


@staff_only
class OrderRefundView(View):
    template_name = "payments/dashboard/refund_form.html"

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        order = get_object_or_404(Order, number=number)
        try:
            balance = refund_balance(order)
        except RefundRefused as exc:
            messages.error(request, str(exc))
            return redirect("dashboard:order-detail", number=order.number)
        form = RefundForm(order=order, balance=balance, initial={"request_key": uuid.uuid4().hex})
        return self.render(request, order, form)

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        order = get_object_or_404(Order, number=number)
        request_key = request.POST.get("request_key", "")
        earlier = refund_for_request(request_key)
        if earlier is not None and earlier.is_recorded and earlier.order_id == order.pk:
            messages.info(request, _("This refund was already made: %(amount)s.") % {"amount": earlier.amount})
            return redirect("dashboard:order-detail", number=order.number)
        try:
            balance = refund_balance(order, request_key=request_key)
        except RefundRefused as exc:
            messages.error(request, str(exc))
            return redirect("dashboard:order-detail", number=order.number)
        form = RefundForm(request.POST, order=order, balance=balance)
        if not form.is_valid():
            return self.render(request, order, form)
        try:
            refund = refund_order(
                order,
                amount=form.refund_amount,
                lines=form.refund_lines,
                reason=form.cleaned_data["reason"],
                stripe_reason=form.cleaned_data["stripe_reason"],
                requested_by=request.user,
                request_key=form.cleaned_data["request_key"],
            )
        except RefundRefused as exc:
            form.add_error(None, str(exc))
            return self.render(request, order, form)
        except RefundFailed as exc:
            # The same form, with the same key: sending it again cannot refund twice.
            messages.error(request, _("Not refunded: %(error)s") % {"error": exc})
            return self.render(request, order, form)
        messages.success(
            request, _("Refunded %(amount)s on order %(number)s.") % {"amount": refund.amount, "number": order.number}
        )
        return redirect("dashboard:order-detail", number=order.number)

    def render(self, request: HttpRequest, order: Any, form: RefundForm) -> HttpResponse:
        context = {
            "order": order,
            "form": form,
            "balance": form.balance,
            "refunds": order.refunds.select_related("requested_by"),
            "title": _("Refund order %(number)s") % {"number": order.number},
        }
        return render(request, self.template_name, context)


@staff_only
class RefundListView(ListView):
    template_name = "payments/dashboard/refund_list.html"
    context_object_name = "refunds"
    paginate_by = 50

    def get_queryset(self):
        return Refund.objects.select_related("order", "requested_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(title=_("Refunds"), **kwargs)


app_name = "payments-dashboard"
urlpatterns = [
    path("refunds/", RefundListView.as_view(), name="refund-list"),
    # Outside ATOMIC_REQUESTS' one transaction per request: refund_order must commit the
    # refund and its idempotency key before calling Stripe, and hold no lock during the call.
    path("orders/<str:number>/refund/", transaction.non_atomic_requests(OrderRefundView.as_view()), name="refund"),
]
