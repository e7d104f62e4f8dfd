"""Personal API tokens: stored hashed, shown once, named, last use noted, expiry, revocation, throttled per token,
every request logged with the token's name; and the profile's page that manages them."""
import datetime
import logging

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.throttling import TokenRateThrottle
from api.tokens import token_create, token_revoke
from plan119.testing import at

PLANS = "/api/v1/plans/"


def _client(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_only_a_digest_is_stored(owner):
    token, secret = token_create(user=owner, name="LGSP")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert secret.startswith(stored.prefix) and len(stored.prefix) < len(secret) // 3


def test_a_token_acts_as_its_person_and_notes_its_last_use(owner, small_report):
    token, secret = token_create(user=owner, name="LGSP")
    assert token.last_used_at is None
    response = _client(secret).get(PLANS)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("secret", ["", "p119_wrong", "not-even-ours", "p119_a p119_b"])
def test_an_unknown_token_is_refused_with_401(secret, small_plan):
    response = APIClient().get(PLANS, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/problem+json"


def test_a_revoked_token_stops_working(owner, colleague, small_plan):
    token, secret = token_create(user=owner, name="LGSP")
    assert not token_revoke(user=colleague, token_id=token.pk)  # not theirs: nothing happens
    assert _client(secret).get(PLANS).status_code == 200
    assert token_revoke(user=owner, token_id=token.pk)
    assert _client(secret).get(PLANS).status_code == 401


def test_a_token_expires_at_the_end_of_its_day_local_time(owner, small_plan):
    with at(2025, 10, 1):
        token, secret = token_create(user=owner, name="LGSP", expires_on=datetime.date(2025, 10, 31))
    with at(2025, 10, 31, 23, 59):
        assert _client(secret).get(PLANS).status_code == 200
    with at(2025, 11, 1, 0, 1):
        assert _client(secret).get(PLANS).status_code == 401


def test_a_token_of_a_deactivated_person_stops_working(owner, small_plan):
    _token, secret = token_create(user=owner, name="LGSP")
    owner.is_active = False
    owner.save()
    assert _client(secret).get(PLANS).status_code == 401


def test_every_token_request_is_logged_with_the_tokens_name(owner, small_plan, caplog):
    _token, secret = token_create(user=owner, name="Cổng LGSP tỉnh")
    with caplog.at_level(logging.INFO, logger="api"):
        _client(secret).get(PLANS)
        _client(secret).get("/api/v1/plans/0/")
    lines = [r.getMessage() for r in caplog.records if r.name == "api"]
    assert len(lines) == 2
    assert all("Cổng LGSP tỉnh" in line for line in lines)
    assert "-> 200" in lines[0] and "-> 404" in lines[1]


def test_each_token_has_its_own_throttle_bucket(owner, colleague, small_plan, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    _a, first = token_create(user=owner, name="A")
    _b, second = token_create(user=owner, name="B")
    assert [_client(first).get(PLANS).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = _client(first).get(PLANS)
    assert refused["Content-Type"] == "application/problem+json" and int(refused["Retry-After"]) > 0
    assert _client(second).get(PLANS).status_code == 200  # another token, another bucket
    session = APIClient()
    session.force_login(colleague)
    assert session.get(PLANS).status_code == 200


# --- The profile's page ---

def test_the_page_shows_a_new_secret_once(client, owner, small_plan):
    client.force_login(owner)
    page = reverse("api_tokens")
    assert reverse("api_tokens") in client.get(reverse("profile")).content.decode()
    response = client.post(page, {"name": "Hệ thống quản lý văn bản", "expires_on": ""})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret and secret in response.content.decode()
    again = client.get(page).content.decode()
    assert secret not in again and "Hệ thống quản lý văn bản" in again
    assert _client(secret).get(PLANS).status_code == 200


def test_the_page_refuses_a_past_expiry_in_vietnamese(client, owner, small_plan):
    client.force_login(owner)
    with at(2025, 10, 20):
        response = client.post(reverse("api_tokens"), {"name": "X", "expires_on": "19/10/2025"})
    assert response.status_code == 400
    assert "Chọn ngày hôm nay hoặc một ngày sau đó." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_on_the_page_touches_only_ones_own_tokens(client, owner, colleague, small_plan):
    mine, _ = token_create(user=owner, name="mine")
    theirs, _ = token_create(user=colleague, name="theirs")
    client.force_login(owner)
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 302
    assert client.post(reverse("api_token_revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert "theirs" not in client.get(reverse("api_tokens")).content.decode()


def test_the_page_needs_a_sign_in(client, small_plan):
    assert client.get(reverse("api_tokens")).status_code == 302
    assert client.post(reverse("api_token_revoke", args=[1])).status_code == 302


def test_an_admin_revokes_a_leaked_token_but_never_sees_or_makes_one(client, admin, owner, small_plan):
    token, secret = token_create(user=owner, name="LGSP")
    client.force_login(admin)
    changelist = reverse("admin:api_apitoken_changelist")
    page = client.get(changelist).content.decode()
    assert "LGSP" in page and secret not in page and token.digest not in page
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403
    response = client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _client(secret).get(PLANS).status_code == 401
