"""The person's API tokens, a page of the profile: make one (its secret shown once), see when each was last used,
revoke one."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from agencies.fields import CleanTextFormField
from agencies.forms import BootstrapFields
from agencies.parsing import parse_id
from api.tokens import token_create, token_revoke, tokens_of


class TokenForm(BootstrapFields, forms.Form):
    name = CleanTextFormField(label=gettext_lazy("Name"), max_length=100,
                              help_text=gettext_lazy("What the token is for, e.g. the system that uses it."))
    expires_on = forms.DateField(label=gettext_lazy("Expires on (optional)"), required=False,
                                 input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                 widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day


@require_http_methods(["GET", "POST"])
@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = token_create(user=request.user, name=form.cleaned_data["name"],
                                     expires_on=form.cleaned_data["expires_on"])
        messages.success(request, _("Token “%(name)s” created. Copy it now: it will not be shown again.")
                         % {"name": token.name})
        form = TokenForm()
    status = 400 if request.method == "POST" and secret is None else 200
    return render(request, "api/token_list.html", {
        "form": form, "secret": secret, "tokens": tokens_of(request.user), "today": timezone.localdate(),
    }, status=status)


@require_POST
@login_required
def token_revoke_view(request, pk):
    if token_revoke(user=request.user, token_id=parse_id(str(pk)) or 0):
        messages.success(request, _("The token was revoked; systems using it are refused from now on."))
    return redirect("api_tokens")
