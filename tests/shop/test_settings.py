"""The process refuses to start in production without a real secret key and hosts."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "Xy7-secret-" + "q" * 30
LEDGER_KEY = base64.b64encode(secrets.token_bytes(32)).decode()  # A throwaway checkpoint signing seed.


def run_django(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    ignored = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "LEDGER_SIGNING_KEY",
               "LEDGER_VERIFIER_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "shop.example.org"}, "SECRET_KEY is not set"),
        ({"DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "shop.example.org"}, "too weak"),
        ({"DEBUG": "0", "SECRET_KEY": "django-insecure-" + "x" * 60, "ALLOWED_HOSTS": "a.org"}, "too weak"),
        ({"DEBUG": "0", "SECRET_KEY": STRONG_KEY}, "ALLOWED_HOSTS is not set"),
        ({"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "shop.example.org"}, "donations.E001"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"DEBUG": "1", "SHOP_CURRENCY": "euro"}, "SHOP_CURRENCY must be"),
        ({"DEBUG": "1", "DONATION_MIN_AMOUNT": "ten"}, "must be amounts"),
        ({"DEBUG": "1", "DONATION_MIN_AMOUNT": "50", "DONATION_MAX_AMOUNT": "20"}, "must be above zero"),
        ({"DEBUG": "1", "SEARCH_URL": "http://localhost:9200"}, "SEARCH_URL must start with"),
    ],
)
def test_refuses_to_start_when_misconfigured(overrides, message):
    result = run_django(overrides, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_django(
        {"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "shop.example.org", "LEDGER_SIGNING_KEY": LEDGER_KEY},
        "check", "--deploy", "--fail-level", "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_development_starts_without_any_keys():
    result = run_django({"DEBUG": "1"}, "check")
    assert result.returncode == 0, result.stderr
