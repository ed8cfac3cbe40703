"""The project's settings as development has them, plus what keeps tests fast and isolated."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DEBUG", "1")

from shop.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Scratch space of this test process (each xdist worker has its own), removed at exit.
SCRATCH = tempfile.mkdtemp(prefix="proceeds-test-")
atexit.register(shutil.rmtree, SCRATCH, True)
MEDIA_ROOT = os.path.join(SCRATCH, "media")
REPORT_DRAFTS_ROOT = os.path.join(SCRATCH, "report-drafts")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Parallel test workers must not clear each other's cache: one Redis database each.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
if REDIS_URL:  # noqa: F405
    _base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{10 + int(_worker.removeprefix('gw') or 0)}"  # noqa: F405

# A file, not memory, for the SQLite test database: the browser tests' live
# server, the offline Stripe stand-in's webhooks and the browser then share it
# the way processes share a real database (shared-cache memory databases lock
# whole tables instead).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(SCRATCH, "test.sqlite3")}  # noqa: F405

# Tests run an import by calling donations.import_jobs.run_import_job; the
# browser test turns the thread back on to see it run in the background.
IMPORTS_RUN_IN_THREAD = False
