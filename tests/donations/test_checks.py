"""donations.E001–E003: production refuses to run a ledger it cannot sign or verify."""

from donations.checkpoints import generate_signing_key
from donations.checks import check_ledger_keys


def ids(settings):
    return [message.id for message in check_ledger_keys()]


def test_production_without_any_key_is_an_error(settings):
    settings.DEBUG = False
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_VERIFIER_KEY = ""
    assert ids(settings) == ["donations.E001"]


def test_development_without_a_key_is_fine(settings):
    settings.DEBUG = True
    settings.LEDGER_SIGNING_KEY = ""
    assert ids(settings) == []


def test_a_configured_key_passes_and_a_verifier_key_alone_is_enough(settings, ledger_key):
    settings.DEBUG = False
    assert ids(settings) == []
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_VERIFIER_KEY = generate_signing_key("proceeds.test/ledger").vkey
    assert ids(settings) == []


def test_malformed_keys_are_errors(settings):
    settings.DEBUG = True
    settings.LEDGER_SIGNING_KEY = "PRIVATE+KEY+nonsense"
    settings.LEDGER_VERIFIER_KEY = "name+00000000+AAAA"
    assert ids(settings) == ["donations.E002", "donations.E003"]


def test_a_verifier_key_that_does_not_match_the_signing_key_is_an_error(settings, ledger_key):
    settings.LEDGER_VERIFIER_KEY = ledger_key.vkey
    assert ids(settings) == []
    settings.LEDGER_VERIFIER_KEY = generate_signing_key("proceeds.test/ledger").vkey
    assert ids(settings) == ["donations.E004"]
