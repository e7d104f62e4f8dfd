"""Making, finding and revoking personal API tokens (api.models.ApiToken)."""
import datetime
import hashlib
import secrets

from django.db.models import Q
from django.utils import timezone

from api.models import ApiToken

PREFIX = "p119_"  # tells a plan119 token apart in a configuration file or a secret scanner
LAST_USED_EVERY = datetime.timedelta(minutes=1)  # how stale "last used" may be, to spare a write on every request


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user, name: str, expires_on: datetime.date | None = None) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it with its secret, which is shown this once and never stored."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip(), prefix=secret[:len(PREFIX) + 6],
                                    digest=token_digest(secret), expires_on=expires_on)
    return token, secret


def token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens (someone else's id changes nothing). Returns whether one was revoked."""
    return bool(ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True)
                .update(revoked_at=timezone.now()))


def tokens_revoke(*, tokens) -> int:
    """Revoke the given tokens (an admin's action, e.g. after a leak); those already revoked keep their date."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret (and its user, agency and roles loaded), or None; notes when it was used."""
    if not secret.startswith(PREFIX):
        return None
    token = (ApiToken.objects.select_related("user__agency")
             .filter(digest=token_digest(secret)).first())
    now = timezone.now()
    if token is None or not token.is_usable(timezone.localdate(now)):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now))\
            .update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user):
    return ApiToken.objects.filter(user=user)
