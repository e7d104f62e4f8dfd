"""The person's own page: name, e-mail, language for e-mails, calendar feed address (with rotation), password."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from agencies.fields import CleanTextFormField
from agencies.forms import pasted_controls_notice
from agencies.models import User, new_calendar_token


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]
        labels = {"language": gettext_lazy("Language of e-mails")}
        field_classes = {"first_name": CleanTextFormField, "last_name": CleanTextFormField}


@require_http_methods(["GET", "POST"])
@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your details were saved."))
        if notice := pasted_controls_notice([form]):
            messages.warning(request, notice)
        return redirect("profile")
    feed = request.build_absolute_uri(reverse("calendar_feed", args=[request.user.calendar_token]))
    return render(request, "agencies/profile.html", {"form": form, "feed_url": feed})


@require_POST
@login_required
def calendar_rotate(request):
    request.user.calendar_token = new_calendar_token()
    request.user.save(update_fields=["calendar_token"])
    messages.success(request, _("Your calendar address was changed; subscriptions to the old address stop working."))
    return redirect("profile")
