"""Benchmarks: ``python -m eval.bench`` measures ingest, query latency, memory and
concurrency in one run and writes ``runs/bench/bench.json`` and ``bench.md``.

Each measurement runs in a child process of its own (``python -m eval.bench --stage
NAME``), so that its peak RSS is its own and one stage's caches do not flatter the next.
Modules: corpus (the article subset and the questions), stages (the measurements),
synth (larger stores made from real passages), report (the Markdown table).

Concessions: the 10k and 100k stores are synthesised from the dev corpus's passages
(texts repeated under new ids, embeddings with small noise, written straight to
Chroma), so BM25 sees repeated documents; the timings are wall-clock on whatever else
the machine runs, and CPU seconds are reported beside them.
"""
