"""Median round trip of POST /api/ask over the first 40 test-half questions.

    python scripts/api_latency.py http://127.0.0.1:7860
"""

import json
import statistics
import sys
import time
from pathlib import Path

import httpx

QUESTIONS = Path(__file__).resolve().parents[2] / "shared/data/news-qa/questions-test.jsonl"


def main(url: str) -> None:
    qs = [json.loads(line) for line in QUESTIONS.open()][:40]
    client = httpx.Client(timeout=60)
    client.post(url + "/api/ask", json={"question": "Who denied the reports?"})  # warm-up
    times = []
    for q in qs:
        t = time.perf_counter()
        r = client.post(url + "/api/ask", json={"question": q["question"]})
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    times.sort()
    print(f"POST /api/ask over {len(times)} test-half questions: p50 {statistics.median(times):.1f} ms, "
          f"p90 {times[int(0.9 * len(times)) - 1]:.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1])
