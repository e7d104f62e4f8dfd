"""Every page of the permission matrix, as each role, on a phone 360 CSS px wide (Chromium through Playwright): the
page never scrolls sideways (wide tables scroll in their own box), every link and button of the main content is a
target of at least 24×24 CSS px (WCAG 2.2 SC 2.5.8; a link inside a sentence is exempt, as the criterion says), and
every primary action at least 44 px tall. On the cast's small plan and its `world` (test_permission_matrix)."""
import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from plan119.tests.test_permission_matrix import MATRIX, ROLES, world  # noqa: F401  # `world` is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
NOT_PAGES = {"attachment_download", "synthesis_download", "report_document", "calendar_feed",
             "synthesis_status"}  # files (DOCX, PDF, iCal), JSON

# What the page measures, in the page: its width against the window's, and the targets that are too small.
MEASURE = """() => {
  const doc = document.documentElement;
  const main = document.querySelector('main') || document.body;
  const small = [], primary = [];
  const name = (el, r) => el.tagName.toLowerCase()
    + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
    + ` "${(el.textContent || el.value || el.name || '').trim().slice(0, 40)}"`
    + ` ${Math.round(r.width)}×${Math.round(r.height)}`;
  for (const el of main.querySelectorAll('a[href], button, select, input:not([type=hidden]), summary')) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden-focusable')) continue;
    if (el.tagName === 'A' && style.display === 'inline') {
      const around = el.parentElement.textContent.replace(el.textContent, '').replace(/[\\s·,;:()|\\-–—]/g, '');
      if (around.length > 0) continue;  // a link in a sentence (the criterion's inline exception)
    }
    if (r.width < 23.5 || r.height < 23.5) small.push(name(el, r));
    if ((el.classList.contains('btn-primary') || el.classList.contains('btn-action')) && r.height < 43.5)
      primary.push(name(el, r));
  }
  const wide = doc.scrollWidth > doc.clientWidth ? [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 0.5 && !el.closest('.table-responsive'))
    .slice(0, 3).map(el => name(el, el.getBoundingClientRect())) : [];
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, small, primary, wide};
}"""


def _pages_for(role, args):
    """The matrix's pages `role` may open (a 200 for a GET)."""
    for name, (method, expected) in MATRIX.items():
        if method == "get" and name not in NOT_PAGES and expected.get(role, expected.get("*")) == 200:
            yield name, reverse(name, args=args.get(name, []))


def test_every_page_fits_a_phone_for_every_role(browser, live_server, request):
    args, users = request.getfixturevalue("world")
    problems = {}
    visited = 0
    for role in ROLES:
        context = browser.new_context(viewport=PHONE, locale="vi-VN")
        try:
            if users[role] is not None:
                client = Client()
                client.force_login(users[role])
                context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "url": live_server.url,
                                      "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value}])
            page = context.new_page()
            for name, url in _pages_for(role, args):
                response = page.goto(live_server.url + url)
                assert response is not None and response.status == 200, (role, name, response and response.status)
                found = page.evaluate(MEASURE)
                visited += 1
                wrong = []
                if found["scrollWidth"] > found["clientWidth"]:
                    wrong.append(f"scrolls sideways: {found['scrollWidth']} > {found['clientWidth']} px, "
                                 f"wider: {found['wide']}")
                wrong += [f"target under 24 px: {t}" for t in found["small"]]
                wrong += [f"primary action under 44 px: {t}" for t in found["primary"]]
                if wrong:
                    problems[(role, name)] = wrong
        finally:
            context.close()
    assert visited >= 60, visited  # every role saw its pages
    assert not problems, "\n".join(f"{role} {name}:\n  " + "\n  ".join(w) for (role, name), w in problems.items())
