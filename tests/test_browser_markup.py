"""Issue 13, case 10, in a real browser (Chromium via Playwright, as tests/test_browser.py):
article text is text, never LaTeX or Markdown, and the date filter's error shows the
typed value as text."""

from __future__ import annotations

import json

import httpx
import pytest
from test_browser import ask, browser, page  # noqa: F401 - the browser fixtures

pytestmark = pytest.mark.browser

BOX = r"$$\color{white}\rule{3000px}{3000px}$$"
LATEX = {
    "id": "latex-lantern", "title": "Lantern festival", "source": "Harbour Herald", "published_date": "2024-10-12",
    "text": (f"The glass lantern festival in Porto drew nine thousand visitors on Saturday. {BOX} "
             "The organiser Ines Duarte said **next year** it moves to [the old docks](http://evil.example). "
             "Tickets cost $5 and $6 for children $x^2$."),
}


def test_latex_and_markdown_in_an_article_stay_text(page, app_server):  # noqa: F811
    r = httpx.post(app_server.url + "/api/ingest", files=[("files", ("latex.jsonl", json.dumps(LATEX) + "\n"))], timeout=60)
    assert r.status_code == 200 and not r.json()["failed"]
    msg = ask(page, "How many visitors did the glass lantern festival in Porto draw?")
    assert "nine thousand" in msg.locator(".fn-answer").inner_text()
    passage = msg.locator(".fn-passage").first.text_content()  # collapsed to the cited sentence
    assert BOX in passage and "**next year**" in passage and "[the old docks](http://evil.example)" in passage
    assert page.locator("#fn-chat .katex, #fn-chat math, #fn-chat strong:not(.fn-short), #fn-chat a[href^='http://evil']").count() == 0
    assert msg.bounding_box()["width"] < 1400 and msg.bounding_box()["height"] < 2500  # no 3000-px box


def test_the_date_filter_error_shows_the_typed_value_as_text(page):  # noqa: F811
    page.evaluate("window.__pwned = null")
    page.locator("#fn-from input").first.fill("<img src=x onerror=window.__pwned=5>")
    page.locator("#fn-from input").first.press("Tab")
    page.fill("#fn-question textarea", "Who denied the reports?")
    page.click("#fn-ask")
    page.wait_for_function("document.querySelector('#fn-inline-box').innerText.includes('onerror')", timeout=30_000)
    assert "<img src=x onerror=window.__pwned=5>" in page.locator("body").inner_text()
    assert page.locator("img[src=x]").count() == 0 and page.evaluate("window.__pwned") is None
