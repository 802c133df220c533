"""Take the README's screenshot (docs/img/page.png): `python app.py` on a fresh store with
the sample article, Debian's Chromium driven by Playwright, the seed question asked and
its first citation opened.

    .venv/bin/python scripts/page_screenshot.py [OUT.png]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from eval.local_servers import free_port  # noqa: E402

DONE = "#fn-chat .fn-msg"


def start_app(store: Path, port: int) -> subprocess.Popen:
    """``python app.py`` on loopback over ``store``; returns once /api/health answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOOTNOTE_", "OPENAI_"))}
    env.update(FOOTNOTE_STORE_DIR=str(store), FOOTNOTE_HOST="127.0.0.1", FOOTNOTE_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_DISABLE_TELEMETRY="1", ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("app.py did not start within 120 s")


def shoot(url: str, out: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is not on PATH (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.goto(url)
        page.wait_for_selector("#fn-question textarea", timeout=60_000)
        page.fill("#fn-question textarea", "Who denied the reports?")
        page.click("#fn-ask")
        page.wait_for_function(f"document.querySelectorAll({DONE!r}).length > 0", timeout=60_000)
        page.locator(f"{DONE} details.fn-cite").first.evaluate("el => { el.open = true; }")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "img" / "page.png"
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_app(Path(tmp) / "store", port)
        try:
            shoot(f"http://127.0.0.1:{port}/", out)
        finally:
            proc.terminate()
            proc.wait(15)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
