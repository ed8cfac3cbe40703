"""The finance workspace's disbursement filters, shared by the list page and the CSV export.

One parser for both, so the export always holds exactly the rows the list
showed with the same query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from donations.models import AidCategory, Disbursement, DisbursementImport, Region
from donations.money import MoneyError, normalise_currency


class DisbursementFilterForm(forms.Form):
    """The query parameters: ``status``, ``category`` (code), ``region``, ``currency``, ``paid_from``, ``paid_to``."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Disbursement.Status.choices]
    )
    category = forms.ModelChoiceField(
        label=_("Aid category"),
        required=False,
        queryset=AidCategory.objects.all(),
        to_field_name="code",
        empty_label=_("Any category"),
    )
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("Any region")), *Region.choices])
    currency = forms.CharField(label=_("Currency paid"), required=False, max_length=3)
    paid_from = forms.DateField(
        label=_("Paid on or after"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    paid_to = forms.DateField(
        label=_("Paid on or before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Those one spreadsheet import recorded: the link on the import's page.
    imported = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"]
        if not currency:
            return ""
        try:
            return normalise_currency(currency)
        except MoneyError:
            raise forms.ValidationError(_("Unknown currency: use an ISO 4217 code such as UAH or EUR.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("paid_from") and data.get("paid_to") and data["paid_from"] > data["paid_to"]:
            self.add_error("paid_to", _("The end date is before the start date."))
        return data


def filter_disbursements(queryset: QuerySet[Disbursement], params: Mapping[str, Any]) -> QuerySet[Disbursement]:
    """Narrow ``queryset`` by the valid parameters in ``params`` (a ``request.GET``); invalid ones are ignored.

    A page shows the form's errors beside an unfiltered list; an export should
    rather refuse, so it checks ``DisbursementFilterForm(params).is_valid()``
    first. At most one query (the category code), none without a category;
    one more with ``imported``.
    """
    form = DisbursementFilterForm(params)
    form.is_valid()
    data = form.cleaned_data
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("category"):
        queryset = queryset.filter(category=data["category"])
    if data.get("region"):
        queryset = queryset.filter(region=data["region"])
    if data.get("currency"):
        queryset = queryset.filter(currency=data["currency"])
    if data.get("paid_from"):
        queryset = queryset.filter(paid_on__gte=data["paid_from"])
    if data.get("paid_to"):
        queryset = queryset.filter(paid_on__lte=data["paid_to"])
    if data.get("imported"):
        job = DisbursementImport.objects.filter(pk=data["imported"]).values(
            "first_disbursement_id", "last_disbursement_id", "created_by_id"
        ).first()
        if job is None or job["first_disbursement_id"] is None:
            return queryset.none()
        # One import's rows share their recorder and an id range no other import of theirs overlaps.
        queryset = queryset.filter(
            pk__range=(job["first_disbursement_id"], job["last_disbursement_id"]), recorded_by=job["created_by_id"]
        )
    return queryset


def awaiting_approval(queryset: QuerySet[Disbursement], user) -> QuerySet[Disbursement]:
    """Only those waiting for ``user``'s approval: submitted, and recorded and changed by others only."""
    return (
        queryset.filter(status=Disbursement.Status.SUBMITTED).exclude(recorded_by=user)
        .exclude(editors__editor=user)
    )
