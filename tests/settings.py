"""The project's settings as development has them, plus what keeps tests fast and isolated."""

import os
import tempfile

os.environ.setdefault("DEBUG", "1")

from shop.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="proceeds-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Parallel test workers must not clear each other's cache: one Redis database each.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
if REDIS_URL:  # noqa: F405
    _base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL  # noqa: F405
    CACHES["default"]["LOCATION"] = f"{_base}/{10 + int(_worker.removeprefix('gw') or 0)}"  # noqa: F405
