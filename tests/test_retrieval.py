"""Retrieval: fusion, diversity, filters and date preference through Assistant.retrieve/ask,
and the rare-name regression (BM25 finds what dense MiniLM alone misses).

The integration tests use the real MiniLM embedder and a real embedded Chroma in a temp
folder, with made-up articles.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant import Assistant
from assistant.retrieval import DatePrior, HybridRetriever, Query, convex_fuse, diversify, rrf_fuse
from footnote.records import Hit, Passage
from footnote.settings import Settings
from ingest.pipeline import Ingestor


def _hit(pid: str, article: str = "", score: float = 0.0, d: date | None = None, **kw) -> Hit:
    return Hit(Passage(id=pid, article_id=article or pid, text=f"text of {pid}", date=d), score, **kw)


# --- fusion and diversity (logic) -----------------------------------------------------
def test_rrf_fuse_sums_weighted_reciprocal_ranks():
    dense = [_hit("a", dense_rank=1, similarity=0.9), _hit("b", dense_rank=2, similarity=0.8)]
    lexical = [_hit("b", lexical_rank=1), _hit("c", lexical_rank=2)]
    fused = rrf_fuse([(dense, 1.0), (lexical, 1.0)], rrf_k=60)
    assert [h.passage.id for h in fused] == ["b", "a", "c"]
    b = fused[0]
    assert b.score == pytest.approx(1 / 62 + 1 / 61)
    assert (b.dense_rank, b.lexical_rank, b.similarity) == (2, 1, 0.8)
    # A heavier lexical weight puts BM25's first ahead of dense's first.
    fused = rrf_fuse([(dense, 0.2), (lexical, 1.0)], rrf_k=60)
    assert fused[0].passage.id == "b" and fused[1].passage.id == "c"


def test_convex_fuse_keeps_margins_and_floors_missing_scores():
    dense = [_hit("a", score=0.80, dense_rank=1, similarity=0.80), _hit("b", score=0.40, dense_rank=2, similarity=0.40)]
    lexical = [_hit("c", score=10.0, lexical_rank=1), _hit("a", score=2.0, lexical_rank=2)]
    fused = {h.passage.id: h for h in convex_fuse(dense, lexical, 1.0, 1.0)}
    assert fused["a"].score == pytest.approx(0.5 * 0.80 + 0.5 * 0.2)
    assert fused["c"].score == pytest.approx(0.5 * 0.40 + 0.5 * 1.0)  # dense floor: lowest cosine seen
    assert fused["b"].score == pytest.approx(0.5 * 0.40)
    assert fused["c"].similarity is None and fused["a"].lexical_rank == 2
    only_dense = convex_fuse(dense, lexical, 1.0, 0.0)
    assert only_dense[0].passage.id == "a"


def test_diversify_caps_passages_per_article_and_fills_up():
    hits = [_hit("a1", "A"), _hit("a2", "A"), _hit("a3", "A"), _hit("b1", "B"), _hit("a4", "A")]
    assert [h.passage.id for h in diversify(hits, 3, 2)] == ["a1", "a2", "b1"]
    assert [h.passage.id for h in diversify(hits, 3, 1)] == ["a1", "b1", "a2"]  # filled from the rest


class _Fixed:
    def __init__(self, name: str, hits: list[Hit]) -> None:
        self.name, self.hits = name, hits

    def retrieve(self, query: Query, k: int) -> list[Hit]:
        return [Hit(h.passage, h.score, h.dense_rank, h.lexical_rank, h.similarity) for h in self.hits[:k]]


def test_date_window_lifts_the_passage_inside_it():
    old, new = date(2021, 5, 1), date(2024, 3, 12)
    dense = _Fixed("dense", [_hit("old", score=0.70, d=old, dense_rank=1, similarity=0.70),
                             _hit("new", score=0.66, d=new, dense_rank=2, similarity=0.66)])
    lexical = _Fixed("lexical", [_hit("old", score=5.0, d=old, lexical_rank=1), _hit("new", score=4.8, d=new, lexical_rank=2)])
    r = HybridRetriever(dense, lexical, date_prior=DatePrior(window_weight=0.6, recency_weight=0.0))
    assert r.retrieve(Query("q"), 2)[0].passage.id == "old"  # no "today", no window: scores decide
    from assistant.dates import resolve_dates

    today = date(2024, 3, 14)
    q = Query("what happened this week", window=resolve_dates("what happened this week", today), today=today)
    assert [h.passage.id for h in r.retrieve(q, 2)] == ["new", "old"]


class _Reverse:
    name = "reverse"

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        return list(reversed(hits))


def test_reranker_protocol_reorders_the_final_hits():
    dense = _Fixed("dense", [_hit("a", score=0.9, dense_rank=1, similarity=0.9), _hit("b", score=0.5, dense_rank=2, similarity=0.5)])
    r = HybridRetriever(dense, None, reranker=_Reverse())
    found = r.search(Query("q"), 2)
    assert [h.passage.id for h in found.hits] == ["b", "a"]
    assert "rerank_ms" in found.timings


# --- through the real store -------------------------------------------------------------
ARTICLES = [
    {"id": "bakery", "title": "A boathouse bakery", "source": "Harbour Gazette", "published_date": "2024-03-04",
     "text": "Ysolde Brannigar-Quist has started selling rye loaves from a converted boathouse. Her loaves sell out by nine."},
    {"id": "d0", "title": "New bakery", "source": "Daily Planet", "published_date": "2024-03-05",
     "text": "Ysolda Brannigan opened a new bakery in the old town on Monday."},
    {"id": "d1", "title": "Coffee", "source": "Daily Planet", "published_date": "2024-03-05",
     "text": "Quist Brannagh opened a coffee shop near the station."},
    {"id": "d2", "title": "Cafe", "source": "Daily Planet", "published_date": "2024-03-05",
     "text": "Brennigar Quest opened a bakery and a cafe downtown."},
    {"id": "d3", "title": "Restaurant", "source": "Daily Planet", "published_date": "2024-03-05",
     "text": "Ysolde Branagh-Quinn opened a small restaurant by the harbour."},
    {"id": "bridge-2019", "title": "Bridge opens", "source": "Harbour Gazette", "published_date": "2019-06-01",
     "text": "The governor opened the new harbour bridge to traffic after three years of work. "
             "The harbour bridge cost 40 million dollars."},
    {"id": "bridge-2024", "title": "Bridge closes for repairs", "source": "Daily Planet", "published_date": "2024-03-12",
     "text": "The harbour bridge closed to traffic for repairs on Tuesday. Repairs to the harbour bridge will take "
             "six weeks, the governor said."},
    {"id": "undated", "title": "Harbour bridge history", "source": "Harbour Gazette", "published_date": "",
     "text": "The harbour bridge was first proposed in 1990 and has been repaired twice since it opened."},
    # One long article about the election, and a short one that holds the turnout figure.
    {"id": "long", "title": "Election night", "source": "Daily Planet", "published_date": "2024-03-10",
     "text": " ".join(
         f"Election night report part {i}: the mayoral election count went on through the night in ward {i}, "
         f"and the mayoral election results were announced ward by ward." for i in range(30))},
    {"id": "turnout", "title": "Turnout", "source": "Harbour Gazette", "published_date": "2024-03-10",
     "text": "Turnout in the mayoral election was 61 percent, officials said after the election results came in."},
]


@pytest.fixture(scope="module")
def store_settings(tmp_path_factory) -> Settings:
    folder = tmp_path_factory.mktemp("retrieval")
    corpus = folder / "articles.jsonl"
    corpus.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    s = Settings(store_dir=folder / "store", _env_file=None)
    summary = Ingestor(s).ingest([corpus])
    assert summary.ok and summary.added == len(ARTICLES)
    return s


def _assistant(s: Settings, **changes) -> Assistant:
    return Assistant(s.model_copy(update=changes))


def test_rare_name_dense_misses_bm25_and_hybrid_find(store_settings):
    q = "What did Brannigar-Quist open?"
    dense = _assistant(store_settings, retrieval_mode="dense").retrieve(q, top_k=3)
    assert dense[0].passage.article_id != "bakery"  # MiniLM prefers a similar-sounding name
    lexical = _assistant(store_settings, retrieval_mode="lexical").retrieve(q, top_k=3)
    assert lexical[0].passage.article_id == "bakery"
    a = _assistant(store_settings)
    hybrid = a.retrieve(q, top_k=3)
    assert hybrid[0].passage.article_id == "bakery"
    assert hybrid[0].dense_rank is not None and hybrid[0].lexical_rank == 1
    ans = a.ask(q)
    assert not ans.refused and "rye loaves" in ans.text
    assert ans.citations[0].article_id == "bakery"


def test_source_filter_through_retrieve_and_ask(store_settings):
    a = _assistant(store_settings)
    hits = a.retrieve("harbour bridge traffic", top_k=5, sources=["Harbour Gazette"])
    assert hits and {h.passage.source for h in hits} == {"Harbour Gazette"}
    ans = a.ask("What happened to the harbour bridge?", sources=["Daily Planet"])
    assert ans.citations and {c.source for c in ans.citations} == {"Daily Planet"}
    assert all(c.source == "Daily Planet" for c in ans.passages)


def test_date_filters_are_hard_limits(store_settings):
    a = _assistant(store_settings)
    hits = a.retrieve("harbour bridge", top_k=8, date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))
    assert hits and all(h.passage.date and date(2024, 1, 1) <= h.passage.date <= date(2024, 3, 31) for h in hits)
    assert "undated" not in {h.passage.article_id for h in hits}  # explicit filters exclude undated
    old = a.retrieve("harbour bridge", top_k=8, date_to=date(2020, 1, 1))
    assert {h.passage.article_id for h in old} == {"bridge-2019"}
    ans = a.ask("How much did the harbour bridge cost?", date_to=date(2020, 1, 1))
    assert "40 million" in ans.text and ans.citations[0].date == "2019-06-01"


def test_this_week_prefers_recent_news_and_keeps_undated(store_settings):
    a = _assistant(store_settings)
    q = "What happened to the harbour bridge this week?"
    hits = a.retrieve(q, top_k=8, today=date(2024, 3, 14))
    ids = [h.passage.article_id for h in hits]
    assert ids[0] == "bridge-2024"
    assert "undated" in ids  # a preference, not a filter
    assert ids.index("bridge-2024") < ids.index("bridge-2019")
    # Five years earlier, the same words prefer the 2019 article.
    back_then = a.retrieve(q, top_k=8, today=date(2019, 6, 3))
    assert back_then[0].passage.article_id == "bridge-2019"


def test_this_week_binds_when_the_collection_holds_this_weeks_news(store_settings):
    a = _assistant(store_settings)
    q = "How much did the harbour bridge cost this week?"
    # The Harbour Gazette has news of that week (the turnout, 10 March), but the only cost is
    # from 2019: not this week's, so the answer says so and names the closest.
    ans = a.ask(q, today=date(2024, 3, 14), sources=["Harbour Gazette"], top_k=2)
    assert all(c.article_id != "turnout" for c in ans.passages)  # no passage shown is from that week
    assert ans.refused and "closest" in ans.text and "40 million" not in ans.text
    # Asked in 2026, the collection holds nothing of "this week": only a preference.
    later = a.ask(q, today=date(2026, 12, 7), sources=["Harbour Gazette"], top_k=2)
    assert not later.refused and "40 million" in later.text


def test_one_long_article_does_not_fill_the_top_k(store_settings):
    q = "What was the turnout in the mayoral election?"
    crowded = _assistant(store_settings, max_per_article=10).retrieve(q, top_k=3)
    diverse = _assistant(store_settings, max_per_article=1).retrieve(q, top_k=3)
    assert "turnout" in {h.passage.article_id for h in diverse}
    assert len({h.passage.article_id for h in diverse}) == 3
    assert len({h.passage.article_id for h in crowded}) <= 3
    ans = _assistant(store_settings).ask(q)
    assert "61 percent" in ans.text


def test_every_mode_returns_hits_with_similarities(store_settings):
    for mode in ("hybrid", "dense", "lexical"):
        hits = _assistant(store_settings, retrieval_mode=mode).retrieve("harbour bridge repairs", top_k=4)
        assert len(hits) == 4, mode
        assert all(h.similarity is not None for h in hits), mode
        assert len({h.passage.id for h in hits}) == 4


# --- the optional LLM reranker ------------------------------------------------------------
def _news_hits() -> list[Hit]:
    return [
        Hit(Passage(id="p1", article_id="a1", text="The harbour bridge cost 40 million dollars.", title="Bridge opens",
                    source="Harbour Gazette", date=date(2019, 6, 1)), 0.9),
        Hit(Passage(id="p2", article_id="a2", text="Turnout in the mayoral election was 61 percent.", title="Turnout",
                    source="Daily Planet", date=date(2024, 3, 10)), 0.8),
        Hit(Passage(id="p3", article_id="a3", text="A storm hit the coast.", title="Storm", source="Daily Planet"), 0.7),
    ]


def test_llm_reranker_follows_the_models_order(settings, scripted_llm):
    from fixtures_llm import Step

    from assistant.rerank import LLMReranker, make_reranker

    s = settings.model_copy(update={"openai_base_url": scripted_llm.base_url, "model": "scripted", "rerank": "llm"})
    reranker = make_reranker(s)
    assert isinstance(reranker, LLMReranker)
    scripted_llm.script(Step("stream", "2, 3"))
    out = reranker.rerank("What was the turnout?", _news_hits())
    assert [h.passage.id for h in out] == ["p2", "p3", "p1"]
    sent = json.dumps(scripted_llm.chat_requests[-1])
    assert "What was the turnout?" in sent and "Turnout" in sent and "2024-03-10" in sent  # title and date shown
    # A failing or useless reply keeps the fused order.
    scripted_llm.script(Step("status", status=500), Step("stream", "none of them"))
    assert [h.passage.id for h in reranker.rerank("q", _news_hits())] == ["p1", "p2", "p3"]
    assert [h.passage.id for h in reranker.rerank("q", _news_hits())] == ["p1", "p2", "p3"]


def test_reranking_is_off_without_an_llm(settings):
    from assistant.rerank import make_reranker

    assert make_reranker(settings) is None  # default: off
    assert make_reranker(settings.model_copy(update={"rerank": "llm"})) is None  # no LLM configured


@pytest.mark.llm
def test_llm_reranker_against_the_local_server(llm_settings, llama_server):
    from assistant.rerank import make_reranker

    reranker = make_reranker(llm_settings.model_copy(update={"rerank": "llm"}))
    assert reranker is not None
    before = llama_server.chat_requests()
    out = reranker.rerank("How much did the harbour bridge cost?", _news_hits()[:2])
    assert sorted(h.passage.id for h in out) == ["p1", "p2"]  # a permutation, nothing lost or invented
    assert llama_server.chat_requests() > before  # the server was asked, not skipped


def test_article_support_lifts_a_passage_whose_article_matches_twice():
    from assistant.retrieval import article_support

    hits = [_hit("lone", "L", score=0.50), _hit("a1", "A", score=0.48), _hit("a2", "A", score=0.30)]
    article_support(hits, 0.15)
    scores = {h.passage.id: h.score for h in hits}
    assert scores["lone"] == pytest.approx(0.50)
    assert scores["a1"] == pytest.approx(0.48 + 0.15 * 0.30)
    assert scores["a2"] == pytest.approx(0.30 + 0.15 * 0.48)  # from the original, not the lifted, score
    assert scores["a1"] > scores["lone"]


def test_date_to_filter_excludes_undated_passages_in_chroma_itself():
    from datetime import date as _date

    from vectorstore.store import Filters

    where = Filters(date_to=_date(2024, 1, 31)).where()
    assert {"ts": {"$gte": 0}} in where["$and"]  # undated passages are stored with ts = -1
