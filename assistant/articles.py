"""The article catalogue: which articles the store holds, and one article's text.

``ArticleCatalogue(store).list(...)`` lists the stored articles, newest first, with the
retrieval filters (sources, dates) and a query on title, source and URL;
``.get(article_id)`` returns one article's cleaned text, rebuilt from its passages, with
the passages themselves. It only reads the store. The MCP tools (``server/mcp.py``) and
the page's article list use it.

Example:
    >>> from assistant import Assistant
    >>> from assistant.articles import ArticleCatalogue
    >>> catalogue = ArticleCatalogue(Assistant().store)
    >>> [a.title for a in catalogue.list("north korea", limit=5).articles]
    >>> catalogue.get("file-1a2b3c4d5e6f7a8b").text
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from assistant.errors import AssistantError, QuestionError
from footnote.records import ArticleInfo, ArticleText, Passage
from vectorstore.lexical import SyncedLexicalIndex
from vectorstore.store import Filters, PassageStore

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MIN_OVERLAP = 3  # the fewest characters two neighbouring passages must share to be joined on them


class ArticleNotFound(AssistantError, LookupError):
    """No article with that id is stored."""


@dataclass
class ArticleList:
    """One page of the catalogue: ``articles`` (at most the limit) out of ``total`` matches."""

    articles: list[ArticleInfo] = field(default_factory=list)
    total: int = 0
    offset: int = 0


class ArticleCatalogue:
    """Lists stored articles and rebuilds one article's text; reads only. Keep one per store:
    it caches the article list until the store changes."""

    def __init__(self, store: PassageStore) -> None:
        self.store = store
        self._heads: tuple[str, list[Passage]] | None = None  # (store revision, every article's first passage)

    def _all_heads(self) -> list[Passage]:
        """Every article's first passage, read again only when the store's revision changed
        (one query instead of a walk over every article on each listing)."""
        revision = self.store.revision()
        cached = self._heads
        if cached is None or cached[0] != revision:
            cached = (revision, self.store.article_heads())
            self._heads = cached
        return cached[1]

    def list(
        self,
        query: str | None = None,
        *,
        sources: Sequence[str] | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> ArticleList:
        """Stored articles, newest first (undated last), then by title.

        Args:
            query: words that must all occur in the title, source or URL (any case); none lists all.
            sources: only articles from these sources.
            date_from, date_to: only articles published in this range (inclusive); undated ones are left out.
            limit: how many to return, 1..MAX_LIMIT.
            offset: how many matches to skip first (for paging).

        Raises:
            QuestionError: the query is too long, or limit/offset are out of range.
            StoreError: the store is unreachable.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise QuestionError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}.")
        if offset < 0:
            raise QuestionError(f"offset must be 0 or more, not {offset}.")
        terms = self._terms(query)
        filters = Filters(list(sources) if sources else None, date_from, date_to)
        found = [
            ArticleInfo.from_passage(p) for p in self._all_heads()
            if filters.accepts(p) and _matches(f"{p.title} {p.source} {p.url}", terms)
        ]
        found.sort(key=lambda a: (a.date is None, -a.date.toordinal() if a.date else 0, a.title.casefold(), a.id))
        return ArticleList(found[offset : offset + limit], len(found), offset)

    def get(self, article_id: str) -> ArticleText:
        """One article: its metadata, its text rebuilt from its passages, and the passages.

        Raises:
            QuestionError: the id is empty.
            ArticleNotFound: no article with this id is stored.
            StoreError: the store is unreachable.
        """
        aid = (article_id or "").strip() if isinstance(article_id, str) else ""
        if not aid:
            raise QuestionError("The article id is empty; list the articles to see their ids.")
        passages = self.store.article_passages(aid)
        if not passages:
            raise ArticleNotFound(f"No article with id {aid!r} is stored; list the articles to see their ids.")
        info = ArticleInfo.from_passage(passages[0])
        info.passages = len(passages)
        return ArticleText(info, join_passages([p.text for p in passages]), passages)

    def _terms(self, query: str | None) -> list[str]:
        query = (query or "").strip()
        limit = self.store.settings.max_question_chars
        if len(query) > limit:
            raise QuestionError(f"The query is {len(query):,} characters long; the limit is {limit:,}.")
        return re.findall(r"\w+", query.casefold())


def delete_article(store: PassageStore, lexical: SyncedLexicalIndex, article_id: str) -> int:
    """Remove one article: its passages leave the store and the BM25 index at once, so no
    answer cites it afterwards. Returns how many passages were removed.

    Raises:
        ArticleNotFound: no article with this id is stored.
        StoreError: the store is unreachable.
    """
    passages = store.article_passages(article_id)
    if not passages:
        raise ArticleNotFound(f"No article with id {article_id!r} is stored; list the articles to see their ids.")
    store.delete_articles([article_id])
    lexical.rebuild()  # as ingest does after a removal
    return len(passages)


def _matches(text: str, terms: list[str]) -> bool:
    folded = text.casefold()
    return all(t in folded for t in terms)


def join_passages(texts: Sequence[str]) -> str:
    """An article's text from its passages in order: neighbours share an overlap (the
    chunker repeats the end of one passage at the start of the next), which is kept once;
    passages that share none are separated by a blank line."""
    out = ""
    for text in texts:
        if not out:
            out = text
            continue
        shared = _overlap(out, text)
        out = out + text[shared:] if shared else f"{out}\n\n{text}"
    return out


def _overlap(left: str, right: str) -> int:
    """Length of the longest start of ``right`` that ``left`` ends with (0 if under MIN_OVERLAP)."""
    for k in range(min(len(left), len(right)), MIN_OVERLAP - 1, -1):
        if left.endswith(right[:k]):
            return k
    return 0
