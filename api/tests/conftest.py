"""The API's tests: the cast of conftest.py, a client per role, a token of the owner's."""
import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(api):
    """A client signed in (by session) as `user`; None: anonymous."""

    def sign_in(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def owner_token(owner):
    from api.tokens import token_create

    token, secret = token_create(user=owner, name="Hệ thống LGSP")
    return secret


@pytest.fixture
def by_token(owner_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner_token}")
    return client


def v1(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"


@pytest.fixture
def difficulty(small_report, owner, small_plan):
    """A difficulty the owner's department raised on 1.1 in 2025."""
    from reporting.difficulties.services import difficulty_raise

    return difficulty_raise(agency=owner.agency, task=small_plan.tasks["1.1"], kind="difficulty",
                            title="Thiếu kinh phí", text="Chưa được cấp kinh phí tổ chức hội nghị.", user=owner,
                            period=small_report.period)


@pytest.fixture
def synthesis(small_report, small_period):
    """The 2025 synthesis, built (not final)."""
    from reporting.synthesis.build import synthesis_build

    return synthesis_build(period=small_period)
