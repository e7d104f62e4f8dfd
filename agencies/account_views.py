"""Pages of one's own account without signing in: "forgot password", and the one-time links of a reset and of an
invitation (agencies/accounts.py holds the rules; these pages only ask)."""
from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from agencies.accounts import invitation_tokens, password_reset_request, reset_tokens
from agencies.models import User
from agencies.parsing import parse_id


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))


@require_http_methods(["GET", "POST"])
@never_cache
def password_reset(request):
    """The same answer whether or not the address belongs to someone; too many requests from one client: 429."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = get_client_ip_address(request) or "unknown"
        if not password_reset_request(email=form.cleaned_data["email"], client=client):
            return render(request, "registration/password_reset_throttled.html", status=429)
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


def password_reset_done(request):
    return render(request, "registration/password_reset_done.html",
                  {"reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600})


class _OneTimeLinkView(auth_views.PasswordResetConfirmView):
    """Django's page behind a one-time link (the token moves into the session, then the new password), for active
    accounts only: a link sent before the account was deactivated leads nowhere."""

    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        try:
            pk = parse_id(force_str(urlsafe_base64_decode(uidb64)))
        except (TypeError, ValueError, UnicodeDecodeError):
            return None
        return User.objects.filter(pk=pk, is_active=True).first() if pk else None

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. Sign in with it."))
        return super().form_valid(form)


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class PasswordResetConfirm(_OneTimeLinkView):
    template_name = "registration/password_reset_confirm.html"
    token_generator = reset_tokens


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class InvitationAccept(_OneTimeLinkView):
    template_name = "registration/invitation_accept.html"
    token_generator = invitation_tokens


def password_reset_complete(request):
    return redirect("login")
