"""The page people return to, in real Chromium (Playwright) at a laptop (1366x900) and a
phone (390x844) size: the new answer's top in view, every cited sentence marked, [n]
clicks not covered, a bad date said inline with the chat intact, conversations that
survive a reload and a server restart and export, an article deleted on the page no longer
cited, and thumbs up/down exported as a question set ``python -m eval`` runs. Real app,
real embedded Chroma, real SQLite; screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fixtures_app import LiveServer
from test_browser import ARTIFACTS, DONE, browser  # noqa: F401 - the browser fixture, with its offline flags
from test_browser import ask as browser_ask

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SEED = "Who denied the reports?"
SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


def open_page(browser, url: str, size: str):  # noqa: F811 - the browser fixture
    w, h = SIZES[size]
    ctx = browser.new_context(viewport={"width": w, "height": h})
    pg = ctx.new_page()
    pg.goto(url + "/")
    pg.wait_for_selector("#fn-question textarea", timeout=30_000)
    return ctx, pg


@pytest.fixture
def page(browser, app_server, size):  # noqa: F811 - the browser fixture
    ctx, pg = open_page(browser, app_server.url, size)
    yield pg
    ctx.close()


def ask(page, question: str):
    """test_browser's ask, then two animation frames: the page scrolls on the next one."""
    msg = browser_ask(page, question)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return msg


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def in_view(page, locator) -> dict:
    box = locator.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < page.viewport_size["height"] * 0.6, box  # its top, in the upper part of the screen
    return box


def test_new_answer_top_in_view_every_cited_sentence_marked(page, app_server, size):
    ask(page, SEED)
    msg = ask(page, "Were North Korean troops reported in Ukraine?")
    in_view(page, msg)
    chat_top = page.locator("#fn-chat").bounding_box()["y"]
    assert msg.bounding_box()["y"] >= chat_top - 1  # not above the chat's own scroll box either
    shot(page, f"answer-in-view-{size}.png")
    # every sentence the answer cites a passage for is marked, not only the first
    first = page.locator(DONE).first
    api = httpx.post(f"{app_server.url}/api/ask", json={"question": SEED}, timeout=60).json()
    assert max(len(c["quotes"]) for c in api["citations"]) >= 2, api["citations"]
    for c in api["citations"]:
        cite = first.locator(f".fn-cite:has(.fn-n:text-is('[{c['n']}]'))")
        assert cite.locator(".fn-cited mark.fn-quote").count() == len(c["quotes"])
        assert cite.locator(".fn-passage mark.fn-quote").count() >= len(c["quotes"])
    # the rest of the passage is one click away
    passage = first.locator(".fn-passage").first
    assert not passage.is_visible()
    first.locator(".fn-more summary").first.click()
    assert passage.is_visible()
    # screen readers get text, not markup
    labels = page.eval_on_selector_all("#fn-chat [aria-label]", "ns => ns.map(n => n.getAttribute('aria-label'))")
    assert any("Peskov" in x for x in labels) and not any("<" in x for x in labels), labels


def test_ref_click_brings_the_passage_into_view_uncovered(page, size):
    msg = ask(page, SEED)
    ref = msg.locator("a.fn-ref").first
    target = ref.get_attribute("href").lstrip("#")
    page.evaluate("document.querySelector('#fn-chat .bubble-wrap')?.scrollTo(0, 0)")
    ref.scroll_into_view_if_needed()
    ref.click()
    cite = page.locator(f"[id='{target}']")
    page.wait_for_function("id => document.getElementById(id).classList.contains('fn-flash')", arg=target, timeout=3_000)
    page.wait_for_timeout(700)  # smooth scroll settled
    box = cite.locator(".fn-cited").bounding_box()
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    assert 0 <= box["y"] and box["y"] + 10 <= vh, box
    covered = page.evaluate(
        "([id, x, y]) => { const el = document.elementFromPoint(x, y); return !document.getElementById(id).contains(el); }",
        [target, min(box["x"] + box["width"] / 2, vw - 5), box["y"] + min(box["height"], 20) / 2])
    assert not covered
    assert page.locator("#fn-chat .scroll-down-button-container").evaluate_all("ns => ns.every(n => !n.offsetParent)")
    shot(page, f"ref-click-{size}.png")


def test_a_bad_date_is_an_inline_message_and_the_chat_stays(page, size, caplog):
    caplog.set_level(logging.WARNING)
    ask(page, SEED)
    before = page.locator("#fn-chat").inner_text()
    page.locator("#fn-from input").first.fill("March 2023")
    page.locator("#fn-from input").first.press("Tab")
    page.fill("#fn-question textarea", "Who denied them?")
    page.click("#fn-ask")
    page.wait_for_function("document.querySelector('#fn-inline-box').innerText.includes('March 2023')", timeout=10_000)
    assert "From" in page.locator("#fn-inline-box").inner_text()
    assert page.locator(DONE).count() == 1 and page.locator("#fn-chat").inner_text() == before
    assert page.input_value("#fn-question textarea") == "Who denied them?"  # the question is not lost
    assert page.locator(".toast-body.error").count() == 0
    assert "Error" not in page.locator("#fn-chat").inner_text()
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    shot(page, f"bad-date-{size}.png")
    # fixed, the question goes through
    page.locator("#fn-from input").first.fill("")
    page.locator("#fn-from input").first.press("Tab")
    page.click("#fn-ask")
    page.wait_for_function(f"document.querySelectorAll({DONE!r}).length === 2", timeout=60_000)
    assert page.locator("#fn-inline-box").inner_text().strip() == ""


def test_as_of_is_shown_under_the_answer(page):
    page.locator("#fn-asof input").first.fill("2024-10-12")
    page.locator("#fn-asof input").first.press("Tab")
    msg = ask(page, SEED)
    assert "Asked as of 2024-10-12" in msg.locator(".fn-asked").inner_text()


def test_a_conversation_survives_reload_and_restart_and_exports(browser, app_settings, app_assistant, tmp_path, size):  # noqa: F811 - the browser fixture
    from app import create_app

    settings = app_settings.model_copy(update={"database": tmp_path / "conversations.db"})
    live = LiveServer(create_app(settings, app_assistant)).__enter__()
    port = live.port
    ctx, pg = open_page(browser, live.url, size)
    try:
        first = ask(pg, SEED).locator(".fn-answer").inner_text()
        pg.reload()
        pg.wait_for_function(f"document.querySelectorAll({DONE!r}).length === 1", timeout=30_000)
        live.__exit__(None, None, None)
        live = LiveServer(create_app(settings, app_assistant), port=port).__enter__()  # the same origin
        pg.reload()
        pg.wait_for_function(f"document.querySelectorAll({DONE!r}).length === 1", timeout=30_000)
        assert pg.locator(DONE).first.locator(".fn-answer").inner_text() == first
        assert SEED in pg.locator("#fn-convs").inner_text()
        ask(pg, "Who denied them?")  # goes on in the same conversation
        shot(pg, f"conversation-restored-{size}.png")
        href = pg.locator("#fn-export-md").get_attribute("href")
        md = pg.request.get(live.url + href)
        assert md.ok and f"## {SEED}" in md.text() and "## Who denied them?" in md.text() and "[1] **" in md.text()
        js = pg.request.get(live.url + pg.locator("#fn-export-json").get_attribute("href")).json()
        assert len(js["turns"]) == 2 and js["turns"][0]["answer"]["citations"]
        # a new conversation, then the old one reopened from the list
        pg.click("#fn-clear")
        pg.wait_for_function(f"document.querySelectorAll({DONE!r}).length === 0", timeout=10_000)
        pg.locator("#fn-convs label", has_text=SEED).first.click()
        pg.wait_for_function(f"document.querySelectorAll({DONE!r}).length === 2", timeout=10_000)
    finally:
        ctx.close()
        live.__exit__(None, None, None)


def test_an_article_deleted_on_the_page_is_no_longer_cited(page, app_server, size):
    word = f"Quenderby{size.capitalize()}"
    text = (f"{word} ferry stops\n\nThe {word} ferry will stop running on 1 May 2024, harbour master Oskar Lindqvist said. "
            f"Lindqvist said the {word} ferry lost money for six years.")
    r = httpx.post(f"{app_server.url}/api/ingest", files={"files": (f"{word}.txt", text.encode(), "text/plain")}, timeout=60)
    assert r.json()["added"] == 1
    question = f"Who said the {word} ferry will stop running?"
    assert f"{word} ferry stops" in ask(page, question).inner_text()
    page.get_by_role("tab", name="Articles").click()
    page.fill("#fn-art-q textarea, #fn-art-q input", word)
    page.click("#fn-art-search")
    page.wait_for_function("document.querySelector('#fn-art-page').innerText.includes('1–1 of 1')", timeout=20_000)
    page.locator("#fn-articles [role=gridcell]", has_text=f"{word} ferry stops").first.click()
    page.wait_for_function("document.querySelector('#fn-article').innerText.includes('Oskar Lindqvist')", timeout=20_000)
    shot(page, f"articles-{size}.png")
    page.click("#fn-art-delete")
    page.wait_for_function("document.querySelector('#fn-art-inline').innerText.includes('Deleted')", timeout=30_000)
    assert "No articles match" in page.locator("#fn-art-page").inner_text()
    page.get_by_role("tab", name="Chat").click()
    after = ask(page, question)
    assert f"{word} ferry stops" not in after.inner_text()


def test_thumbs_are_exported_and_run_by_eval(page, app_server, tmp_path, size):
    msg = ask(page, SEED)
    assert msg.is_visible()
    page.fill("#fn-note textarea", "Peskov")
    page.locator("#fn-chat button[aria-label='Like']").last.click()
    page.wait_for_function("document.querySelector('#fn-inline-box').innerText.includes('saved')", timeout=10_000)
    assert page.input_value("#fn-note textarea") == ""
    out = tmp_path / "feedback.jsonl"
    db = str(app_server.settings.database_path)
    run = subprocess.run([sys.executable, "-m", "eval", "feedback", "--db", db, "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rec = {r["question"]: r for r in map(json.loads, out.read_text().splitlines())}[SEED]
    assert rec["type"] == "feedback-good" and rec["note"] == "Peskov" and rec["evidence"]
    runs = tmp_path / "run"
    ev = subprocess.run([sys.executable, "-m", "eval", str(out), "--store", str(app_server.settings.store_dir),
                         "--out", str(runs), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ev.returncode == 0, ev.stderr
    metrics = json.loads((runs / "metrics.json").read_text())
    assert metrics["n_questions"] >= 1
    results = [json.loads(x) for x in (runs / "results.jsonl").read_text().splitlines()]
    assert any(r.get("question") == SEED for r in results)
