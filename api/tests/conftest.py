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
