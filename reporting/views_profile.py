"""The person's own page: language for e-mails, calendar feed address (with rotation), password change link."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.fields import CleanTextFormField
from agencies.models import User, new_calendar_token

from .calendar import calendar_feed
from .forms import pasted_controls_notice


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
    return render(request, "reporting/profile.html", {"form": form, "feed_url": feed})


@require_POST
@login_required
def calendar_rotate(request):
    request.user.calendar_token = new_calendar_token()
    request.user.save(update_fields=["calendar_token"])
    messages.success(request, _("Your calendar address was changed; subscriptions to the old address stop working."))
    return redirect("profile")


@require_safe
def calendar_view(request, token):
    """No login: calendar programs cannot sign in. The secret address is the credential."""
    user = User.objects.filter(calendar_token=token, is_active=True).select_related("agency").first()
    if user is None or len(token) < 20:
        raise Http404
    response = HttpResponse(calendar_feed(user=user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="plan119.ics"'
    return response
