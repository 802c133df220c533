"""``python -m eval.bench.embedders``: the default embedder against the fast one on the same
dev passages, in one process, alternating runs (A B A B), one onnxruntime thread each.

Wall seconds swing on a shared machine; CPU seconds (``process_time``) much less, so the
speed-up is reported on both. Ingest's own cost beyond embedding is the same for both
models (chunking, Chroma, the lexical index), so passages/s of ingest move by the same
factor only where embedding dominates (see the ingest numbers of ``eval.bench``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from eval.bench.corpus import DEV_DATA
from footnote.settings import Settings
from vectorstore.embeddings import get_embedder

MODELS = ("minilm", "minilm-l3")


def _texts(corpus: Path, n: int) -> list[str]:
    """The first n passages of the corpus, chunked as ingest chunks them."""
    from ingest.chunking import Chunker
    from ingest.loaders import load_path

    s = Settings(_env_file=None)
    chunker = Chunker(s.chunk_size, s.chunk_overlap)
    out: list[str] = []
    for art in load_path(corpus, 10**9):
        if not isinstance(art, Exception):
            out += [p.text for p in chunker.split(art)]
        if len(out) >= n:
            break
    return out[:n]


def main(argv: Sequence[str] | None = None) -> int:
    """Embed ``--passages`` dev passages with each model ``--rounds`` times; print JSON."""
    p = argparse.ArgumentParser(prog="python -m eval.bench.embedders", description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, default=DEV_DATA / "corpus.jsonl")
    p.add_argument("--passages", type=int, default=600)
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args(argv)
    texts = _texts(a.corpus, a.passages)
    models = {m: get_embedder(Settings(embedding_model=m, embedding_threads=1, _env_file=None)) for m in MODELS}
    for emb in models.values():
        emb.embed(texts[:16])  # loaded and warm
    runs: dict[str, list[tuple[float, float]]] = {m: [] for m in MODELS}
    for _ in range(a.rounds):
        for m, emb in models.items():
            w, c = time.perf_counter(), time.process_time()
            emb.embed(texts)
            runs[m].append((time.perf_counter() - w, time.process_time() - c))
    out = {"passages": len(texts), "threads": 1}
    for m in MODELS:
        wall, cpu = min(r[0] for r in runs[m]), min(r[1] for r in runs[m])
        out[m] = {"model": models[m].name, "wall_s": wall, "cpu_s": cpu, "passages_per_s": len(texts) / wall,
                  "passages_per_cpu_s": len(texts) / cpu}
    out["speedup_wall"] = out["minilm-l3"]["passages_per_s"] / out["minilm"]["passages_per_s"]
    out["speedup_cpu"] = out["minilm-l3"]["passages_per_cpu_s"] / out["minilm"]["passages_per_cpu_s"]
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
