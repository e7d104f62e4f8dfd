"""Personal API tokens (mã truy cập API): a person names one, sees it once, and revokes it on their profile."""
import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.fields import NFCCharField


class ApiToken(models.Model):
    """A secret that lets another system act as its person, with exactly that person's permissions.

    Only a SHA-256 digest of the secret is stored: the secret is shown once, when it is made. A digest without a salt
    is enough here (unlike passwords): the secret is 32 random bytes, nothing to guess from a dictionary.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = NFCCharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the system that uses it."))
    # the first characters of the secret, shown in the list so that a person can tell their tokens apart
    prefix = models.CharField(_("begins with"), max_length=16)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_on = models.DateField(_("expires on"), null=True, blank=True,
                                  help_text=_("The token stops working at the end of this day (local time)."))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, today: datetime.date) -> bool:
        return self.expires_on is not None and today > self.expires_on

    def is_usable(self, today: datetime.date) -> bool:
        """A token works while it is neither revoked nor expired, and its person may still sign in."""
        return self.revoked_at is None and not self.is_expired(today) and self.user.is_active
