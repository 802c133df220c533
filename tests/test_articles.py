"""The article catalogue (assistant.articles) over a real embedded Chroma."""

import json
from datetime import date

import pytest
from conftest import write

from assistant.articles import MAX_LIMIT, ArticleCatalogue, ArticleNotFound, join_passages
from assistant.errors import QuestionError
from footnote.records import Article
from ingest.chunking import Chunker
from ingest.loaders import load_text
from ingest.pipeline import Ingestor

LONG = " ".join(f"Sentence number {i} of the harbour report says the quay grew by {i} metres." for i in range(60))
ARTICLES = [
    {"id": "h1", "title": "Harbour expansion approved", "source": "Daily Planet", "url": "https://example.org/h1",
     "published_date": "2024-03-01", "text": LONG},
    {"id": "s1", "title": "Storm hits the coast", "source": "Gazette", "url": "https://example.org/s1",
     "published_date": "2024-03-05", "text": "A storm named Ophelia hit the northern coast on Tuesday night. " * 5},
    {"id": "u1", "title": "Undated harbour notes", "source": "Gazette", "url": "",
     "text": "The harbour master published notes without a date. " * 5},
]


@pytest.fixture
def ingestor(settings, tmp_path):
    corpus = write(tmp_path / "c.jsonl", "\n".join(json.dumps(r) for r in ARTICLES) + "\n")
    ing = Ingestor(settings)
    assert ing.ingest([corpus]).failed == []
    return ing


@pytest.fixture
def catalogue(ingestor):
    return ArticleCatalogue(ingestor.store)


def test_list_is_newest_first_with_undated_last_and_counts_passages(catalogue):
    page = catalogue.list()
    assert [a.id for a in page.articles] == ["s1", "h1", "u1"]
    assert page.total == 3
    h1 = page.articles[1]
    assert (h1.title, h1.source, h1.url, h1.date.isoformat()) == ("Harbour expansion approved", "Daily Planet", "https://example.org/h1", "2024-03-01")
    assert h1.passages > 1  # the long article is several passages


def test_list_filters_by_words_source_dates_and_pages(catalogue):
    assert [a.id for a in catalogue.list("HARBOUR").articles] == ["h1", "u1"]
    assert [a.id for a in catalogue.list("harbour notes").articles] == ["u1"]
    assert [a.id for a in catalogue.list("example.org s1").articles] == ["s1"]  # the URL counts
    assert catalogue.list("zebra").total == 0
    assert [a.id for a in catalogue.list(sources=["Gazette"]).articles] == ["s1", "u1"]
    dated = catalogue.list(date_from=date(2024, 3, 2))
    assert [a.id for a in dated.articles] == ["s1"]  # undated articles drop out of a date range
    page = catalogue.list(limit=1, offset=1)
    assert ([a.id for a in page.articles], page.total, page.offset) == (["h1"], 3, 1)


def test_list_refuses_bad_limits_and_long_queries(catalogue):
    for bad in (0, MAX_LIMIT + 1):
        with pytest.raises(QuestionError, match=f"limit must be between 1 and {MAX_LIMIT}"):
            catalogue.list(limit=bad)
    with pytest.raises(QuestionError, match="offset"):
        catalogue.list(offset=-1)
    with pytest.raises(QuestionError, match="the limit is 4,000"):
        catalogue.list("x" * 4001)


def test_get_rebuilds_the_cleaned_text_from_overlapping_passages(catalogue):
    doc = catalogue.get("h1")
    assert len(doc.passages) == doc.info.passages > 1
    assert [p.position for p in doc.passages] == list(range(len(doc.passages)))
    assert doc.text == LONG  # the overlaps are kept once: the article as ingested
    assert doc.info.title == "Harbour expansion approved"


def test_get_unknown_or_empty_id_is_a_clear_error(catalogue):
    with pytest.raises(ArticleNotFound, match="No article with id 'nope'"):
        catalogue.get("nope")
    with pytest.raises(QuestionError, match="empty"):
        catalogue.get("  ")


def test_join_passages_restores_the_sample_article(sample_article, settings):
    article: Article = load_text(sample_article, 10_000_000)
    passages = Chunker(settings.chunk_size, settings.chunk_overlap).split(article)
    assert len(passages) > 2
    assert join_passages([p.text for p in passages]) == article.text.strip()
    # smaller passages: where two share no overlap the separator is unknown (a blank line is used)
    small = Chunker(400, 150).split(article)
    assert " ".join(join_passages([p.text for p in small]).split()) == " ".join(article.text.split())


def test_list_sees_articles_added_after_it_was_read(catalogue, ingestor, tmp_path):
    assert catalogue.list().total == 3
    more = write(tmp_path / "more.jsonl", json.dumps(
        {"id": "n1", "title": "New harbour crane", "source": "Gazette", "published_date": "2024-04-01",
         "text": "A new crane arrived at the harbour on Friday morning. " * 5}) + "\n")
    assert ingestor.ingest([more]).added == 1
    page = catalogue.list()  # the store's revision changed: the cached list is read again
    assert page.total == 4 and page.articles[0].id == "n1"
