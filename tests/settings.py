"""The project's settings as development has them, plus what keeps tests fast and isolated."""

import os
import tempfile

os.environ.setdefault("DEBUG", "1")

from shop.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="proceeds-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
