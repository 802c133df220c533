"""One contract, every embedder: the same checks over each ``Embedder`` implementation.

- the offline MiniLM (ONNX) embedder;
- ``OpenAIEmbedder`` through the real ``openai`` client against a small OpenAI-compatible
  embeddings server on loopback. That server stands in for OpenAI's cloud (which tests
  never reach): it answers ``POST /v1/embeddings`` with deterministic bag-of-words
  vectors, unnormalised, so the embedder's own normalising is checked too.

fastembed is not installed in this project (its models download from a hub), so it has no
case here.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from eval.local_servers import free_port
from vectorstore.embeddings import Embedder, MiniLMEmbedder, OpenAIEmbedder

DIM = 64


def _vector(text: str) -> list[float]:
    v = np.zeros(DIM)
    for w in text.lower().split():
        v[int(hashlib.md5(w.strip(".,!?").encode()).hexdigest(), 16) % DIM] += 3.0
    return v.tolist()


class _Embeddings(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).requests.append(body)
        data = [{"object": "embedding", "index": i, "embedding": _vector(t)} for i, t in enumerate(body["input"])]
        out = json.dumps({"object": "list", "data": data, "model": body["model"],
                          "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[str]:
    """The loopback stand-in for OpenAI's embeddings endpoint; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Embeddings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


def _embedder(name: str, settings, base_url: str) -> Embedder:
    if name == "minilm":
        return MiniLMEmbedder(batch_size=4)
    s = settings.model_copy(update={"openai_base_url": base_url})
    return OpenAIEmbedder("text-embedding-3-small", s, batch_size=4)


@pytest.fixture(params=["minilm", "openai"])
def embedder(request, settings, fake_openai) -> Embedder:
    return _embedder(request.param, settings, fake_openai)


TEXTS = ["Peskov denied the reports.", "The Kremlin spokesman rejected the reports.", "",
         "Turnout in the mayoral election was 61 percent.", "Peskov denied the reports."] + [f"filler {i}" for i in range(6)]


def test_embedder_contract(embedder):
    assert isinstance(embedder.name, str) and embedder.name
    vecs = embedder.embed(TEXTS)
    assert vecs.shape == (len(TEXTS), embedder.dim) and vecs.dtype == np.float32
    norms = np.linalg.norm(vecs, axis=1)
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-4), "rows are unit length"
    assert np.allclose(vecs[0], vecs[4], atol=1e-5), "the same text, the same vector, whatever its batch"
    assert np.allclose(embedder.embed_query(TEXTS[3]), vecs[3], atol=1e-5)
    assert np.allclose(embedder.embed_batch(TEXTS[:2]), vecs[:2], atol=1e-5)
    assert embedder.embed([]).shape == (0, embedder.dim)
    # meaning (or, for the stand-in, words): a paraphrase is closer than an unrelated text
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[3]


def test_openai_embedder_batches_through_the_client(settings, fake_openai):
    emb = _embedder("openai", settings, fake_openai)
    assert emb.dim == DIM  # asked of the server once, with a probe
    _Embeddings.requests.clear()
    emb.embed(TEXTS)
    sizes = [len(r["input"]) for r in _Embeddings.requests]
    assert sum(sizes) == len(TEXTS) and max(sizes) <= 4
    assert all(r["model"] == "text-embedding-3-small" for r in _Embeddings.requests)
    assert all(t for r in _Embeddings.requests for t in r["input"]), "an empty text is sent as a space"
