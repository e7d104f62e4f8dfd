"""`manage.py prepare_dirs` creates the folders the settings name, before anything starts (importing writes nothing)."""
import os
import subprocess
import sys

from django.conf import settings


def _prepare_dirs(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL",
                                                            "MEDIA_ROOT", "EMAIL_FILE_PATH"}}
    clean.update(DJANGO_SETTINGS_MODULE="plan119.settings", **env)
    return subprocess.run([sys.executable, "manage.py", "prepare_dirs"], env=clean, capture_output=True, text=True,
                          cwd=settings.BASE_DIR, check=True).stdout


def test_prepare_dirs_makes_what_the_embedded_defaults_need(tmp_path):
    var = tmp_path / "var"
    created = _prepare_dirs(DEBUG="1", VAR_DIR=str(var))
    expected = {var / "media", var, var / "broker/queue", var / "broker/processed", var / "broker/control",
                var / "celery-results", var / "mail"}
    assert {line.removeprefix("created ") for line in created.splitlines()} == {str(path) for path in expected}
    assert all(path.is_dir() for path in expected)
    assert _prepare_dirs(DEBUG="1", VAR_DIR=str(var)) == ""  # a second run finds them all


def test_with_servers_only_the_uploads_folder(tmp_path):
    """Production (PostgreSQL, Redis, SMTP, as scripts/prod_smoke.py runs it): nothing goes under VAR_DIR."""
    created = _prepare_dirs(SECRET_KEY="k" * 50, DATABASE_URL="postgres://plan119@127.0.0.1:5432/plan119",
                            REDIS_URL="redis://127.0.0.1:6379/0", EMAIL_URL="smtp://127.0.0.1:25",
                            VAR_DIR=str(tmp_path / "var"), MEDIA_ROOT=str(tmp_path / "media"))
    assert created == f"created {tmp_path / 'media'}\n"
    assert not (tmp_path / "var").exists()
