"""langchain-mcp-adapters loads Footnote's MCP tools into LangChain and calls ``ask``.

The adapter (0.3.2, the newest) requires mcp<2 while Footnote serves with mcp 2.x, so the
agent runs as its own process in its own environment (.venv-langchain, made by
``scripts/setup.sh --dev`` from requirements-langchain-agent.txt), against the running app
with login on: a LangChain agent with the MCP SDK 1.x talking to Footnote's 2.x server.
"""

from __future__ import annotations

import json
import re
import subprocess

from conftest import ROOT
from fixtures_app import AUTH_PASSWORD, AUTH_USER

AGENT_PYTHON = ROOT / ".venv-langchain" / "bin" / "python"


def test_langchain_loads_the_tools_and_calls_ask(auth_server):
    assert AGENT_PYTHON.exists(), "the LangChain agent environment is missing: run `bash scripts/setup.sh --dev`"
    done = subprocess.run(
        [str(AGENT_PYTHON), str(ROOT / "tests" / "langchain_agent.py"), f"{auth_server.url}/mcp",
         f"Bearer {AUTH_USER}:{AUTH_PASSWORD}", "Who denied the reports?"],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(out["tools"]) == {"ask", "search", "list_articles", "get_article"}
    assert "cit" in out["tools"]["ask"] and out["ask_args"] == ["as_of", "date_from", "date_to", "question", "sources", "top_k"]
    assert out["status"] == "success"
    text = "".join(block["text"] for block in out["content"] if block.get("type") == "text")
    assert "Peskov" in text and "[1]" in text and "Sources:" in text
    structured = out["artifact"]["structured_content"]
    assert structured["refused"] is False
    assert structured["citations"][0]["title"] == "Russia denies reports that North Korean troops are deployed in Ukraine"


def test_docs_langchain_example_runs(auth_server, tmp_path):
    text = (ROOT / "docs" / "MCP.md").read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.+?)\n```", text.split("**LangChain**", 1)[1], re.S)[0]
    code = code.replace("http://127.0.0.1:7860", auth_server.url).replace("alice:s3cret", f"{AUTH_USER}:{AUTH_PASSWORD}")
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([str(AGENT_PYTHON), str(script)], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Peskov" in done.stdout and "Sources:" in done.stdout
