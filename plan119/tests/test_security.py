"""Security: deploy checks, headers, no inline script, login throttling, sessions, CSRF; signed in as the cast's
people on its small plan (conftest.py)."""
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_check_deploy_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DJANGO_SETTINGS_MODULE="plan119.settings", ALLOWED_HOSTS="plan119.example",
               SECRET_KEY="x" * 20 + "production-only-secret-key-for-the-check-0123456789",
               DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/plan119-check.sqlite3"))
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_headers(client, owner):
    client.force_login(owner)
    response = client.get(reverse("plan_detail"))
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def test_no_inline_script_in_any_template():
    offenders = []
    for folder in [settings.BASE_DIR / "templates"]:
        for path in folder.rglob("*.html"):
            if "emails" in path.parts:
                continue
            if INLINE_SCRIPT.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path))
    assert offenders == []


def test_every_vendored_script_and_stylesheet_is_loaded_somewhere():
    """Nothing is vendored that no page loads (a browser test may load its own tools, e.g. axe-core)."""
    vendor = settings.BASE_DIR / "static" / "vendor"
    users = [p.read_text(encoding="utf-8") for p in (settings.BASE_DIR / "templates").rglob("*.html")]
    users += [p.read_text(encoding="utf-8") for p in (settings.BASE_DIR / "plan119" / "tests").glob("test_*.py")]
    unused = [str(path.relative_to(vendor)) for path in vendor.rglob("*") if path.suffix in (".js", ".css")
              and not any(f"vendor/{path.relative_to(vendor).as_posix()}" in text for text in users)]
    assert unused == []
    listed = (vendor / "VERSIONS.txt").read_text(encoding="utf-8")
    assert "htmx" not in listed


def test_login_throttling_with_a_clear_message(small_plan):
    from agencies.tests.factories import UserFactory

    UserFactory(username="lan")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "lan", "password": "wrong"})
        assert response.status_code == 200
    fifth = client.post(reverse("login"), {"username": "lan", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post(reverse("login"), {"username": "lan", "password": "correct horse battery staple"})
    assert locked.status_code == 429  # even the right password, until the lockout ends
    html = locked.content.decode()
    assert "30" in html and ("khóa" in html or "locked" in html)
    assert "_auth_user_id" not in client.session


def test_a_right_password_logs_in(small_plan):
    from agencies.tests.factories import UserFactory

    UserFactory(username="minh")
    client = Client()
    response = client.post(reverse("login"), {"username": "minh", "password": "correct horse battery staple"})
    assert response.status_code == 302


def test_passwords_are_stored_with_argon2id_and_older_hashes_upgraded_at_sign_in(small_plan, settings):
    from django.contrib.auth.hashers import make_password

    from agencies.tests.factories import UserFactory
    from plan119 import settings as deployment

    settings.PASSWORD_HASHERS = deployment.PASSWORD_HASHERS  # the test run puts a fast hasher first
    user = UserFactory(username="thu")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    user.password = make_password("correct horse battery staple", hasher="pbkdf2_sha256")  # made before the switch
    user.save(update_fields=["password"])
    assert Client().post(reverse("login"),
                         {"username": "thu", "password": "correct horse battery staple"}).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    settings.ARGON2_MEMORY_KIB = 65536  # an admin raises the cost: the next sign-in re-hashes
    assert Client().post(reverse("login"),
                         {"username": "thu", "password": "correct horse battery staple"}).status_code == 302
    user.refresh_from_db()
    assert "$m=65536,t=2,p=1$" in user.password
    assert Client().post(reverse("login"), {"username": "thu", "password": "wrong horse"}).status_code == 200


def test_password_change_signs_out_other_sessions(small_plan):
    from agencies.tests.factories import UserFactory

    user = UserFactory(username="hoa")
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    response = first.post(reverse("password_change"), {"old_password": "correct horse battery staple",
                                                       "new_password1": "Mật-khẩu-mới-2025!",
                                                       "new_password2": "Mật-khẩu-mới-2025!"})
    assert response.status_code == 302
    assert first.get(reverse("plan_detail")).status_code == 200
    assert second.get(reverse("plan_detail")).status_code == 302  # signed out


def test_weak_password_is_refused_with_a_message(client, owner):
    client.force_login(owner)
    response = client.post(reverse("password_change"), {"old_password": "correct horse battery staple",
                                                        "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and response.context["form"].errors


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_csrf_is_required(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("profile"), {"first_name": "x", "email": "a@b.vn", "language": "vi"}).status_code == 403


# --- issue 11, point 11: behind a proxy, login throttling keys on the client's address, not the proxy's ------------

@pytest.fixture
def behind_one_proxy(settings):
    """The client-address settings plan119/settings.py derives from BEHIND_PROXY=1 PROXY_COUNT=1, applied here."""
    names = ["AXES_IPWARE_PROXY_COUNT", "AXES_IPWARE_META_PRECEDENCE_ORDER", "AXES_IPWARE_PROXY_ORDER", "IPWARE_STRICT"]
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="1", BEHIND_PROXY="1", PROXY_COUNT="1")
    code = ("import json, plan119.settings as s; "
            f"print(json.dumps({{n: getattr(s, n) for n in {names!r} if hasattr(s, n)}}))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            cwd=settings.BASE_DIR, check=False)
    assert result.returncode == 0, result.stderr
    for name, value in __import__("json").loads(result.stdout).items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    return settings


def sign_in(xff, username, password):
    return Client(HTTP_X_FORWARDED_FOR=xff).post(reverse("login"), {"username": username, "password": password})


def test_behind_a_proxy_a_lockout_is_for_that_client_only(small_plan, behind_one_proxy):
    from agencies.tests.factories import UserFactory

    UserFactory(username="lan")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("203.0.113.5", "lan", "wrong")
    assert sign_in("203.0.113.5", "lan", "correct horse battery staple").status_code == 429
    # what a client writes to the left of the proxy's entry is not believed
    assert sign_in("198.51.100.7, 203.0.113.5", "lan", "correct horse battery staple").status_code == 429
    assert sign_in("198.51.100.7", "lan", "correct horse battery staple").status_code == 302
    assert sign_in("203.0.113.5, 198.51.100.7", "lan", "correct horse battery staple").status_code == 302


def test_the_lockout_page_states_the_configured_cool_off(small_plan, settings):
    import datetime

    from agencies.tests.factories import UserFactory

    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=45)
    UserFactory(username="lan")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "lan", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "lan", "password": "wrong"})
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "45 phút" in html and "30 phút" not in html
