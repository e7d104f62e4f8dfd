"""The page django-axes shows a locked-out sign-in (AXES_LOCKOUT_CALLABLE), saying how long the lockout lasts."""
import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page with the cool-off of AXES_COOLOFF_TIME in whole minutes (None: until an admin unlocks)."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    return render(request, "registration/locked_out.html", {"minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)
