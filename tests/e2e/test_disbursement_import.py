"""A finance volunteer imports 10,000 disbursements from the dashboard in a real browser: the upload answers at
once, the import's page shows its progress bar moving, then the count recorded (English and Ukrainian, phone and
desktop)."""

import csv
import time

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Error as PlaywrightError

from donations.dashboard.groups import FINANCE_VOLUNTEERS, ensure_finance_groups
from donations.disbursement_csv import TEMPLATE_COLUMNS
from donations.models import Disbursement, DisbursementImport
from donations.vocabulary import ensure_vocabulary

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = 10_000
EMAIL, PASSWORD = "finance@example.org", "finance-pass-123"
# gunicorn's default worker timeout: no request of the import may come anywhere near it.
REQUEST_LIMIT_SECONDS = 30


@pytest.fixture
def volunteer(settings, tmp_path):
    settings.IMPORTS_RUN_IN_THREAD = True
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    ensure_vocabulary()
    user = User.objects.create_user(username=EMAIL, email=EMAIL, password=PASSWORD, first_name="Oksana",
                                    is_staff=True)
    user.groups.add(ensure_finance_groups()[FINANCE_VOLUNTEERS])
    return user


def spreadsheet(path, rows: int, *, payees: str) -> str:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, TEMPLATE_COLUMNS)
        writer.writeheader()
        for number in range(rows):
            foreign = number % 4 == 0
            writer.writerow({
                "paid_on": f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}", "amount": f"{10 + number % 500}.50",
                "currency": "UAH" if foreign else "EUR", "exchange_rate": "0.0225" if foreign else "",
                "rate_source": "NBU" if foreign else "", "rate_date": "2025-01-02" if foreign else "",
                "category": "medicine", "region": "kharkiv", "people_helped": "2",
                "public_description": "medicines", "concerns_case": "yes", "payee_name": f"{payees} {number}",
                "payee_is_organisation": "yes",
            })
    return str(path)


def log_in(browser, live_server, *, width: int, language: str):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language, is_mobile=width < 500)
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/accounts/login/")
    page.fill("input[name=login-username]", EMAIL)
    page.fill("input[name=login-password]", PASSWORD)
    page.locator("button[name=login_submit]").click()
    page.wait_for_load_state()
    return context, page


STATE_SCRIPT = """() => {
    const bar = document.querySelector("#import_progress [role=progressbar]");
    const text = document.querySelector("#import_progress_text");
    return [bar ? bar.getAttribute("aria-valuenow") : null, text ? text.innerText : "",
            !!document.querySelector("#import_result, #import_errors_summary")];
}"""


def page_state(page):
    """The bar's value, its text and whether the result is shown, read at one instant (the page refreshes itself
    every second, so separate reads could straddle two pages); None if a refresh cut the read short."""
    try:
        page.wait_for_load_state()
        return page.evaluate(STATE_SCRIPT)
    except PlaywrightError as error:
        if "context was destroyed" in str(error) or "navigation" in str(error).lower():
            return None
        raise


def import_and_watch(page, live_server, path: str, *, language: str, shot) -> tuple[DisbursementImport, list[int]]:
    """Upload the file, check the answer comes at once, then follow the refreshing page until the result."""
    page.goto(f"{live_server.url}/{language}/dashboard/finance/disbursements/import/")
    page.set_input_files("input[name=file]", path)
    started = time.monotonic()
    page.locator("#import_form button[type=submit]").click()
    page.wait_for_url("**/disbursements/import/*/")
    assert time.monotonic() - started < REQUEST_LIMIT_SECONDS / 3
    job = DisbursementImport.objects.latest("id")
    seen, shot_taken = [], False
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = page_state(page)
        if state is None:  # The page refreshed itself while being read: read the new one.
            continue
        value, text, finished = state
        if value is not None:
            seen.append(int(value))
            assert text.strip()
            if not shot_taken and 0 < int(value) < 100:
                shot("progress")
                shot_taken = True
        if finished:
            break
        time.sleep(0.3)
    return DisbursementImport.objects.get(pk=job.pk), seen


def test_a_volunteer_imports_ten_thousand_rows_and_watches_them_recorded(
    live_server, browser, screenshots, volunteer, tmp_path
):
    timings = []
    for width, language, payees in ((1280, "en", "Pharmacy"), (390, "uk", "Apteka")):
        context, page = log_in(browser, live_server, width=width, language=language)
        page.on("requestfinished", lambda request: timings.append(request.timing["responseEnd"] / 1000))

        def shot(name, page=page, width=width, language=language):
            page.screenshot(path=str(screenshots / f"import-{name}-{width}-{language}.png"), full_page=True)

        path = spreadsheet(tmp_path / f"{language}.csv", ROWS, payees=payees)
        job, seen = import_and_watch(page, live_server, path, language=language, shot=shot)

        assert job.status == DisbursementImport.Status.DONE, job.errors[:3]
        assert job.recorded_count == ROWS
        assert seen and seen == sorted(seen), seen  # The bar only moves forward...
        assert len(set(seen)) >= 2 or seen[0] > 0, seen  # ...and was seen moving, not just finished.
        result = page.inner_text("#import_result").replace("\u00a0", " ")
        expected = {"en": "10000 disbursements recorded as drafts.", "uk": "10000 виплат записано як чернетки."}
        assert expected[language] in result, result
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot("done")
        page.click("#import_recorded_link")
        page.wait_for_load_state()
        assert "?imported=" in page.url
        context.close()
    assert Disbursement.objects.count() == 2 * ROWS
    assert max(timings) < REQUEST_LIMIT_SECONDS, max(timings)

    # The same finished import in the other language and width, and a refused file's report, on a phone.
    for width, language in ((390, "en"), (1280, "uk")):
        context, page = log_in(browser, live_server, width=width, language=language)
        page.goto(f"{live_server.url}/{language}/dashboard/finance/disbursements/import/{job.pk}/")
        page.screenshot(path=str(screenshots / f"import-done-{width}-{language}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
    context, page = log_in(browser, live_server, width=390, language="uk")
    bad = tmp_path / "bad.csv"
    bad.write_text(open(path, encoding="utf-8").read().replace("0.0225", "1e30", 3), encoding="utf-8")
    failed, _seen = import_and_watch(page, live_server, str(bad), language="uk", shot=lambda name: None)
    assert failed.status == DisbursementImport.Status.FAILED and failed.error_count >= 3
    assert "не більшим за 9\u00a0999\u00a0999\u00a0999.9999999999" in page.inner_text("#import_errors")
    page.screenshot(path=str(screenshots / "import-failed-390-uk.png"), full_page=True)
    context.close()
    assert Disbursement.objects.count() == 2 * ROWS
