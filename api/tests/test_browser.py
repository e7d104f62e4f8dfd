"""The API's documentation pages render in a real browser, from the app's own files and under its content security
policy (no CDN, no inline script): Swagger UI lists the operations, Redoc shows them."""
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page, live_server):
    problems = []
    # failed loads are told by their responses, with their address (the browser asks for /favicon.ico by itself)
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: problems.append(f"{response.status}: {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("request", lambda request: None if request.url.startswith(live_server.url)
            or request.url.startswith(("data:", "blob:")) else problems.append(f"outside: {request.url}"))
    return problems


def test_swagger_ui_lists_the_operations(page, live_server):
    problems = _watch(page, live_server)
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/plans/{plan}/periods/{year}/reports/{agency}/submit/" in p for p in paths)
    assert page.get_by_text("Kế hoạch", exact=True).first.is_visible()  # the Vietnamese descriptions
    assert problems == []


def test_redoc_shows_the_operations(page, live_server):
    problems = _watch(page, live_server)
    page.goto(live_server.url + "/api/redoc/")
    page.wait_for_selector("h2", timeout=15000)
    assert page.locator("h2").count() > 10
    headings = page.locator("h2").all_inner_texts()
    assert "Các báo cáo của một kỳ" in headings, headings[:20]
    # Redoc's "API docs by Redocly" logo points at its CDN: the policy blocks it (nothing leaves the intranet)
    unexpected = [p for p in problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in p]
    assert unexpected == [], problems
