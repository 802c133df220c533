"""Chunking: sentence-whole passages of about ``chunk_size`` characters.

langchain-text-splitters' RecursiveCharacterTextSplitter splits on paragraphs, then on
sentence ends, then words; the separators keep the sentence end with its sentence
(``keep_separator="end"``), so a passage never starts mid-sentence unless a single
sentence is longer than a chunk.
"""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from footnote.records import Article, Passage, sha1

SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


class Chunker:
    def __init__(self, chunk_size: int = 1000, chunk_overlap: int = 150) -> None:
        self.splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size,
            chunk_overlap=min(chunk_overlap, chunk_size // 2),
            separators=SEPARATORS,
            keep_separator="end",
            strip_whitespace=True,
        )

    def split(self, article: Article) -> list[Passage]:
        """The article's passages, each with the article's metadata and a stable id."""
        chunks = [c for c in self.splitter.split_text(article.text) if c.strip()]
        ahash = article.content_hash
        n = len(chunks)
        return [
            Passage(
                id=f"{article.id}:{i}:{sha1(chunk)[:10]}",
                article_id=article.id,
                text=chunk,
                title=article.title,
                source=article.source,
                url=article.url,
                date=article.date,
                position=i,
                article_hash=ahash,
                n_chunks=n,
                owner=article.owner,
            )
            for i, chunk in enumerate(chunks)
        ]
