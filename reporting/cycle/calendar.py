"""iCalendar feeds of deadlines: one per agency (its deadline and opening dates), one for the DFA (both deadlines)."""
import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from agencies.text import safe_text
from reporting.models import PeriodStatus, Report, ReportingPeriod, due_in_force


def _event(uid: str, day: datetime.date, summary: str, url: str, description: str = "") -> Event:
    """One all-day event; its text through the one sanitiser, as agency names are typed by people (agencies/text.py)."""
    event = Event()
    event.add("uid", f"{uid}@plan119")
    event.add("dtstamp", datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=datetime.UTC))
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", " ".join(safe_text(summary).split()))
    event.add("url", url)
    event.add("description", safe_text(f"{description}\n{url}").strip())
    event.add("transp", "TRANSPARENT")
    return event


def calendar_feed(*, user) -> bytes:
    """The feed a person subscribes to: what their agency owes, or, for the DFA, both deadlines of every open period."""
    calendar = Calendar()
    calendar.add("prodid", "-//plan119//Ke hoach 119//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Plan 119 deadlines"))
    home = settings.SITE_URL + reverse("home")
    periods = ReportingPeriod.objects.select_related("plan").order_by("year")
    if user.is_dfa_officer or user.can_read_everything:
        for p in periods.filter(status=PeriodStatus.OPEN):
            calendar.add_component(_event(f"p{p.pk}-agency", p.agency_due,
                                          _("Agency reports due (%(year)s)") % {"year": p.year},
                                          settings.SITE_URL + reverse("dashboard_year", args=[p.year])))
            calendar.add_component(_event(f"p{p.pk}-synthesis", p.synthesis_due,
                                          _("Synthesis due to the Provincial People's Committee (%(year)s)")
                                          % {"year": p.year},
                                          settings.SITE_URL + reverse("synthesis", args=[p.year])))
    elif user.is_agency_staff:
        # only the plans that give the agency a task: another plan's deadlines are not its own; an extension the DFA
        # granted moves the agency's own deadline
        extended = dict(Report.objects.filter(agency_id=user.agency_id, extended_due__isnull=False)
                        .values_list("period_id", "extended_due"))
        for p in periods.filter(plan__tasks__assignments__agency_id=user.agency_id).distinct():
            calendar.add_component(_event(f"p{p.pk}-a{user.agency_id}-open", p.opens_on,
                                          _("%(year)s report opens for input") % {"year": p.year}, home))
            calendar.add_component(_event(f"p{p.pk}-a{user.agency_id}-due", due_in_force(p.agency_due,
                                                                                         extended.get(p.pk)),
                                          _("%(year)s report due to the DFA") % {"year": p.year}, home,
                                          str(user.agency)))
    return calendar.to_ical()
