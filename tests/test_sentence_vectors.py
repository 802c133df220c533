"""Sentence vectors kept at ingest (vectorstore/sentence_vectors.py): answers look up the
vectors of passage sentences instead of embedding them, and get the same answers."""

from __future__ import annotations

import logging

import numpy as np

from footnote.sentences import reading_sentences
from footnote.settings import SAMPLE_ARTICLE, Settings
from vectorstore.embeddings import get_embedder
from vectorstore.sentence_vectors import SentenceVectors, StoredVectorsEmbedder, sentence_table


class Counting:
    """The real default model, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.batch_size, self.texts = inner, inner.name, inner.dim, inner.batch_size, []

    def embed(self, texts):
        self.texts.extend(texts)
        return self.inner.embed(texts)

    def embed_batch(self, texts):
        return self.inner.embed_batch(texts)


def test_a_table_keeps_vectors_by_text_across_processes_and_compactions(tmp_path):
    model = get_embedder(Settings(_env_file=None))
    texts = [f"Storm number {i} flooded the harbour on Tuesday." for i in range(40)]
    vecs = model.embed(texts)
    table = SentenceVectors(tmp_path / "t", dim=384, compact_at=3)
    for start in range(0, 40, 8):  # five segments: the fourth write merges them
        assert table.add(texts[start : start + 8], vecs[start : start + 8]) == 8
    assert table.add(texts[:8], vecs[:8]) == 0  # known texts are not written again
    assert len(list((tmp_path / "t").glob("*.keys.npy"))) <= 3
    other = SentenceVectors(tmp_path / "t", dim=384)  # another process opening the folder
    found, missing = other.lookup([texts[5], "A sentence never stored here.", texts[39]])
    assert missing == [1]
    assert np.abs(found[[0, 2]] - vecs[[5, 39]]).max() < 2e-3  # float16 on disk
    assert float(found[0] @ vecs[5]) > 0.999


def test_readers_never_mix_generations_while_a_writer_adds_and_compacts(tmp_path):
    import threading

    rng = np.random.default_rng(0)
    texts = [f"Sentence number {i} about the harbour." for i in range(400)]
    vecs = rng.normal(size=(400, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    writer = SentenceVectors(tmp_path / "t", dim=384, compact_at=4)
    writer.add(texts[:20], vecs[:20])
    reader = SentenceVectors(tmp_path / "t", dim=384)
    wrong: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            found, missing = reader.lookup(texts[:20])
            if missing or np.abs(found - vecs[:20]).max() > 2e-3:
                wrong.append(len(missing))

    t = threading.Thread(target=read)
    t.start()
    for start in range(20, 400, 20):  # 19 segments, compacted every few
        writer.add(texts[start : start + 20], vecs[start : start + 20])
        reader.lookup(texts[start : start + 1])  # this thread reloads too, racing the reader thread
    done.set()
    t.join()
    assert wrong == []
    assert len(SentenceVectors(tmp_path / "t", dim=384)) == 400


def test_answers_embed_only_the_question_and_answer_the_same(tmp_path):
    on = Settings(store_dir=tmp_path / "on", _env_file=None)
    off = Settings(store_dir=tmp_path / "off", sentence_vectors=False, _env_file=None)
    from assistant import Assistant

    with_vectors, without = Assistant(on), Assistant(off)
    assert with_vectors.ensure_sample() and without.ensure_sample()
    table = sentence_table(on, with_vectors.embedder)
    stored = {s for p in with_vectors.store.iter_passages() for s in reading_sentences(p.text)}
    assert len(stored) > 5 and all(table.has(s) for s in stored)  # every sentence the answerer reads
    assert not (off.store_dir / table.directory.name).exists()  # switched off: nothing written

    reader = with_vectors.extractive.embedder
    assert isinstance(reader, StoredVectorsEmbedder)
    counting = Counting(reader.inner)
    reader.inner = counting
    question = "Who denied the reports?"
    a, b = with_vectors.ask(question), without.ask(question)
    assert "Peskov" in (a.short_answer or "")
    assert (a.text, a.short_answer, [c.passage_id for c in a.citations]) == (
        b.text, b.short_answer, [c.passage_id for c in b.citations])
    passage_sentences = {s for c in a.citations for s in reading_sentences(c.text)}
    assert counting.texts and not passage_sentences & set(counting.texts)  # no passage sentence was embedded


def test_the_cli_back_fills_a_store_built_without_them(tmp_path, capsys):
    from ingest.__main__ import main
    from ingest.pipeline import Ingestor

    off = Settings(store_dir=tmp_path / "store", sentence_vectors=False, _env_file=None)
    Ingestor(off).ingest([SAMPLE_ARTICLE])
    table = sentence_table(off, get_embedder(off))
    assert len(table) == 0
    assert main(["--sentence-vectors", "--store", str(off.store_dir), "--quiet"]) == 0
    added = len(table)
    stored = {s for p in Ingestor(off).store.iter_passages() for s in reading_sentences(p.text)}
    assert added == len(stored) > 5 and all(table.has(s) for s in stored)
    assert f"{added} added" in capsys.readouterr().out
    assert main(["--sentence-vectors", "--store", str(off.store_dir), "--quiet"]) == 0
    assert "0 added" in capsys.readouterr().out  # a second run has nothing left to do


def test_a_damaged_segment_is_ignored_and_answers_still_come(tmp_path, caplog):
    from assistant import Assistant

    s = Settings(store_dir=tmp_path / "store", _env_file=None)
    a = Assistant(s)
    assert a.ensure_sample()
    table_dir = sentence_table(s, a.embedder).directory
    for keys in table_dir.glob("*.keys.npy"):
        keys.write_bytes(b"not a numpy file")
    fresh = Assistant(s)
    with caplog.at_level(logging.WARNING, logger="footnote.sentence_vectors"):
        ans = fresh.ask("Who denied the reports?")
    assert "Peskov" in (ans.short_answer or "")
    assert "not read" in caplog.text


def test_a_store_without_sentence_vectors_is_pointed_out(tmp_path):
    from assistant import Assistant
    from ingest.pipeline import Ingestor

    off = Settings(store_dir=tmp_path / "store", sentence_vectors=False, _env_file=None)
    Ingestor(off).ingest([SAMPLE_ARTICLE])
    on = Settings(store_dir=tmp_path / "store", _env_file=None)  # the app, now with the default on
    assert Assistant(on).sentence_vectors_missing()
    Ingestor(on).add_sentence_vectors(p.text for p in Ingestor(on).store.iter_passages())
    assert not Assistant(on).sentence_vectors_missing()
    assert not Assistant(Settings(store_dir=tmp_path / "empty", _env_file=None)).sentence_vectors_missing()
