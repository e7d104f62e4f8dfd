"""Accounts without an admin typing passwords: invitations to set a first password, and "forgot password".

Both send a one-time link. Django's PasswordResetTokenGenerator makes it: the token is an HMAC of the user's id, their
password hash, their last sign-in, their e-mail and the moment it was made, so it dies as soon as the password is set
(the hash changes, even for the same password: it is salted) or the person signs in, and it expires with time. An
invitation has its own salt (a reset token is no invitation and the other way round) and its own lifetime
(settings.INVITATION_DAYS); a reset link lives settings.PASSWORD_RESET_TIMEOUT seconds.

The e-mails are rows (AccountMail), recorded in the caller's transaction and sent after it commits by the one
claim-and-send path (reporting.delivery.accounts); they are queued by the job's name, this app being below reporting.

"Forgot password" gives the same answer whether or not the address belongs to someone, and sends nothing to an
inactive account; it is throttled per client address and per e-mail address (password_reset_request).
"""
import hashlib
import logging

from celery import current_app
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from .models import AccountMail, AccountMailKind, User

log = logging.getLogger(__name__)

DELIVER_JOB = "reporting.tasks.deliver_account_mail"  # reporting.delivery.tasks.deliver_account_mail
THROTTLE_WINDOW = 3600  # seconds: the limits below count requests within the last hour


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with its own salt and lifetime (settings.INVITATION_DAYS instead of
    PASSWORD_RESET_TIMEOUT); single use for the same reasons (see the module's docstring)."""

    key_salt = "plan119.agencies.accounts.InvitationTokenGenerator"

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.INVITATION_DAYS * 24 * 3600:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()
reset_tokens = PasswordResetTokenGenerator()

_LINKS = {
    AccountMailKind.INVITATION: ("invitation_accept", invitation_tokens),
    AccountMailKind.PASSWORD_RESET: ("password_reset_confirm", reset_tokens),
}


def account_link(*, user: User, kind: str) -> str:
    """The one-time address of an invitation or a reset for `user`, from settings.SITE_URL (made when sent)."""
    url_name, tokens = _LINKS[AccountMailKind(kind)]
    path = reverse(url_name, args=[urlsafe_base64_encode(force_bytes(user.pk)), tokens.make_token(user)])
    return f"{settings.SITE_URL}{path}"


def account_mail_record(*, user: User, kind: str, by: User | None = None) -> AccountMail:
    """Record the e-mail owed in this transaction and hand it to the worker once the transaction commits; a broker
    that is down loses nothing (the outbox job sends what waits)."""
    mail = AccountMail.objects.create(user=user, kind=kind, requested_by=by)

    def enqueue():
        try:
            current_app.tasks[DELIVER_JOB].delay(mail.pk)
        except Exception:  # the broker is down: the outbox job will send it
            log.warning("Broker unavailable; %s e-mail for user %s waits in the outbox", kind, user.pk)

    transaction.on_commit(enqueue)
    return mail


def may_be_invited(user: User) -> bool:
    """An invitation is for an active person with an e-mail address who has not set a password yet; once they have,
    "forgot password" is their way back in."""
    return user.is_active and bool(user.email) and not user.has_usable_password()


@transaction.atomic
def invitation_send(*, user: User, by: User | None = None) -> bool:
    """Invite `user` (again): a new unusable password first, so that the links of earlier invitations die.
    False, and nothing sent, when the user may not be invited (may_be_invited)."""
    if not may_be_invited(user):
        return False
    user.set_unusable_password()
    user.save(update_fields=["password"])
    account_mail_record(user=user, kind=AccountMailKind.INVITATION, by=by)
    return True


def _under_limit(key: str, limit: int) -> bool:
    """Count one more request under `key` for THROTTLE_WINDOW seconds; True while the count is within `limit`.
    A cache that cannot be reached lets the request through (a Redis outage must not lock everyone out)."""
    try:
        cache.add(key, 0, timeout=THROTTLE_WINDOW)
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=THROTTLE_WINDOW)
        return True
    except Exception:  # noqa: BLE001 - the cache is down: no throttling rather than no reset
        log.warning("Cache unavailable: password reset requests are not throttled")
        return True


def reset_users(email: str):
    """Who gets a reset link for `email`: active accounts with that address, whether or not they have set a password
    yet (an invited person who lost the invitation sets their first password this way)."""
    return [user for user in User.objects.filter(email__iexact=email, is_active=True) if user.email]


def password_reset_request(*, email: str, client: str) -> bool:
    """Record a reset e-mail for every active account with this address. False when this client asked too often
    (settings.PASSWORD_RESET_CLIENT_LIMIT an hour): the page says so, whatever the address. An address asked for
    too often (PASSWORD_RESET_ADDRESS_LIMIT an hour) gets nothing more, silently: the answer must not tell whether
    it exists."""
    if not _under_limit(f"reset:client:{client}", settings.PASSWORD_RESET_CLIENT_LIMIT):
        return False
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if not _under_limit(f"reset:address:{address}", settings.PASSWORD_RESET_ADDRESS_LIMIT):
        return True
    with transaction.atomic():
        for user in reset_users(email.strip()):
            account_mail_record(user=user, kind=AccountMailKind.PASSWORD_RESET)
    return True
