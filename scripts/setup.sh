#!/usr/bin/env bash
# Set up Footnote on a fresh machine: a virtual environment with everything installed.
#   bash scripts/setup.sh         the app (chat, ingest, APIs, eval)
#   bash scripts/setup.sh --dev   also the test tools: pytest, ruff, Playwright, Debian's
#                                 Chromium, and the local LLM server (llama-cpp-python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ "${1:-}" = "--dev" ]; then
  # llama.cpp is compiled here; a native build uses every instruction the CPU reports, and
  # on VMs that report AMX without enabling it the server dies with SIGILL on its first
  # request. Portable AVX2 code runs on any x86-64 machine of the last decade.
  if [ "$(uname -m)" = x86_64 ]; then
    export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
  fi
  .venv/bin/pip install -q -r requirements-dev.txt
  .venv/bin/pip install -q --no-deps -r requirements-nodeps.txt -r requirements-dev-nodeps.txt
  # a LangChain agent's environment for the MCP test (langchain-mcp-adapters needs mcp<2)
  [ -x .venv-langchain/bin/python ] || "$PY" -m venv .venv-langchain
  .venv-langchain/bin/pip install -q -r requirements-langchain-agent.txt
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
    else
      echo "note: install Debian's chromium (sudo apt-get install chromium) for the browser tests" >&2
    fi
  fi
else
  .venv/bin/pip install -q -r requirements.txt
  .venv/bin/pip install -q --no-deps -r requirements-nodeps.txt
fi
echo "Footnote is set up in .venv"
