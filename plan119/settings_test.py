"""Settings of the test suite (pytest.ini names this module): the settings of a deployment, and then what a test run
needs instead. Nothing in plan119/settings.py knows whether tests are running."""
import os
import tempfile
from pathlib import Path

# settings.py stops without a secret key when DEBUG is off, as it is in tests; the test key replaces this one below.
os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")

from .settings import *  # noqa: E402, F403
from .settings import CELERY_BROKER_URL, PASSWORD_HASHERS, STORAGES, filesystem_broker  # noqa: E402

SECRET_KEY = "test-only-insecure-key-never-use-in-production"  # noqa: S105  # the test suite's own

# The test run's own broker folders, mail and uploads, apart from a `make run` on the same machine; the test session
# creates them (conftest.py) and removes them at its end.
VAR_DIR = Path(tempfile.gettempdir()) / f"plan119-test-{os.getpid()}"
MEDIA_ROOT = VAR_DIR / "media"
EMAIL_FILE_PATH = VAR_DIR / "mail"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND = filesystem_broker(VAR_DIR)

# The test client speaks plain HTTP; test_security.py checks the production defaults through `check --deploy`.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Users are made by the hundred; the production hashers stay behind the fast one, so their hashes still verify.
# (test_security.py puts the production list back to test Argon2id.)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
