from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe


@require_safe
@login_required
def notification_list(request):
    notifications = request.user.notifications.all()[:100]
    return render(request, "reporting/notification_list.html", {"notifications": notifications})


@require_POST
@login_required
def notifications_mark_read(request):
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notification_list")
