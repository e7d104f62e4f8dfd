"""Settings read from the environment fail loudly on bad values."""
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from plan119.settings import env_bool, env_int


def test_env_bool(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)
    monkeypatch.delenv("X_FLAG")
    assert env_bool("X_FLAG", True) is True


def test_env_int(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    assert env_int("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env_int("X_NUM", 1)


def _import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import plan119.settings as s; print(s.DEBUG, s.CELERY_BROKER_URL.split(':')[0])"],
        env=clean, capture_output=True, text=True, cwd=settings.BASE_DIR,
    )


def test_production_needs_a_secret_key():
    result = _import_settings()
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_bad_values_fail_loudly():
    assert "DEBUG must be" in _import_settings(DEBUG="sometimes").stderr
    assert "REDIS_URL must start" in _import_settings(DEBUG="1", REDIS_URL="localhost:6379").stderr
    assert _import_settings(DEBUG="1", DATABASE_URL="nosuchdb://x").returncode != 0


def test_defaults_are_embedded():
    result = _import_settings(DEBUG="1", VAR_DIR=str(settings.VAR_DIR / "settings-test"))
    assert result.stdout.split() == ["True", "filesystem"]


def test_importing_the_settings_writes_nothing(tmp_path):
    """The embedded defaults name folders under VAR_DIR; only `manage.py prepare_dirs` creates them."""
    var = tmp_path / "var"
    result = _import_settings(DEBUG="1", VAR_DIR=str(var))
    assert result.stdout.split() == ["True", "filesystem"], result.stderr
    assert not var.exists()


def test_language_and_time():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh" and settings.USE_TZ
    assert settings.AUTH_USER_MODEL == "agencies.User"


def test_dates_are_shown_day_month_year():
    import datetime

    from django.utils import formats, translation

    for language in ("vi", "en"):
        with translation.override(language):
            assert formats.date_format(datetime.date(2024, 11, 5), "SHORT_DATE_FORMAT") == "05/11/2024"
