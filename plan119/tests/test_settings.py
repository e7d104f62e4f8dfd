"""Settings read from the environment (through django-environ, once) fail loudly on bad values and write nothing."""
import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from plan119.settings import StrictEnv

# what a test run's environment would lend a child process that imports the deployment settings
_NOT_INHERITED = {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "VAR_DIR", "MEDIA_ROOT",
                  "EMAIL_URL", "EMAIL_FILE_PATH"}


def test_flags(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert StrictEnv().bool("X_FLAG", default=False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert StrictEnv().bool("X_FLAG", default=True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    message = "^X_FLAG must be one of 1/0, true/false, yes/no, on/off; got 'maybe'$"
    with pytest.raises(ImproperlyConfigured, match=message):
        StrictEnv().bool("X_FLAG", default=False)
    monkeypatch.setenv("X_FLAG", "")  # empty counts as unset
    assert StrictEnv().bool("X_FLAG", default=True) is True
    monkeypatch.delenv("X_FLAG")
    assert StrictEnv().bool("X_FLAG", default=True) is True


def test_whole_numbers(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    assert StrictEnv().int("X_NUM", default=1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be a whole number; got 'twelve'"):
        StrictEnv().int("X_NUM", default=1)


def test_lists_are_trimmed(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,")
    assert StrictEnv().list("X_HOSTS", cast=str.strip, default=[]) == ["a.example", "b.example"]


@pytest.mark.parametrize("value", ["$HOME", "ab$cd", "a\\$b", "\\$x"])
def test_values_are_taken_as_they_are(monkeypatch, value):
    """django-environ alone reads a value beginning with $ as another variable's name; Django's keys can begin so."""
    monkeypatch.setenv("X_KEY", value)
    assert StrictEnv().str("X_KEY") == value


def _import_settings(shown="s.DEBUG, s.CELERY_BROKER_URL.split(':')[0]", **env):
    clean = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", f"import plan119.settings as s; print({shown})"],
        env=clean, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False,
    )


def test_production_needs_a_secret_key():
    result = _import_settings()
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_bad_values_fail_loudly():
    assert "DEBUG must be one of" in _import_settings(DEBUG="sometimes").stderr
    assert "CONN_MAX_AGE must be a whole number" in _import_settings(
        DEBUG="1", DATABASE_URL="postgres://u@h/db", CONN_MAX_AGE="forever").stderr
    assert "REDIS_URL must start" in _import_settings(DEBUG="1", REDIS_URL="localhost:6379").stderr
    assert "REPORTING_OPENS_ON must be a day and month like 01/10; got '31/02'" in _import_settings(
        DEBUG="1", REPORTING_OPENS_ON="31/02").stderr
    assert "DATABASE_URL must be" in _import_settings(DEBUG="1", DATABASE_URL="nosuchdb://x").stderr


def test_defaults_are_embedded(tmp_path):
    result = _import_settings(DEBUG="1", VAR_DIR=str(tmp_path))
    assert result.stdout.split() == ["True", "filesystem"], result.stderr


def test_importing_the_settings_writes_nothing(tmp_path):
    """The embedded defaults name folders under VAR_DIR; only `manage.py prepare_dirs` creates them."""
    var = tmp_path / "var"
    result = _import_settings("s.VAR_DIR, s.CELERY_RESULT_BACKEND", DEBUG="1", VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(var), f"file://{var / 'celery-results'}"]
    assert not var.exists()


def test_production_defaults_without_debug():
    result = _import_settings("s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
                              "s.STORAGES['staticfiles']['BACKEND'], s.EMAIL_HOST, s.EMAIL_USE_TLS",
                              SECRET_KEY="k" * 50, EMAIL_URL="smtp+tls://u:p@mail.example:587")
    assert result.stdout.split() == [
        "True", "True", "31536000", "whitenoise.storage.CompressedManifestStaticFilesStorage", "mail.example", "True",
    ], result.stderr


def test_language_and_time():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh" and settings.USE_TZ
    assert settings.AUTH_USER_MODEL == "agencies.User"


def test_dates_are_shown_day_month_year():
    from django.utils import formats, translation

    for language in ("vi", "en"):
        with translation.override(language):
            assert formats.date_format(datetime.date(2024, 11, 5), "SHORT_DATE_FORMAT") == "05/11/2024"
