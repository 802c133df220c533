"""``python -m eval.bench`` end to end on a tiny corpus (numbers not judged: benchmarks
are not timed tests), and the report's ratios and target checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.bench.__main__ import main as bench_main
from eval.bench.report import render


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    arts, qs = [], []
    for i in range(4):
        text = " ".join(f"The harbour of Pellworth {i} flooded on day {j} and harbourmaster Reyes {i} counted boats."
                        for j in range(20))
        arts.append({"id": f"a{i}", "title": f"Flood {i}", "source": "Gazette", "published_date": "2024-05-02",
                     "text": text})
        qs.append({"id": f"q{i}", "question": f"Who counted boats in Pellworth {i}?", "answers": [f"Reyes {i}"],
                   "evidence": [f"a{i}"], "question_date": "2024-05-03", "quiz_explanation": "never read"})
    corpus, questions = tmp_path / "corpus.jsonl", tmp_path / "questions.jsonl"
    corpus.write_text("\n".join(json.dumps(a) for a in arts) + "\n")
    questions.write_text("\n".join(json.dumps(q) for q in qs) + "\n")
    return corpus, questions


@pytest.mark.slow
def test_bench_runs_every_stage_and_writes_json_and_markdown(tmp_path):
    corpus, questions = _corpus(tmp_path)
    out = tmp_path / "bench"
    code = bench_main(["--corpus", str(corpus), "--questions", str(questions), "--limit", "3", "--sizes", "20,60",
                       "--queries", "2", "--concurrent", "0", "--skip-peer", "--out", str(out)])
    assert code == 0
    res = json.loads((out / "bench.json").read_text())
    assert res["articles"] == 3 and res["ingest"]["articles"] == 3
    assert res["ingest"]["passages"] == res["raw"]["passages"] > 3
    assert res["ingest"]["reingest_written"] == 0 and res["ingest"]["reingest_unchanged"] == 3
    assert [r["passages"] for r in res["latency"]] == [20, 60]
    assert all(r["questions"] == 2 and r["total_p50_ms"] > 0 and r["peak_rss_mb"] > 0 for r in res["latency"])
    md = (out / "bench.md").read_text()
    assert "ingest time / embedding-alone time" in md and "| 60 |" in md
    assert not (out / "work").exists()  # the stores built are removed unless --keep


def test_missing_inputs_exit_2(tmp_path, capsys):
    assert bench_main(["--corpus", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "b")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_report_ratios_and_targets():
    res = {"raw": {"articles": 10, "passages": 100, "wall_s": 10.0, "cpu_s": 10.0},
           "ingest": {"articles": 10, "passages": 100, "wall_s": 11.0, "cpu_s": 10.5, "reingest_wall_s": 0.1,
                      "reingest_unchanged": 10, "reingest_written": 0},
           "peer": {"articles": 10, "passages": 110, "wall_s": 22.0, "cpu_s": 21.0},
           "latency": [{"size": 1000, "passages": 1000, "retrieve_p50_ms": 30.0, "total_p50_ms": 90.0, "build": {}}]}
    md = render(res)
    assert "| ingest time / embedding-alone time | 1.10x | 1.05x | ≤ 1.2x | yes |" in md
    assert "| ingest speed (articles/s) / LangChain peer's | 2.00x | 2.00x | ≥ 5x | **no** |" in md
    assert "| first ingest time / unchanged re-ingest time | 110x |" in md
    assert "retrieval p50 < 25 ms (**no**)" in md and "end to end p50 < 100 ms (yes)" in md
