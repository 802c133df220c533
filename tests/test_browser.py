"""The page in a real browser: Debian's Chromium driven by Playwright (its own browser
download does not work here). Asks the seed question and a follow-up, clicks a [n]
marker, uploads files, and shows a hostile article as text. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DONE = "#fn-chat .fn-msg"  # a finished answer or refusal (not a streaming one)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")  # on PATH: hiding it fails CI (tests/strict_skips.py)
    if chromium is None:
        pytest.skip("Debian's chromium is not on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, app_server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(app_server.url + "/")
    pg.wait_for_selector("#fn-question textarea", timeout=30_000)
    yield pg
    ctx.close()


def ask(page, question: str):
    """Type a question, send it, wait for the finished answer; returns its locator."""
    before = page.locator(DONE).count()
    page.fill("#fn-question textarea", question)
    page.click("#fn-ask")
    page.wait_for_function(f"document.querySelectorAll({DONE!r}).length > {before}", timeout=60_000)
    return page.locator(DONE).nth(before)


def test_seed_question_shows_the_answer_and_the_cited_peskov_passage(page):
    msg = ask(page, "Who denied the reports?")
    assert "Peskov" in msg.locator(".fn-answer").inner_text()
    cite = msg.locator(".fn-cite").first
    assert "Russia denies reports" in cite.locator(".fn-title").inner_text()
    assert "Kyiv Independent" in cite.locator(".fn-meta").inner_text()
    assert "Peskov" in cite.locator(".fn-cited mark.fn-quote").first.inner_text()  # the supporting sentence, highlighted
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-seed-question.png"), full_page=True)
    # [1] brings passage 1 into view and flashes it (tests/test_page_browser.py checks it is not covered)
    page.evaluate("document.querySelector('#fn-chat .bubble-wrap, #fn-chat [role=log]')?.scrollTo(0, 0)")
    msg.locator("a.fn-ref").first.click()
    page.wait_for_function("el => el.classList.contains('fn-flash')", arg=cite.element_handle(), timeout=5_000)
    assert cite.locator(".fn-cited").is_visible()
    # store size and model are shown
    status = page.locator("#fn-status").inner_text()
    assert "offline extractive answerer" in status and "articles" in status and "passages" in status


def test_follow_up_question_keeps_the_conversation(page):
    first = ask(page, "Were North Korean troops reported in Ukraine?")
    assert first.locator(".fn-cite").count() >= 1
    follow = ask(page, "Who denied them?")
    assert "Peskov" in follow.locator(".fn-answer").inner_text()
    page.click("#fn-clear")
    page.wait_for_function(f"document.querySelectorAll({DONE!r}).length === 0", timeout=10_000)


def test_refusal_looks_different_and_lists_no_citations(page):
    msg = ask(page, "What is the capital of Peru?")
    assert msg.locator(".fn-refusal").is_visible()
    assert "not in the articles" in msg.inner_text().lower()
    assert msg.locator(".fn-cite").count() == 0


def test_upload_ingests_files_and_reports_bad_ones_by_name(page, tmp_path):
    good = tmp_path / "glacier-report.md"
    good.write_text(
        "---\ntitle: Glacier museum opens in Fjaerland\nsource: Fjord Post\ndate: 2024-09-02\n---\n"
        "Curator Ingrid Bakke opened the new ice core hall of the Norwegian Glacier Museum on Monday. "
        "The hall shows ice cores drilled in 1998. Visitors can touch a block of glacier ice.\n",
        encoding="utf-8",
    )
    empty = tmp_path / "empty-notes.txt"
    empty.write_bytes(b"   \n")
    page.get_by_role("tab", name="Articles").click()
    page.set_input_files("#fn-files input[type=file]", [str(good), str(empty)])
    page.wait_for_function(
        "document.querySelector('#fn-files').innerText.includes('empty-notes')", timeout=30_000
    )
    page.click("#fn-ingest")
    page.wait_for_function("document.querySelector('#fn-summary').innerText.includes('Ingested')", timeout=60_000)
    summary = page.locator("#fn-summary").inner_text()
    assert "added 1" in summary and "failed 1" in summary
    assert "empty-notes.txt" in summary and "empty file" in summary
    page.get_by_role("tab", name="Chat").click()
    msg = ask(page, "Who opened the new ice core hall of the glacier museum?")
    assert "Ingrid Bakke" in msg.locator(".fn-answer").inner_text()
    assert "Fjord Post" in msg.locator(".fn-meta").first.inner_text()


HOSTILE = {
    "id": "hostile-bakery",
    "title": 'Bakery <img src=x onerror="window.__pwned=2;alert(2)"> prize',
    "source": "Evil <b>Times</b>",
    "url": "javascript:alert(3)",
    "published_date": "2024-10-11",
    "text": (
        "The Marzipan Bakery in Tallinn won the national pastry prize on Friday. "
        "<script>window.__pwned=1</script> Its owner Kadri Tamm said the recipe is secret. "
        '<img src=x onerror="window.__pwned=1;alert(1)"> The prize comes with a golden whisk.'
    ),
}


def test_hostile_article_is_shown_as_text_and_never_runs(page, app_server, tmp_path):
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    with path.open("rb") as fh:
        r = httpx.post(app_server.url + "/api/ingest", files=[("files", ("hostile.jsonl", fh, "application/json"))], timeout=60)
    assert r.status_code == 200 and not r.json()["failed"]
    msg = ask(page, "Who won the national pastry prize? <img src=y onerror=window.__pwned=3>")
    page.wait_for_timeout(500)  # give any injected handler time to fire
    passage = msg.locator(".fn-passage").first.text_content()
    assert "<script>window.__pwned=1</script>" in passage
    assert '<img src=x onerror="window.__pwned=1;alert(1)">' in passage
    assert '<img src=x onerror="window.__pwned=2;alert(2)">' in msg.locator(".fn-title").first.inner_text()
    assert "Evil <b>Times</b>" in msg.locator(".fn-meta").first.inner_text()
    assert msg.locator("a.fn-link").count() == 0  # a javascript: URL is not made a link
    assert "<img src=y onerror=window.__pwned=3>" in page.locator("#fn-chat").inner_text()  # the question too
    assert page.locator("#fn-chat img[src=x], #fn-chat img[src=y], #fn-chat script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-hostile-article.png"), full_page=True)


def test_login_form_then_chat_when_auth_is_on(browser, auth_server):
    from fixtures_app import AUTH_PASSWORD, AUTH_USER

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    try:
        pg.goto(auth_server.url + "/")
        pg.wait_for_selector("input[type=password]", timeout=30_000)
        assert pg.locator("#fn-question").count() == 0  # nothing of the app before login
        pg.locator("input[type=text]").first.fill(AUTH_USER)
        pg.locator("input[type=password]").fill("wrong")
        pg.keyboard.press("Enter")
        pg.wait_for_timeout(800)
        assert pg.locator("#fn-question").count() == 0
        pg.locator("input[type=text]").first.fill(AUTH_USER)
        pg.locator("input[type=password]").fill(AUTH_PASSWORD)
        pg.keyboard.press("Enter")
        pg.wait_for_selector("#fn-question textarea", timeout=30_000)
        msg = ask(pg, "Who denied the reports?")
        assert "Peskov" in msg.locator(".fn-answer").inner_text()
    finally:
        ctx.close()
