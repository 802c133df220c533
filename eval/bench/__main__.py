"""``python -m eval.bench [--limit 200] [--sizes 1000,10000,100000] [--queries 40]``.

Runs every stage in a child process, in order: raw embedding, Footnote ingest (and the
unchanged re-ingest), the LangChain + Chroma peer, a synthesised store and a latency run
per size, then 50 simultaneous requests to the HTTP API at the largest size. Writes
``OUT/bench.json`` and ``OUT/bench.md``. Exit 0 when every stage ran, 1 if one failed,
2 when the inputs are missing.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from eval.bench import stages
from eval.bench.corpus import DEV_DATA, answerable, load_questions, write_subset
from eval.bench.report import render
from eval.bench.scale import stage_scale
from eval.local_servers import free_port, wait_for_health
from footnote.settings import PROJECT_DIR


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.bench", description="Footnote's benchmarks (see docs/OPERATIONS.md, Benchmarks).")
    p.add_argument("--corpus", type=Path, default=DEV_DATA / "corpus.jsonl", help="articles (JSONL)")
    p.add_argument("--questions", type=Path, default=DEV_DATA / "questions.jsonl", help="questions (JSONL)")
    p.add_argument("--limit", type=int, default=200, help="articles ingested (evidence articles of the questions first)")
    p.add_argument("--sizes", default="1000,10000,100000", help="store sizes for the latency curve, in passages")
    p.add_argument("--queries", type=int, default=40, help="questions asked at each size")
    p.add_argument("--concurrent", type=int, default=50, help="simultaneous HTTP requests (0: skip)")
    p.add_argument("--skip-peer", action="store_true", help="skip the LangChain + Chroma baseline")
    p.add_argument("--base", type=Path, help="an ingested store to synthesise from (skips the ingest stages)")
    p.add_argument("--stores", type=Path, help="keep the synthesised stores here and re-use them on a rerun")
    p.add_argument("--out", type=Path, default=Path("runs/bench"), help="where bench.json and bench.md go")
    p.add_argument("--keep", action="store_true", help="keep the stores built under OUT/work")
    p.add_argument("--stage", help=argparse.SUPPRESS)  # internal: run one stage in this process
    p.add_argument("--args", help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return p


STAGES = {
    "raw": lambda a: stages.stage_raw(Path(a["subset"]), Path(a["work"])),
    "ingest": lambda a: stages.stage_ingest(Path(a["subset"]), Path(a["store"])),
    "peer": lambda a: stages.stage_peer(Path(a["subset"]), Path(a["work"])),
    "build": lambda a: stages.stage_build(Path(a["base"]), Path(a["dest"]), int(a["size"])),
    "scale": lambda a: stage_scale(Path(a["store"]), Path(a["questions"]), Path(a["subset"]), int(a["n"])),
    "query": lambda a: stages.stage_query(Path(a["store"]), Path(a["questions"]), Path(a["subset"]), int(a["n"])),
    "serve": lambda a: stages.stage_serve(Path(a["store"]), int(a["port"])),
}


def run_stage(name: str, args: dict[str, Any], result: Path) -> int:
    """Child side: run one stage, write its numbers (and peak RSS) to ``result``."""
    out = STAGES[name](args)
    out["peak_rss_mb"] = stages.peak_rss_mb()
    result.write_text(json.dumps(out, indent=1))
    return 0


def child(name: str, args: dict[str, Any], work: Path, timeout: float = 3600) -> dict[str, Any]:
    """Parent side: run a stage in a fresh Python process and return its numbers."""
    result = work / f"{name}-{int(time.time() * 1000)}.json"
    cmd = [sys.executable, "-m", "eval.bench", "--stage", name, "--args", json.dumps(args), "--result", str(result)]
    print(f"[bench] {name} {json.dumps(args)}", file=sys.stderr, flush=True)
    t = time.perf_counter()
    proc = subprocess.run(cmd, timeout=timeout, cwd=PROJECT_DIR)
    if proc.returncode != 0 or not result.exists():
        return {"error": f"stage {name} exited with {proc.returncode}"}
    out = json.loads(result.read_text())
    print(f"[bench] {name} done in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    return out


def concurrency(store: Path, questions: list[str], work: Path) -> dict[str, Any]:
    """Start the app on a free loopback port, send the questions at once, stop it."""
    import httpx

    port = free_port()
    args = {"store": str(store), "port": port}
    cmd = [sys.executable, "-m", "eval.bench", "--stage", "serve", "--args", json.dumps(args),
           "--result", str(work / "serve.json")]
    print(f"[bench] serve + {len(questions)} simultaneous requests", file=sys.stderr, flush=True)
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR)
    url = f"http://127.0.0.1:{port}"
    try:
        problem = wait_for_health(proc, f"{url}/api/health", 300, interval=0.5)
        if problem:
            return {"error": f"the app on /api/health: {problem}"}
        # BM25 loaded, model warm; a question not in the measured set (nothing of it cached)
        httpx.post(f"{url}/api/ask", json={"question": "What happened this week?"}, timeout=120)
        out = stages.load_test(url, questions, timeout=300)
        out["app_peak_rss_mb"] = _vm_hwm_mb(proc.pid)
        return out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _vm_hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main(argv: Sequence[str] | None = None) -> int:
    """The benchmark CLI (see the module docstring for exit codes)."""
    args = _parser().parse_args(argv)
    if args.stage:
        return run_stage(args.stage, json.loads(args.args or "{}"), args.result)
    for path in (args.corpus, args.questions):
        if not path.exists():
            print(f"error: {path}: no such file (give --corpus and --questions)", file=sys.stderr)
            return 2
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    out_dir = args.out
    work = (out_dir / "work").resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    qs = load_questions(args.questions)
    subset = work / "subset.jsonl"
    n_articles = write_subset(args.corpus, qs, args.limit, subset)
    common = {"subset": str(subset), "work": str(work)}
    t0 = time.perf_counter()
    res: dict[str, Any] = {
        "when": datetime.now().isoformat(timespec="seconds"), "machine": _machine(),
        "command": "python -m eval.bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "articles": n_articles,
    }
    if args.base is None:
        res["raw"] = child("raw", common, work)
        base = work / "ingested"
        res["ingest"] = child("ingest", {**common, "store": str(base)}, work)
        if not args.skip_peer:
            res["peer"] = child("peer", common, work)
    else:
        base = args.base.resolve()
    res["latency"], res["scale"] = [], []
    largest = None
    for size in sizes:
        dest = (args.stores.resolve() if args.stores else work) / f"store-{size}"
        built = child("build", {"base": str(base), "dest": str(dest), "size": size}, work)
        point = {"store": str(dest), "questions": str(args.questions.resolve()), "subset": str(subset), "n": args.queries}
        q = child("query", point, work)
        res["latency"].append({"size": size, "build": built, **q})
        res["scale"].append({"size": size, **child("scale", point, work)})
        largest = dest
    if args.concurrent and largest is not None:
        questions = [q.question for q in answerable(qs, subset)][: args.concurrent]
        questions += questions[: args.concurrent - len(questions)]
        res["concurrency"] = concurrency(largest, questions, work)
    res["seconds"] = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(res, indent=1))
    md = render(res)
    (out_dir / "bench.md").write_text(md)
    print(md)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    failed = [k for k, v in res.items() if isinstance(v, dict) and "error" in v]
    failed += [f"{kind} {x['size']}" for kind in ("latency", "scale") for x in res[kind] if "error" in x]
    if failed:
        print(f"error: stages failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _machine() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
