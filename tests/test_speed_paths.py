"""The speed-ups change no result: length-planned batches and vectorised BM25 filters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from footnote.records import Passage
from vectorstore.embeddings import MiniLMEmbedder, plan_batches
from vectorstore.lexical import LexicalIndex
from vectorstore.store import Filters


def test_plan_batches_covers_every_text_once_and_separates_outliers():
    lengths = [7, 31, 33, 14, 29, 23, 24, 24, 38, 30, 37, 51, 250]
    batches = plan_batches(lengths, 32)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(len(b) <= 32 for b in batches)
    assert [12] in batches  # the 250-token text is not padded onto the short ones
    # Equal lengths: full batches, nothing to save by cutting.
    assert [len(b) for b in plan_batches([100] * 70, 32)] == [32, 32, 6]


def test_planned_batches_embed_exactly_like_one_text_at_a_time():
    emb = MiniLMEmbedder(batch_size=8, threads=1)
    texts = ["Who denied the reports?", "Peskov rejected them as fake news on October 10. " * 3, "", "Short.",
             "A much longer passage about North Korean troops in the Donetsk region. " * 12]
    together = emb.embed(texts)
    alone = np.stack([emb.embed_batch([t])[0] for t in texts])
    assert together.shape == (5, 384)
    assert np.abs(together - alone).max() < 1e-4
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def _passage(i: int, source: str, d: date | None) -> Passage:
    return Passage(id=f"p{i}", article_id=f"a{i}", text=f"storm harbour flood number {i}", title="Storm",
                   source=source, date=d, n_chunks=1, article_hash="h")


@pytest.mark.parametrize("filters", [
    Filters(sources=["Gazette"]),
    Filters(date_from=date(2024, 3, 3)),
    Filters(date_to=date(2024, 3, 3)),
    Filters(sources=["Gazette", "Planet"], date_from=date(2024, 3, 2), date_to=date(2024, 3, 5)),
])
def test_lexical_index_filters_match_filters_accepts(filters):
    days = [date(2024, 3, d) for d in range(1, 8)] + [None]
    passages = [_passage(i, ["Gazette", "Planet", "Crier"][i % 3], days[i % len(days)]) for i in range(40)]
    index = LexicalIndex.from_passages(passages)
    expected = np.array([filters.accepts(p) for p in passages], dtype=np.float32)
    assert 0 < expected.sum() < len(passages)
    found = index.search("storm harbour", 40, filters)
    assert {p.id for p, _ in found} == {p.id for p, ok in zip(passages, expected) if ok}


def test_query_time_cache_returns_the_same_vectors_without_a_forward_pass():
    emb = MiniLMEmbedder(batch_size=8, threads=1)
    texts = ["Who denied the reports?", "Dmitry Peskov rejected the reports on October 10."]
    first = emb.embed(texts)
    calls = []
    forward = emb._forward
    emb._forward = lambda ids: calls.append(len(ids)) or forward(ids)  # count forward passes
    again = emb.embed(texts[::-1] + ["A new sentence about the harbour."])
    assert calls == [1]  # only the new text was embedded
    assert np.array_equal(again[:2], first[::-1])
    assert np.abs(again[2] - emb.embed_batch(["A new sentence about the harbour."])[0]).max() < 1e-6
    emb.embed([f"passage {i}" for i in range(100)])  # an ingest-sized call: not cached
    assert len(emb._cache) == 3
