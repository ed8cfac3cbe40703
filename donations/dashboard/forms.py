"""Forms of the finance workspace: they carry what was typed to a service and show its errors on the fields.

The disbursement form does not validate amounts, currencies, rates or codes
itself: ``validate_disbursement_input`` is the one place that does (the CSV
importer uses it too), and its ``ValidationError`` is keyed by the same field
names as this form, so each message lands under the field it is about and
everything typed is shown again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from donations.dashboard import selectors
from donations.dashboard.filters import DisbursementFilterForm
from donations.disbursements import INPUT_FIELDS
from donations.models import AidCategory, AuditLogEntry, Disbursement, JournalEntry, PublicDescription, Region
from donations.money import KNOWN_CURRENCIES, Money, MoneyError

DATE_WIDGET = {"type": "date"}


class ServiceErrorsMixin:
    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ``ValidationError`` on the fields it names; the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class DisbursementForm(ServiceErrorsMixin, forms.Form):
    """The fields of ``donations.disbursements.INPUT_FIELDS``, as typed: the service parses and checks them."""

    paid_on = forms.CharField(
        label=_("Date paid"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")
    )
    amount = forms.CharField(
        label=_("Amount paid"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1250.50"}),
    )
    currency = forms.CharField(
        label=_("Currency paid"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"list": "known-currencies", "size": 4, "placeholder": "EUR"}),
    )
    exchange_rate = forms.CharField(
        label=_("Exchange rate to the ledger currency"),
        required=False,
        max_length=40,
        help_text=_("Ledger-currency units for one unit of the currency paid; leave empty when they are the same."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    rate_source = forms.CharField(label=_("Source of the exchange rate"), required=False, max_length=200)
    rate_date = forms.CharField(
        label=_("Date of the exchange rate"),
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
    )
    category = forms.CharField(label=_("Aid category"), required=False, widget=forms.Select)
    region = forms.CharField(
        label=_("Region"), required=False, widget=forms.Select(choices=[("", "---------"), *Region.choices])
    )
    people_helped = forms.CharField(
        label=_("People helped"), required=False, max_length=12, widget=forms.NumberInput(attrs={"min": 1})
    )
    public_description = forms.CharField(
        label=_("Public description"),
        required=False,
        widget=forms.Select,
        help_text=_("What public pages may say about this aid: free text never becomes public."),
    )
    concerns_case = forms.BooleanField(
        label=_("Aid to a person or family"),
        required=False,
        help_text=_("Its ledger entry is then only a salted commitment, seen publicly in monthly totals."),
    )
    notes = forms.CharField(label=_("Notes (private)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    case_reference = forms.CharField(label=_("Pseudonymous case reference (private)"), required=False, max_length=64)
    payee_name = forms.CharField(
        label=_("Payee (private unless a public organisation)"), required=False, max_length=200
    )
    payee_is_organisation = forms.BooleanField(label=_("The payee is an organisation"), required=False)
    payee_public = forms.BooleanField(label=_("Show the payee publicly"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Codes, not primary keys: the service looks them up (and refuses retired ones).
        self.fields["category"].widget.choices = [
            ("", "---------"),
            *AidCategory.objects.filter(is_active=True).values_list("code", "name"),
        ]
        self.fields["public_description"].widget.choices = [
            ("", "---------"),
            *(
                (code, f"{text} ({category})" if category else text)
                for code, text, category in PublicDescription.objects.filter(is_active=True).values_list(
                    "code", "text", "category__name"
                )
            ),
        ]

    @staticmethod
    def initial_for(disbursement: Disbursement) -> dict[str, Any]:
        """What the edit form starts with: the stored values, written as a volunteer would type them."""
        rate = (
            ""
            if disbursement.currency == disbursement.ledger_currency
            else format(disbursement.exchange_rate.normalize(), "f")
        )
        return {
            "paid_on": disbursement.paid_on.isoformat(),
            "amount": str(Money(disbursement.amount_minor, disbursement.currency).to_decimal()),
            "currency": disbursement.currency,
            "exchange_rate": rate,
            "rate_source": disbursement.rate_source,
            "rate_date": disbursement.rate_date.isoformat() if disbursement.rate_date else "",
            "category": disbursement.category.code,
            "region": disbursement.region,
            "people_helped": str(disbursement.people_helped),
            "public_description": disbursement.public_description.code,
            "concerns_case": disbursement.concerns_case,
            "notes": disbursement.notes,
            "case_reference": disbursement.case_reference,
            "payee_name": disbursement.payee_name,
            "payee_is_organisation": disbursement.payee_is_organisation,
            "payee_public": disbursement.payee_public,
        }

    def service_values(self) -> dict[str, Any]:
        """The keyword arguments for ``record_disbursement`` and ``update_disbursement``."""
        return {name: self.cleaned_data.get(name) for name in INPUT_FIELDS}

    @staticmethod
    def known_currencies() -> list[str]:
        return sorted(KNOWN_CURRENCIES)


class RejectForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is it rejected? (kept private)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReverseForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is it reversed? (kept private)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EarmarkForm(ServiceErrorsMixin, forms.Form):
    proceeds = forms.CharField(
        label=_("Order number (or proceeds entry as #sequence)"),
        max_length=64,
        error_messages={"required": _("Say which order's proceeds should fund this disbursement.")},
    )
    amount = forms.CharField(
        label=_("Amount"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": _("Say how much of this disbursement those proceeds should fund.")},
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = _("Amount in %(currency)s") % {"currency": currency}

    def clean_proceeds(self) -> JournalEntry:
        entry = selectors.proceeds_entry_by_reference(self.cleaned_data["proceeds"])
        if entry is None:
            raise ValidationError(_("No order's proceeds have this number."))
        return entry

    def clean_amount(self) -> Money:
        try:
            return Money.from_decimal(self.cleaned_data["amount"].strip(), self.currency)
        except MoneyError:
            raise ValidationError(
                _("Give an amount in %(currency)s, such as 250.00.") % {"currency": self.currency}
            ) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern): cleans each, returns a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        clean_one = super().clean  # Bound here: a comprehension has no zero-argument super().
        if isinstance(data, (list, tuple)) and data:
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)]  # Nothing chosen: the single-file check says "required".


class EvidenceForm(forms.Form):
    files = MultipleFileField(
        label=_("Receipts or invoices"),
        help_text=_("PDF, JPEG, PNG or WebP. Photos lose their metadata (place, camera, time) when stored."),
        error_messages={"required": _("Choose at least one file.")},
    )


class DisbursementListFilterForm(DisbursementFilterForm):
    """The filters the list and the CSV export share (``donations.dashboard.filters``), plus "needs my approval"."""

    mine = forms.BooleanField(
        label=_("Needs my approval"), required=False, help_text=_("Submitted, and recorded by someone else.")
    )

    def awaiting_approval_by(self, user):
        """``user`` when "needs my approval" is ticked, else None."""
        self.is_valid()
        return user if self.cleaned_data.get("mine") else None


class AuditFilterForm(forms.Form):
    disbursement = forms.IntegerField(label=_("Disbursement"), required=False, min_value=1)
    who = forms.CharField(label=_("Who (username or email)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("any")), *AuditLogEntry.Action.choices]
    )

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class OrderSearchForm(forms.Form):
    order = forms.CharField(label=_("Order number"), required=False, max_length=64)

    def order_number(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("order", "")
