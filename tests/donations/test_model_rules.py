"""Model rules checked in Python (donations/model_rules.py) agree with Django's own checks, which ask the database."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations.disbursements import load_codes
from donations.model_rules import evaluate, model_rule_errors
from donations.models import Disbursement, DisbursementImport
from tests.donations.finance import ensure_vocabulary, finance_team

STATUSES = [choice for choice, _label in Disbursement.Status.choices]


def disbursement(team, codes, **overrides) -> Disbursement:
    values = {
        "paid_on": datetime.date(2025, 3, 10), "amount_minor": 100, "currency": "EUR", "exchange_rate": Decimal(1),
        "ledger_currency": "EUR", "ledger_amount_minor": 100, "category": codes.categories["medicine"],
        "region": "occupied", "people_helped": 1, "public_description": codes.descriptions["medicines"],
        "payee_name": "Apteka", "recorded_by": team.volunteer,
    }
    values.update(overrides)
    return Disbursement(**values)


def django_says(instance) -> set[str]:
    """The constraints Django's own validate (a query each) finds broken."""
    broken = set()
    for constraint in Disbursement._meta.constraints:
        try:
            constraint.validate(Disbursement, instance)
        except ValidationError:
            broken.add(constraint.name)
    return broken


def python_says(instance) -> set[str]:
    return {c.name for c in Disbursement._meta.constraints if evaluate(instance, c.condition) is False}


@pytest.fixture
def team(db):
    ensure_vocabulary()
    return finance_team()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from(STATUSES),
    amount=st.sampled_from([-1, 0, 1, 2**63 - 1]),
    ledger_amount=st.sampled_from([-5, 0, 1, 100]),
    currency=st.sampled_from(["EUR", "UAH"]),
    rate=st.sampled_from([Decimal(0), Decimal(1), Decimal("0.0225")]),
    people=st.sampled_from([0, 1]),
    payee=st.tuples(st.booleans(), st.booleans()),
    approver=st.sampled_from([None, "volunteer", "approver"]),
    stamped=st.booleans(),
    reasons=st.booleans(),
)
def test_each_check_constraint_is_evaluated_as_the_database_would(
    team, status, amount, ledger_amount, currency, rate, people, payee, approver, stamped, reasons
):
    codes = load_codes()
    now = datetime.datetime(2025, 3, 11, tzinfo=datetime.UTC)
    instance = disbursement(
        team, codes, status=status, amount_minor=amount, ledger_amount_minor=ledger_amount, currency=currency,
        exchange_rate=rate, people_helped=people, payee_is_organisation=payee[0], payee_public=payee[1],
        approved_by=getattr(team, approver) if approver else None, approved_at=now if stamped else None,
        submitted_at=now if stamped else None, posted_at=now if stamped else None,
        rejection_reason="why" if reasons else "", reversal_reason="why" if reasons else "",
        rejected_by=team.approver if reasons else None,
    )
    assert python_says(instance) == django_says(instance)


def test_a_valid_new_disbursement_has_no_errors_and_costs_no_query(team, django_assert_num_queries):
    codes = load_codes()
    instance = disbursement(team, codes)
    with django_assert_num_queries(0):
        assert model_rule_errors(instance) == {}


def test_field_limits_and_constraints_are_reported_by_field_as_full_clean_does(team):
    codes = load_codes()
    instance = disbursement(team, codes, payee_name="P" * 201, region="atlantis", people_helped=0,
                            amount_minor=2**63, currency="UAH", ledger_amount_minor=100)
    errors = model_rule_errors(instance)
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    assert set(errors) == set(caught.value.message_dict)
    for field, messages in caught.value.message_dict.items():
        assert sorted(errors[field]) == sorted(messages), field


def test_unknown_lookups_and_unloaded_relations_refuse_rather_than_pass(team):
    codes = load_codes()
    with pytest.raises(NotImplementedError):
        evaluate(disbursement(team, codes), Q(payee_name__icontains="x"))
    assert evaluate(disbursement(team, codes), Q(amount_minor__gt=F("ledger_amount_minor")) | Q(notes="")) is True
    instance = disbursement(team, codes)
    instance.category_id = codes.categories["food"].pk + 1000  # a key without the instance behind it
    with pytest.raises(TypeError):
        model_rule_errors(instance)


def test_the_import_job_constraints_are_evaluated_too(team):
    job = DisbursementImport(status="done", size=1, language="en", created_by=team.volunteer, rows_total=2,
                             rows_done=3)
    for constraint in DisbursementImport._meta.constraints:
        expected = True
        try:
            constraint.validate(DisbursementImport, job)
        except ValidationError:
            expected = False
        assert (evaluate(job, constraint.condition) is not False) == expected
